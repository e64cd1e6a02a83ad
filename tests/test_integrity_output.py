"""Issue 10, output side: terminal output escapes control characters whatever the store holds, tables fit the
terminal, the viewer answers only loopback Host names, exports refuse to overwrite, counts have one meaning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.capture.extract import Extracted
from archive.capture.fetch import Capture
from archive.cli import cli
from archive.ingest.snapshot import add_version, new_version
from archive.store.repository import Store

ESC_TITLE = "Evil\x1b]0;pwned\x07 title\x1b[31m red\rover"
ESC_LINK = "\x1b]8;;https://evil.example/\x1b\\click here\x1b]8;;\x1b\\"
RAW_CONTROLS = ("\x1b", "\x07", "\r", "\x9b", "\x00")


def cli_run(store_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--store", str(store_path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def hostile_version(store: Store, text: str, at: datetime) -> None:
    """A version whose text and metadata hold raw control characters, written below capture's normalization:
    what an old store, another tool or a forged commit may hold."""
    extracted = Extracted(
        text=text,
        title=ESC_TITLE,
        authors=("Jane\x1b[2J Doe", "Line\nForged: yes"),
        published="2024-03-01",
        canonical_url=None,
        site_name=f"Site{ESC_LINK}",
        image_credit=None,
        extractor="archive-text",
        extractor_version="0.1.0",
    )
    capture = Capture(raw=text.encode("utf-8"), source="file", media_type="text/plain")
    with store.writing() as writer:
        add_version(writer, new_version("evil", capture, extracted, at))


@pytest.fixture
def hostile_store(store_path: Path) -> Path:
    with Store.open(store_path) as store:
        hostile_version(
            store,
            f"The army sent 100,000 troops {ESC_LINK} to the border.\nOfficials\x1b]0;t\x07 said so.\n",
            datetime(2024, 3, 1, 8, tzinfo=UTC),
        )
        hostile_version(
            store,
            f"The army sent 90,000 troops {ESC_LINK} to the border.\nOfficials\x1b]0;t\x07 denied\x9b it.\n",
            datetime(2024, 3, 2, 8, tzinfo=UTC),
        )
    return store_path


COMMANDS = [
    ["list"],
    ["log"],
    ["history", "evil"],
    ["show", "evil"],
    ["show", "evil@1"],
    ["diff", "evil"],
    ["diff", "evil", "--full"],
    ["diff", "evil", "--by", "sentence"],
    ["claims", "evil"],
    ["timeline", "evil"],
    ["coverage", "troops"],
    ["coverage", "x\x1b]0;y\x07"],
    ["audit"],
    ["verify"],
    ["reproduce"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: "-".join(a.replace("\x1b", "ESC") for a in args))
@pytest.mark.parametrize("color", [False, True], ids=["pipe", "colour"])
def test_terminal_output_never_carries_a_raw_control_character(
    hostile_store: Path, args: list[str], color: bool
) -> None:
    result = CliRunner().invoke(cli, ["--store", str(hostile_store), *args], color=color)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    output = result.stdout + result.stderr
    assert output.strip()
    for character in RAW_CONTROLS:
        if character == "\x1b" and color:  # only the colours this program writes: ESC [ digits m
            import re

            assert not re.search(r"\x1b(?!\[[0-9;]*m)", output), repr(output)
            assert "\x1b[31m red" not in output and "\x1b[2J" not in output
        else:
            assert character not in output, (character, output)
    if args[0] in ("list", "log", "history", "show", "timeline", "audit"):
        assert "\\x1b]0;pwned\\x07" in output  # shown, visibly escaped


def test_show_metadata_cannot_forge_lines(hostile_store: Path) -> None:
    result = CliRunner().invoke(cli, ["--store", str(hostile_store), "show", "evil"])
    lines = result.stdout.splitlines()
    assert not any(line.startswith("Forged:") for line in lines)
    assert "authors: Jane\\x1b[2J Doe, Line\\x0aForged: yes" in lines


def test_json_output_keeps_the_stored_values(hostile_store: Path) -> None:
    import json

    result = CliRunner().invoke(cli, ["--store", str(hostile_store), "show", "evil", "--json"])
    assert json.loads(result.stdout)["metadata"]["title"] == ESC_TITLE  # JSON escapes them itself


def test_error_lines_escape_control_characters(store_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--store", str(store_path), "show", "no\x1b]0;x\x07such"])
    assert result.exit_code != 0
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")


def test_error_naming_a_hostile_path_escapes_it(store_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--store", str(store_path), "snapshot", str(tmp_path / "no\x1b]0;x\x07such.txt")])
    assert result.exit_code != 0
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr, repr(result.stderr)
    assert "no\\x1b]0;x\\x07such.txt" in result.stderr


# --- item 9: the viewer answers only its own loopback names ------------------------------------------


@pytest.fixture
def served(store_path: Path) -> Iterator[tuple[str, int]]:
    from conftest import SEED
    from conftest import served as viewer_over

    from archive.ingest.snapshot import snapshot
    from archive.model import parse_time

    with Store.open(store_path) as store:
        snapshot(store, str(SEED), article_id="putin", at=parse_time("2021-12-17T12:00:00Z"))
    with viewer_over(store_path) as server:
        yield "127.0.0.1", int(server.server_address[1])


def request(address: tuple[str, int], path: str, host: str | None, method: str = "GET") -> tuple[int, bytes, dict]:
    """One real HTTP request to the viewer with the Host header a browser (or an attacker's page) sends."""
    import http.client

    connection = http.client.HTTPConnection(*address, timeout=5)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "attacker.test:80", "127.0.0.1.evil.example", "localhost.evil.example",
     "sub.localhost", "10.0.0.1:{port}", "[::2]:{port}", "", "127.0.0.1:{port}@evil.example"],
)  # fmt: skip
@pytest.mark.parametrize("path", ["/", "/api/", "/api/articles/putin", "/audit", "/no-such-page"])
def test_viewer_refuses_a_forged_host(served: tuple[str, int], host: str, path: str) -> None:
    status, body, headers = request(served, path, host.format(port=served[1]))
    assert status in (421, 400)
    assert b"putin" not in body.lower() and b"Putin" not in body
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "127.0.0.1", "localhost:{port}", "localhost", "LOCALHOST:{port}",
                                  "[::1]:{port}", "[::1]", None])  # fmt: skip
def test_viewer_answers_loopback_names(served: tuple[str, int], host: str | None) -> None:
    status, body, _ = request(served, "/api/", host.format(port=served[1]) if host else None)
    assert status == 200, body
    assert b"putin" in body


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [("/", "GET", 200), ("/no-such-page", "GET", 404), ("/api/articles/nobody", "GET", 404), ("/", "POST", 405)],
)
def test_every_viewer_answer_forbids_framing(served: tuple[str, int], path: str, method: str, expected: int) -> None:
    status, _, headers = request(served, path, f"127.0.0.1:{served[1]}", method=method)
    assert status == expected
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp


def test_the_servers_own_error_pages_get_the_security_headers_too(served: tuple[str, int]) -> None:
    import socket

    with socket.create_connection(served, timeout=5) as connection:
        headers = b"".join(b"X-%d: y\r\n" % n for n in range(200))  # too many: the server's own error page
        connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n" + headers + b"\r\n")
        answer = connection.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.") and " 431 " in answer.split("\r\n")[0]
    assert "X-Frame-Options: DENY" in answer and "frame-ancestors 'none'" in answer


# --- item 13: exports never overwrite by surprise, nothing is written into the store -----------------


@pytest.fixture
def demo_store(store_path: Path) -> Path:
    from conftest import SEED, SEED_REVISION

    from archive.ingest.snapshot import snapshot
    from archive.model import parse_time

    with Store.open(store_path) as store:
        snapshot(store, str(SEED), article_id="putin", at=parse_time("2021-12-17T12:00:00Z"))
        snapshot(store, str(SEED_REVISION), article_id="putin", at=parse_time("2021-12-18T09:30:00Z"))
    return store_path


@pytest.mark.parametrize(("export_format", "name"), [("jsonl", "out.jsonl"), ("warc", "out.warc.gz"), ("bagit", "bag")])
def test_export_refuses_an_existing_target_and_force_replaces_it(
    demo_store: Path, tmp_path: Path, export_format: str, name: str
) -> None:
    target = tmp_path / name
    if export_format == "bagit":
        target.mkdir()
        (target / "bagit.txt").write_text("BagIt-Version: 1.0\n")
    else:
        target.write_text("an earlier export\n")
    code, _, err = cli_run(demo_store, "export", "--format", export_format, str(target))
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith(f"Error: {target} already exists"), err
    assert "--force" in err
    code, out, err = cli_run(demo_store, "export", "--format", export_format, str(target), "--force")
    assert code == 0, err
    assert out.startswith(f"Wrote {target} ({export_format}): 2 versions")
    if export_format == "bagit":
        assert (target / "bag-info.txt").is_file()
    else:
        assert target.read_bytes() != b"an earlier export\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part") or ".old" in p.name]


def test_force_does_not_replace_a_folder_that_is_not_a_bag(demo_store: Path, tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.txt").write_text("years of work\n")
    code, _, err = cli_run(demo_store, "export", "--format", "bagit", str(folder), "--force")
    assert code == 2 and err.startswith("Error: ") and "not a BagIt bag" in err, err
    assert (folder / "thesis.txt").read_text() == "years of work\n"


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--format", "jsonl", "{store}/out.jsonl"],
        ["export", "--format", "warc", "{store}/articles/out.warc"],
        ["export", "--format", "bagit", "{store}/bag"],
        ["export", "--format", "jsonl", "{store}/.git/out.jsonl"],
        ["diff", "putin", "--html", "{store}/diff.html"],
        ["audit", "--html", "{store}/audit.html"],
    ],
)
def test_nothing_is_written_into_the_stores_own_folder(demo_store: Path, args: list[str]) -> None:
    from conftest import store_state

    before = store_state(demo_store)
    code, _, err = cli_run(demo_store, *[arg.format(store=demo_store) for arg in args])
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("Error: ") and "inside the store" in err, err
    assert store_state(demo_store) == before
    assert cli_run(demo_store, "verify")[0] == 0


# --- item 15: tables fit the terminal, pipes and --json keep everything ----------------------------

LONG_TITLE = "A headline that goes on and on " * 8 + "and ends here"


def run_in_terminal(args: list[str], columns: int, tty: bool = True) -> str:
    """The CLI in a subprocess whose stdout is a pseudo-terminal (or a pipe), COLUMNS set as a shell sets it."""
    import os
    import pty
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": str(columns)}
    command = [sys.executable, "-m", "archive", *args]
    if not tty:
        return subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    leader, follower = pty.openpty()
    with subprocess.Popen(command, stdout=follower, stderr=subprocess.PIPE, env=env) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0
    os.close(leader)
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.fixture
def long_titled(store_path: Path, tmp_path: Path) -> Path:
    page = tmp_path / "long.txt"
    page.write_text("Title\n\nA body paragraph with five words or more in it.\n", encoding="utf-8")
    at = ["--at", "2024-03-01T08:00:00Z"]
    code, _, err = cli_run(store_path, "snapshot", str(page), "--id", "long", "--title", LONG_TITLE, *at)
    assert code == 0, err
    return store_path


@pytest.mark.parametrize(
    ("command", "columns"), [(["list"], 80), (["log"], 80), (["history", "long"], 80), (["timeline", "long"], 120)]
)
def test_tables_fit_the_terminal_by_shortening_titles(long_titled: Path, command: list[str], columns: int) -> None:
    out = run_in_terminal(["--store", str(long_titled), *command], columns=columns)
    lines = [line for line in out.splitlines() if line]
    assert all(len(line) <= columns for line in lines), [len(line) for line in lines]
    assert any(line.endswith("…") and "A headline that" in line for line in lines), out


@pytest.mark.parametrize("command", [["list"], ["history", "long"]])
def test_piped_tables_and_json_keep_whole_titles(long_titled: Path, command: list[str]) -> None:
    assert LONG_TITLE in run_in_terminal(["--store", str(long_titled), *command], columns=70, tty=False)
    assert LONG_TITLE in run_in_terminal(["--store", str(long_titled), *command, "--json"], columns=70)


# --- item 11: one meaning of "words added/removed" -------------------------------------------------

MOVED_BEFORE = (
    "Council votes on budget\n\n"
    "The council met on Monday to debate the budget for next year.\n"
    "Members argued for three hours about the cost of the new bridge.\n"
    "The mayor said the city could not afford to wait any longer for repairs.\n"
)
MOVED_AFTER = (
    "Council votes on budget\n\n"
    "The mayor said the city could not afford to wait any longer for repairs.\n"
    "The council met on Monday to debate the budget for next year.\n"
    "Members argued for four hours about the cost of the new bridge.\n"
)


def test_timeline_and_history_give_the_same_words_added_and_removed(store_path: Path, tmp_path: Path) -> None:
    import json

    for text, day in ((MOVED_BEFORE, 1), (MOVED_AFTER, 2)):
        page = tmp_path / f"v{day}.txt"
        page.write_text(text, encoding="utf-8")
        code, _, err = cli_run(
            store_path, "snapshot", str(page), "--id", "council", "--at", f"2024-03-0{day}T08:00:00Z"
        )
        assert code == 0, err
    history = json.loads(cli_run(store_path, "history", "council", "--json")[1])["versions"][1]
    timeline = json.loads(cli_run(store_path, "timeline", "council", "--json")[1])["versions"][1]
    stored = (history["words_added"], history["words_removed"])
    assert (timeline["words_added"], timeline["words_removed"]) == stored
    # the sentence-level figure leaves the moved sentence out: a different measure, under its own name
    in_changed_sentences = (timeline["coverage"]["words"]["added"], timeline["coverage"]["words"]["removed"])
    assert in_changed_sentences != stored
    rows = {line.split()[0]: line for line in cli_run(store_path, "timeline", "council")[1].splitlines()[2:]}
    assert f"+{stored[0]}/-{stored[1]}" in rows["2"], rows["2"]
    history_rows = cli_run(store_path, "history", "council")[1].splitlines()
    assert f"+{stored[0]}" in history_rows[-1] and f"-{stored[1]}" in history_rows[-1]
