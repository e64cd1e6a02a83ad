"""The command line as a user drives it, against real stores, files and a real HTTP server."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEED, SEED_REVISION, STORY, WebServer, article_html, git, store_state

from archive.cli import cli


@pytest.fixture
def demo(run):
    """The demo store: the seed and its illustrative revision as two versions of one article."""
    assert run("snapshot", str(SEED), "--id", "putin", "--at", "2021-12-17T12:00:00Z").exit_code == 0
    assert run("snapshot", str(SEED_REVISION), "--id", "putin", "--at", "2021-12-18T09:30:00Z").exit_code == 0
    return run


def test_init_creates_the_default_store_in_the_working_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVE_STORE", raising=False)
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0 and "snapshots" in result.output
    assert (tmp_path / "snapshots" / ".git").is_dir()
    assert git(tmp_path / "snapshots", "config", "archive.format").strip() == "1"


def test_store_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ARCHIVE_STORE", str(tmp_path / "elsewhere"))
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    assert (tmp_path / "elsewhere" / ".git").is_dir()


def test_snapshot_reports_new_and_unchanged_versions(run) -> None:
    first = run("snapshot", str(SEED), "--id", "putin", "--at", "2021-12-17T12:00:00Z")
    assert first.exit_code == 0
    assert first.output.startswith("putin: stored version 1 (")
    again = run("snapshot", str(SEED), "--id", "putin")
    assert again.exit_code == 0
    assert again.output.startswith("putin: unchanged since version 1 (")


def test_snapshot_json_tells_unchanged_from_already_recorded(run) -> None:
    stored = json.loads(run("snapshot", str(SEED), "--id", "putin", "--at", "2021-12-17T12:00:00Z", "--json").output)
    unchanged = json.loads(run("snapshot", str(SEED), "--id", "putin", "--at", "2021-12-18T12:00:00Z", "--json").output)
    again = json.loads(run("snapshot", str(SEED), "--id", "putin", "--at", "2021-12-17T12:00:00Z", "--json").output)
    assert [stored["outcome"], unchanged["outcome"], again["outcome"]] == ["stored", "unchanged", "already-recorded"]
    assert [stored["created"], unchanged["created"], again["created"]] == [True, False, False]


def test_snapshot_a_url(run, web: WebServer, store_path: Path) -> None:
    url = web.page("/world/troops-border.html", article_html())
    result = run("snapshot", url, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["created"] is True and data["url"] == url
    assert data["article"] == "127.0.0.1-world-troops-border"
    shown = json.loads(run("show", data["article"], "--json").output)
    meta = shown["metadata"]
    assert meta["http"] == {"status": 200, "content_type": "text/html; charset=utf-8"}
    assert meta["canonical_url"] == "https://news.example.org/world/troops-border"
    assert meta["extractor"]["name"] == "trafilatura" and meta["source"] == "url"
    assert shown["text"].startswith(STORY[0])
    raw = run("show", data["article"], "--raw")
    assert raw.stdout_bytes == article_html().encode()


def test_snapshot_a_saved_page_with_its_url(run, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(article_html(), encoding="utf-8")
    result = run("snapshot", str(page), "--url", "https://news.example.org/world/troops-border", "--json")
    data = json.loads(result.output)
    assert data["article"] == "news.example.org-world-troops-border"
    assert data["title"] == "Troops massed at the border"


def test_snapshot_from_stdin_with_overrides(run) -> None:
    result = run(
        "snapshot",
        "-",
        "--url",
        "https://example.org/live",
        "--title",
        "Live updates",
        "--author",
        "A. Writer",
        "--published",
        "2024-05-01",
        "--at",
        "2024-05-01T10:00:00Z",
        "--json",
        input="First update of the day, with some words.\nSecond update.\n",
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(run("show", "example.org-live", "--json").output)
    assert shown["metadata"]["title"] == "Live updates"
    assert shown["metadata"]["authors"] == ["A. Writer"]
    assert shown["metadata"]["published"] == "2024-05-01"
    assert shown["metadata"]["source"] == "stdin"
    assert shown["captured_at"] == "2024-05-01T10:00:00Z"


def test_list_history_show_diff_and_log(demo) -> None:
    listing = demo("list").output.splitlines()
    assert listing[0].split() == ["ARTICLE", "VERSIONS", "FIRST", "SEEN", "LAST", "SEEN", "TITLE"]
    assert listing[1].split()[:2] == ["putin", "2"] and listing[1].endswith("Putin’s Post-Trump Standoff")

    history = demo("history", "put").output.splitlines()
    assert history[0] == "putin"
    assert history[2].split()[:5] == ["1", "2021-12-17", "12:00:00", "386", "+386"]
    assert history[3].split()[:3] == ["2", "2021-12-18", "09:30:00"]
    assert history[3].endswith("Putin’s Post-Trump Standoff")

    shown = demo("show", "putin@1").output
    assert "title: Putin’s Post-Trump Tantrum" in shown and "authors: Julia Ioffe" in shown
    assert shown.rstrip().endswith("which had stopped expanding anyway.")

    diff = demo("diff", "putin").output
    assert "--- putin@1  2021-12-17 12:00:00" in diff and "+++ putin@2  2021-12-18 09:30:00" in diff
    assert "title: [-Putin’s Post-Trump Tantrum-] {+Putin’s Post-Trump Standoff+}" in diff
    assert "[-several-]{+eleven+}" in diff
    assert "since 1997. {+On Friday, the Kremlin published the draft treaty it wants NATO to sign. +}On the" in diff

    log = demo("log").output.splitlines()
    assert [line.split()[3] for line in log[1:]] == ["putin@2", "putin@1"]


def test_versions_are_named_by_number_date_latest_and_commit(demo) -> None:
    first = json.loads(demo("show", "putin@1", "--json").output)
    assert json.loads(demo("show", "putin@latest~1", "--json").output)["commit"] == first["commit"]
    assert json.loads(demo("show", "putin@2021-12-17T23:00", "--json").output)["version"] == 1
    assert json.loads(demo("show", f"putin@{first['commit'][:10]}", "--json").output)["version"] == 1
    assert json.loads(demo("diff", "putin", "1", "2", "--json").output)["words_added"] > 0


def test_json_shapes_are_stable(demo) -> None:
    listing = json.loads(demo("list", "--json").output)
    assert set(listing["articles"][0]) == {"id", "title", "url", "canonical_url", "versions", "first_seen", "last_seen"}
    history = json.loads(demo("history", "putin", "--json").output)
    assert set(history["versions"][0]) == {
        "article",
        "version",
        "commit",
        "captured_at",
        "title",
        "url",
        "words",
        "words_added",
        "words_removed",
        "text_sha256",
    }
    diff = json.loads(demo("diff", "putin", "--json").output)
    assert set(diff) == {"article", "from", "to", "title_changed", "words_added", "words_removed", "ops"}
    assert {op["op"] for op in diff["ops"]} == {"equal", "insert", "delete"}
    old_text = "".join(op["text"] for op in diff["ops"] if op["op"] != "insert")
    assert old_text == json.loads(demo("show", "putin@1", "--json").output)["text"]
    log = json.loads(demo("log", "--json").output)
    assert set(log["snapshots"][0]) == {"commit", "article", "version", "captured_at", "title", "url"}


@pytest.mark.parametrize(
    ("arguments", "message", "code"),
    [
        (["snapshot", "/no/such/file.html"], "no such file", 4),
        (["snapshot", "{tmp}"], "is a directory", 4),
        (["snapshot", "{binary}"], "binary data", 5),
        (["snapshot", "{empty}"], "empty", 5),
        (["snapshot", "{menu}"], "no article text", 5),
        (["snapshot", "{seed}", "--at", "last tuesday"], "not a date or time", 2),
        (["snapshot", "{seed}", "--id", "../escape"], "not a safe article id", 2),
        (["snapshot", "{seed}", "--id", "/etc/passwd"], "not a safe article id", 2),
        (["snapshot", "{seed}", "--url", "ftp://example.org/x"], "http(s) URL", 2),
        (["snapshot", "{web}/missing"], "HTTP 404", 4),
        (["snapshot", "{web}/broken"], "HTTP 500", 4),
        (["snapshot", "{web}/image"], "not a web page or text", 4),
        (["snapshot", "{web}/slow", "--timeout", "0.3"], "timed out", 4),
        (["snapshot", "http://127.0.0.1:9/refused"], "cannot connect", 4),
        (["show", "nobody"], "no article matches", 9),
        (["show", "putin@9"], "versions 1 to 2", 9),
        (["diff", "putin", "1", "nonsense"], "not a version of putin", 9),
        (["history", "zzz"], "no article matches", 9),
    ],
)
def test_bad_input_gives_one_line_and_leaves_the_store_unchanged(
    demo, store_path: Path, tmp_path: Path, web: WebServer, arguments: list[str], message: str, code: int
) -> None:
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "menu.html").write_text(
        "<html><body><nav><a href='/'>Home</a> <a href='/a'>About</a></nav></body></html>"
    )
    web.page("/broken", b"oops", status=500)
    web.page("/image", b"GIF89a", headers={"Content-Type": "image/gif"})
    web.page("/slow", article_html(), delay=2)
    values = {
        "tmp": str(tmp_path),
        "binary": str(tmp_path / "binary.bin"),
        "empty": str(tmp_path / "empty.txt"),
        "menu": str(tmp_path / "menu.html"),
        "seed": str(SEED),
        "web": web.base,
    }
    before = store_state(store_path)
    result = demo(*[argument.format(**values) for argument in arguments])
    assert result.exit_code == code
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert store_state(store_path) == before


def test_commands_on_a_path_that_is_not_a_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--store", str(tmp_path), "list"])
    assert result.exit_code == 6
    assert result.stderr == f"Error: {tmp_path} is not an archive store (create one with `archive init`)\n"
    assert list(tmp_path.iterdir()) == []


def test_python_dash_m_archive_works(store_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "archive", "--store", str(store_path), "list"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "The archive is empty" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["log", "-n", "-1"], ["nosuch"], ["export", "--format", "zip", "out"], ["show"], ["--store"]],
    ids=["bad option value", "unknown command", "bad choice", "missing argument", "option without value"],
)
def test_usage_errors_are_one_line_naming_the_help(args: list[str], store_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "archive", *args], capture_output=True, text=True, cwd=store_path, check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("Error: ") and line.endswith("--help')")
