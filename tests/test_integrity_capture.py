"""Issue 10, capture side: cut-off downloads, control characters, command-line metadata, unsupported schemes,
invalid UTF-8. Real HTTP servers on 127.0.0.1, real stores, the CLI as users run it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import RawServer, article_html, store_state

from archive.cli import cli
from archive.ingest.feeds import WatchOptions, watch_once
from archive.store.repository import Store

ARTICLE = article_html().encode("utf-8")


def invoke(store_path: Path, *args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--store", str(store_path), *args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def assert_refused(store_path: Path, args: list[str], expected: str, input: bytes | None = None) -> str:
    """Exit non-zero, exactly one ``Error: …`` line naming ``expected`` on stderr, no traceback, the store as it was."""
    before = store_state(store_path)
    code, _, err = invoke(store_path, *args, input=input)
    assert code != 0, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert expected in lines[0], err
    assert "Traceback" not in err
    assert store_state(store_path) == before
    return lines[0]


# --- item 3: a cut-off download is an error --------------------------------------------------------


def test_body_shorter_than_content_length_is_refused(store_path: Path, raw_server: RawServer) -> None:
    url = raw_server.short_body("/news/cut.html", ARTICLE, missing=300)
    line = assert_refused(store_path, ["snapshot", url], "incomplete")
    assert url in line and f"{len(ARTICLE) - 300} of {len(ARTICLE)} bytes" in line


def test_chunked_body_cut_off_is_refused(store_path: Path, raw_server: RawServer) -> None:
    url = raw_server.cut_chunked("/news/chunked.html", ARTICLE)
    line = assert_refused(store_path, ["snapshot", url], "incomplete")
    assert url in line


def test_whole_body_is_stored(store_path: Path, raw_server: RawServer) -> None:
    url = raw_server.whole("/news/whole.html", ARTICLE)
    code, out, err = invoke(store_path, "snapshot", url)
    assert code == 0, err
    assert "stored version 1" in out


def test_watch_counts_a_cut_off_page_as_failed_and_fetches_it_again_next_pass(
    store_path: Path, raw_server: RawServer
) -> None:
    page = raw_server.short_body("/news/story.html", ARTICLE, missing=500)
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>Story</title><link>{page}</link></item></channel></rss>"
    ).encode()
    feed_url = raw_server.whole("/feed.xml", feed, content_type="application/rss+xml")
    now = [datetime(2024, 3, 1, 8, tzinfo=UTC)]
    options = WatchOptions(timeout=2.0, host_delay=0.0, jobs=1)
    with Store.open(store_path) as store:
        first = watch_once(store, [feed_url], options, clock=lambda: now[0])
        assert (first.written, first.skipped_total) == (0, 1)
        assert "incomplete" in "\n".join(first.problems)
        assert store.articles() == []
        raw_server.whole("/news/story.html", ARTICLE)
        now[0] += timedelta(minutes=1)  # the next pass, sooner than any schedule would check a page again
        second = watch_once(store, [feed_url], options, clock=lambda: now[0])
        assert (second.checked, second.written) == (1, 1)
        assert [a.title for a in store.articles()] == ["Troops massed at the border"]


def test_cli_snapshot_of_cut_off_page_in_a_subprocess_has_no_traceback(store_path: Path, raw_server: RawServer) -> None:
    url = raw_server.short_body("/news/cut2.html", ARTICLE, missing=1)
    done = subprocess.run(
        [sys.executable, "-m", "archive", "--store", str(store_path), "snapshot", url],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert done.stderr.startswith("Error: ") and len(done.stderr.splitlines()) == 1, done.stderr


# --- item 7: control characters never reach the stored text or metadata ---------------------------

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_LINK = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
HOSTILE_TEXT = (
    f"Troops{OSC_TITLE} massed at the border\n"
    "By Jane\x1b[31m Doe\n"
    "March 1, 2024\n"
    f"The army sent 100,000 troops to the border on Saturday, {OSC_LINK} officials said.\r\n"
    "Residents watched\x01 convoys\x08 of tanks\x7f pass\x9b through the night, said a teacher.\n"
    + "Talks between the two governments are scheduled to resume in Geneva next week.\n"
    * 20
)


def test_control_characters_are_removed_from_text_and_metadata_but_kept_in_the_raw_capture(
    store_path: Path, tmp_path: Path
) -> None:
    page = tmp_path / "hostile.txt"
    page.write_bytes(HOSTILE_TEXT.encode("utf-8"))
    code, _, err = invoke(store_path, "snapshot", str(page), "--id", "hostile", "--at", "2024-03-01T08:00:00Z")
    assert code == 0, err
    with Store.open(store_path) as store:
        version = store.version("hostile", "latest")
        text = store.text(version)
        assert store.raw(version) == HOSTILE_TEXT.encode("utf-8")
        title = version.metadata["title"]
        authors = version.metadata["authors"]
    for value in (text, title, *authors):
        assert not any((ord(c) < 32 and c not in "\n") or 0x7F <= ord(c) <= 0x9F for c in value), repr(value)
    assert title == "Troops]0;pwned massed at the border"
    assert authors == ["Jane[31m Doe"]
    assert "officials said.\nResidents watched convoys of tanks pass through the night" in text
    code, out, _ = invoke(store_path, "verify")
    assert code == 0, out


def test_normalize_removes_control_characters_other_than_newline_and_tab() -> None:
    from archive.capture.normalize import normalize_text

    assert normalize_text("a\x1bb\x07c\x00d\x7fe\x9bf\tg\rh\n") == "abcdef g\nh\n"
    assert normalize_text("plain text, “quotes” — dashes…\n") == "plain text, “quotes” — dashes…\n"


def test_stdin_and_markdown_captures_lose_control_characters_too(store_path: Path) -> None:
    markdown = f"# Title{OSC_TITLE}\n\nA body paragraph with\x1b[2J five words or more in it.\n"
    code, _, err = invoke(store_path, "snapshot", "-", "--id", "md", input=markdown.encode())
    assert code == 0, err
    with Store.open(store_path) as store:
        version = store.version("md", "latest")
        assert "\x1b" not in store.text(version) and "\x1b" not in (version.metadata["title"] or "")
        assert store.raw(version) == markdown.encode()


def test_html_metadata_loses_control_characters(store_path: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    html = article_html(title="Troops massed\x1b]0;x\x07 at the border")
    page.write_text(html.replace('content="Jane Doe"', 'content="Jane\x1b Doe"'), encoding="utf-8")
    code, _, err = invoke(store_path, "snapshot", str(page), "--id", "html")
    assert code == 0, err
    with Store.open(store_path) as store:
        meta = store.version("html", "latest").metadata
    for value in (meta["title"], *meta["authors"], meta["site_name"]):
        assert value is None or not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in value), repr(value)


# --- item 6: metadata from the command line is one line of printable text --------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--title", "A title\nForged: line"),
        ("--title", "A title\r"),
        ("--title", "Title\x1b]0;pwned\x07"),
        ("--title", "Tab\tbed"),
        ("--title", "Separator\u2028line"),
        ("--title", "   "),
        ("--author", "Jane\nDoe"),
        ("--author", "Jane\x1b[31mDoe"),
        ("--published", "2024-03-01\n"),
        ("--url", "https://example.org/a\nb"),
        ("--url", "https://example.org/\x1b]0;x\x07"),
    ],
)
def test_command_line_metadata_must_be_one_line_of_printable_text(
    store_path: Path, tmp_path: Path, option: str, value: str
) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Title\n\nA body paragraph with five words or more in it.\n", encoding="utf-8")
    line = assert_refused(store_path, ["snapshot", str(page), "--id", "a", option, value], option)
    assert line.startswith(f"Error: {option} must be one line of printable text"), line
    assert "\x1b" not in line and "\n" not in line.rstrip("\n")


def test_a_refused_title_leaves_verify_ok(store_path: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Title\n\nA body paragraph with five words or more in it.\n", encoding="utf-8")
    assert invoke(store_path, "snapshot", str(page), "--id", "a", "--title", "Fine title", "--author", "A B")[0] == 0
    assert invoke(store_path, "snapshot", str(page), "--id", "a", "--title", "Bad\ntitle")[0] != 0
    code, out, _ = invoke(store_path, "verify")
    assert code == 0, out


# --- item 12: messages that say what is wrong ----------------------------------------------------


@pytest.mark.parametrize(
    ("source", "scheme"),
    [
        ("file:///etc/passwd", "file"),
        ("ftp://ftp.example.org/story.txt", "ftp"),
        ("javascript:alert(1)", "javascript"),
        ("data:text/plain,hello", "data"),
        ("FILE:///etc/passwd", "file"),
    ],
)
def test_unsupported_schemes_are_named(store_path: Path, source: str, scheme: str) -> None:
    line = assert_refused(store_path, ["snapshot", source], f"unsupported URL scheme '{scheme}:'")
    assert source in line  # as given: no slash lost


def test_a_file_whose_name_looks_like_a_scheme_is_still_read(store_path: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("notes:2024.txt").write_text("Title\n\nA body paragraph with five words or more in it.\n")
    code, _, err = invoke(store_path, "snapshot", "notes:2024.txt", "--id", "notes")
    assert code == 0, err


def test_redirect_loop_is_one_line(store_path: Path, raw_server: RawServer) -> None:
    url = raw_server.base + "/loop"
    raw_server.answers["/loop"] = (
        f"HTTP/1.1 302 Found\r\nLocation: {url}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
    )
    line = assert_refused(store_path, ["snapshot", url], "redirect")
    assert line == f"Error: {url}: too many redirects (a redirect loop?)"


def test_store_that_is_a_file_does_not_suggest_init(tmp_path: Path) -> None:
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("my notes\n")
    for args in (["list"], ["verify"], ["snapshot", "-"]):
        result = CliRunner().invoke(cli, ["--store", str(not_a_store), *args], input=b"x")
        assert result.exit_code != 0
        assert result.stderr == f"Error: {not_a_store} is a file, not an archive store (--store names a folder)\n"
    assert not_a_store.read_text() == "my notes\n"


def test_truncated_feed_is_named_as_such(store_path: Path, raw_server: RawServer) -> None:
    page = raw_server.whole("/news/a.html", ARTICLE)
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>A</title><link>{page}</link></item><item><ti"
    ).encode()
    feed_url = raw_server.whole("/feed.xml", feed, content_type="application/rss+xml")
    options = WatchOptions(timeout=2.0, host_delay=0.0, jobs=1)
    with Store.open(store_path) as store:
        report = watch_once(store, [feed_url], options, clock=lambda: datetime(2024, 3, 1, tzinfo=UTC))
    problems = "\n".join(report.problems)
    assert "untitled" not in problems
    assert f"feed {feed_url}: cut off or malformed" in problems, problems
    assert report.written == 1  # the entries before the fault are still read


# --- item 14: text that is not UTF-8 and declares no charset --------------------------------------

# Windows-1252 bytes (é, curly quotes, €): not UTF-8, and a plain-text file declares no charset.
LEGACY = (
    "Café owners protest the new rules\n\n"
    + "The café owners said the new rules were “unfair” and would cost them €500 a month, a spokesman said. " * 6
    + "\n"
).encode("cp1252")


def recorded(store_path: Path, article: str) -> dict:
    with Store.open(store_path) as store:
        return dict(store.version(article, "latest").metadata)


def test_a_file_that_is_not_utf8_is_decoded_by_detection_recorded_and_warned_about(
    store_path: Path, tmp_path: Path
) -> None:
    page = tmp_path / "legacy.txt"
    page.write_bytes(LEGACY)
    code, _, err = invoke(store_path, "snapshot", str(page), "--id", "legacy")
    assert code == 0, err
    meta = recorded(store_path, "legacy")
    assert meta["charset"], meta
    assert err == (
        f"warning: {page} is not UTF-8 and declares no charset: decoded as {meta['charset']} (detected), "
        "recorded in meta.yaml as charset\n"
    )
    with Store.open(store_path) as store:
        assert store.raw(store.version("legacy", "latest")) == LEGACY  # the bytes as they were


def test_every_path_records_the_detected_charset_the_same_way(store_path: Path, tmp_path: Path, raw_server) -> None:
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "legacy.txt").write_bytes(LEGACY)
    (tmp_path / "file.txt").write_bytes(LEGACY)
    assert invoke(store_path, "snapshot", str(tmp_path / "file.txt"), "--id", "from-file")[0] == 0
    warc = tmp_path / "legacy.warc.gz"
    page = article_html(title="Café owners protest").replace('<meta charset="utf-8">', "").encode("cp1252")
    with warc.open("wb") as handle:  # WARC import takes HTML responses; this one declares no charset
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(
            writer.create_warc_record(
                "https://news.example.org/legacy.html",
                "response",
                payload=io.BytesIO(page),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-03-01T08:00:00Z"},
            )
        )
    url = raw_server.whole("/legacy.txt", LEGACY, content_type="text/plain")
    assert invoke(store_path, "snapshot", "-", "--id", "from-stdin", input=LEGACY)[0] == 0
    assert invoke(store_path, "snapshot", url, "--id", "from-url")[0] == 0
    code, _, err = invoke(store_path, "import", str(tmp_path / "folder"), str(warc))
    assert code == 0, err  # a guessed charset is worth a warning, not a failure
    warned = [line for line in err.splitlines() if "declares no charset: decoded as windows-1252" in line]
    assert len(warned) == 2, err
    assert any(line.startswith("warning: legacy.txt: ") for line in warned), err
    assert any("legacy.warc.gz" in line and "legacy.html" in line for line in warned), err
    with Store.open(store_path) as store:
        charsets = {
            a.article_id: store.version(a.article_id, "latest").metadata.get("charset") for a in store.articles()
        }
        texts = {a.article_id: store.text(store.version(a.article_id, "latest")) for a in store.articles()}
    assert len(charsets) == 5 and set(charsets.values()) == {"windows-1252"}, charsets
    assert len({text for article, text in texts.items() if "news.example.org" not in article}) == 1
    assert all(
        "café owners said the new rules were “unfair” and would cost them €500" in t
        for t in texts.values()
        if "unfair" in t
    )


def test_utf8_and_declared_charsets_record_no_detected_charset(store_path: Path, tmp_path: Path) -> None:
    page = tmp_path / "utf8.txt"
    page.write_bytes(LEGACY.decode("cp1252").encode("utf-8"))
    code, _, err = invoke(store_path, "snapshot", str(page), "--id", "utf8")
    assert code == 0 and err == ""
    assert "charset" not in recorded(store_path, "utf8")
    html = tmp_path / "declared.html"
    html.write_bytes(article_html(title="Café owners protest").replace("utf-8", "windows-1252").encode("cp1252"))
    code, _, err = invoke(store_path, "snapshot", str(html), "--id", "declared")
    assert code == 0 and err == "", err
    assert "charset" not in recorded(store_path, "declared")
