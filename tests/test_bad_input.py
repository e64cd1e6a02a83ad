"""Bad input, as a hostile or careless user gives it, to every command (issue 10, "Tests").

The README promises: bad input gives one line on stderr (``Error: …``), a
non-zero exit, and leaves the store untouched. One table states the promise
for each input; one test checks it the way a user meets it, by running the
installed ``archive`` command in a subprocess (so a traceback cannot hide
behind an in-process runner), on a fresh copy of a small store, and then
checks that every byte of the store is as it was and that ``verify`` still
says OK.

What "every byte" means: every file under the store, ``.git`` included,
hashed by its bytes, with one exception. ``.git/archive/index.sqlite3``, the
lookup cache, is compared by its content (every row of every table), not its
bytes: opening it stamps its schema row again, which bumps SQLite's file
change counter on every read command (a read may legitimately rebuild a
cache; it must not change what the cache says about the history).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SEED, SEED_REVISION, TimeStampAuthority, article_html, make_ca

from archive.cli import cli
from archive.ingest.snapshot import snapshot
from archive.store.repository import Store

ARCHIVE = str(ROOT / ".venv" / "bin" / "archive")
MIB = 1024 * 1024
LOOKUP_CACHE = ".git/archive/index.sqlite3"


# --- a web server that misbehaves on purpose ---------------------------------------------------


class HostileServer:
    """A real HTTP server on 127.0.0.1: good pages, errors, cut-off bodies, a redirect loop, a broken feed."""

    def __init__(self) -> None:
        page = article_html().encode("utf-8")
        feed = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Example</title>'
            "<item><title>Troops massed at the border</title><link>http://{host}/article.html</link>"
            "</item><item><title>Talks in Gen"
        )

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer()

            def _answer(self) -> None:
                path = self.path.split("?")[0]
                if path in ("/article.html", "/not-a-feed"):
                    self._send(200, page)
                elif path == "/500":
                    self._send(500, b"<html><body>Internal Server Error</body></html>")
                elif path == "/loop":
                    self.send_response(302)
                    self.send_header("Location", "/loop")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path == "/truncated.html":  # promises the whole page, sends its first half
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page[: len(page) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                elif path == "/huge.html":  # declares a body over the 20 MiB cap
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(30 * MIB))
                    self.end_headers()
                    self.wfile.write(page)
                    self.close_connection = True
                elif path == "/feed-truncated.xml":
                    body = feed.format(host=self.headers["Host"]).encode("utf-8")  # cut off mid-entry
                    self._send(200, body, "application/rss+xml")
                else:
                    self._send(404, b"<html><body>Not Found</body></html>")

            def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the store, its state, and inputs shared by the cases --------------------------------------


def lookup_rows(path: Path) -> str:
    """The lookup cache's content: every row of every table, sorted (see the module docstring)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {table: sorted(map(repr, connection.execute(f'SELECT * FROM "{table}"'))) for table in sorted(tables)}
    finally:
        connection.close()
    return hashlib.sha256(repr(rows).encode("utf-8")).hexdigest()


def every_byte(path: Path) -> dict[str, str]:
    """Every file, directory and link under ``path`` (``.git`` included) with a hash of its bytes."""
    state: dict[str, str] = {}
    if path.is_file():
        return {".": hashlib.sha256(path.read_bytes()).hexdigest()}
    for item in sorted(path.rglob("*")):
        relative = item.relative_to(path).as_posix()
        if item.is_symlink():
            state[relative] = "link:" + str(item.readlink())
        elif item.is_dir():
            state[relative] = "dir"
        elif relative == LOOKUP_CACHE or relative.endswith("/" + LOOKUP_CACHE):
            state[relative] = "rows:" + lookup_rows(item)
        else:
            state[relative] = hashlib.sha256(item.read_bytes()).hexdigest()
    return state


def write_warc_response(url: str, html: bytes, date: str) -> bytes:
    """One gzipped WARC/1.1 response record, written by hand (the format is simple)."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(html)
    block = http + html
    headers = (
        "WARC/1.1\r\n"
        "WARC-Type: response\r\n"
        f"WARC-Target-URI: {url}\r\n"
        f"WARC-Date: {date}\r\n"
        "WARC-Record-ID: <urn:uuid:12345678-1234-5678-1234-567812345678>\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    ).encode()
    return gzip.compress(headers + block + b"\r\n\r\n", mtime=0)


@dataclass
class Inputs:
    """Everything the cases read but never write: the store to copy, source files, the web server."""

    store: Path
    files: Path
    web: str
    crowded: Callable[[], tuple[Path, str]]


def build_store(path: Path) -> None:
    """Two articles whose ids share a prefix; one of them with two versions."""
    Store.init(path).close()
    with Store.open(path) as store:
        snapshot(store, str(SEED), article_id="putin-post-trump", at=datetime(2021, 12, 17, 12, tzinfo=UTC))
        snapshot(store, str(SEED_REVISION), article_id="putin-post-trump", at=datetime(2021, 12, 18, 9, 30, tzinfo=UTC))
        page = path.parent / "troops.html"
        page.write_text(article_html(), encoding="utf-8")
        snapshot(
            store,
            str(page),
            article_id="putin-troops",
            url="https://news.example.org/world/troops-border",
            at=datetime(2024, 3, 2, 8, tzinfo=UTC),
        )
        store.refresh_index()


def build_crowded(path: Path) -> str:
    """A store whose one article has two versions with the same 4-digit commit prefix; returns the prefix.

    Commit ids are deterministic, so this takes the same number of versions on every run.
    """
    Store.init(path).close()
    seen: set[str] = set()
    text = path.parent / "crowded.txt"
    with Store.open(path) as store:
        for number in range(3000):
            text.write_text(f"Crowded\n\nParagraph {number} of a story that keeps changing.\n", encoding="utf-8")
            at = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=number)
            prefix = snapshot(store, str(text), article_id="crowded", at=at).version.commit[:4]
            if prefix in seen:
                store.refresh_index()
                return prefix
            seen.add(prefix)
    raise AssertionError("no shared commit prefix in 3000 versions")


def make_files(files: Path, web: str) -> None:
    """The source files the cases feed to snapshot and import."""
    files.mkdir()
    (files / "empty.txt").write_bytes(b"")
    (files / "a-directory").mkdir()
    (files / "binary.bin").write_bytes(bytes(range(256)) * 64)
    with (files / "huge.txt").open("wb") as huge:  # 30 MiB of plausible text, over the 20 MiB cap
        line = b"The army sent troops to the northern border on Saturday, officials said.\n"
        huge.write(line * (30 * MIB // len(line) + 1))
    story = SEED.read_bytes()
    (files / "invalid-utf8.txt").write_bytes(story[:400] + b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1" + story[400:])
    (files / "utf16-no-bom.txt").write_bytes(SEED.read_text(encoding="utf-8").encode("utf-16-le"))
    (files / "nul-bytes.txt").write_bytes(story[:300] + b"\x00" * 16 + story[300:])
    warc = write_warc_response(f"{web}/article.html", article_html().encode("utf-8"), "2024-03-01T08:00:00Z")
    (files / "truncated.warc.gz").write_bytes(warc[: len(warc) * 2 // 3])
    for name, sidecar in (
        ("bad-date", "story.txt:\n  captured_at: 2021-02-30T12:00:00Z\n"),
        ("unknown-key", "story.txt:\n  colour: red\n"),
        ("date-1965", "story.txt:\n  id: old-story\n  captured_at: 1965-06-01T12:00:00Z\n"),
        ("url-two-lines", 'story.txt:\n  url: "https://example.org/story\\nX-Forged: yes"\n'),
        ("good", "story.txt:\n  id: imported-story\n  captured_at: 2022-06-01T12:00:00Z\n"),
    ):
        folder = files / f"captures-{name}"
        folder.mkdir()
        shutil.copyfile(SEED, folder / "story.txt")
        (folder / "captures.yaml").write_text(sidecar, encoding="utf-8")
    (files / "empty-folder").mkdir()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inputs]:
    """Built once per module: the store and inputs every case copies or reads."""
    base = tmp_path_factory.mktemp("bad-input")
    server = HostileServer()
    build_store(base / "store")
    make_files(base / "files", server.base)
    crowded: list[tuple[Path, str]] = []

    def crowded_store() -> tuple[Path, str]:
        if not crowded:
            crowded.append((base / "crowded", build_crowded(base / "crowded")))
        return crowded[0]

    yield Inputs(store=base / "store", files=base / "files", web=server.base, crowded=crowded_store)
    server.close()


# --- the cases ----------------------------------------------------------------------------------


@dataclass
class Env:
    """One case's world: its own copy of the store, a scratch folder, and names for the arguments."""

    store: Path
    tmp: Path
    inputs: Inputs
    cleanup: contextlib.ExitStack
    target: Path | None = None  # what --store points at, when it is not the store copy
    values: dict[str, str] = field(default_factory=dict)


Prepare = Callable[[Env], None]


@dataclass(frozen=True)
class Case:
    """A bad input: the arguments after ``archive --store STORE`` ({names} filled from Env.values)."""

    id: str
    args: tuple[str, ...]
    prepare: Prepare | None = None
    stdin: bytes = b""
    # Exceptions to "exactly one line, starting with Error: ", each with its reason.
    first_line: str = "Error: "
    reason: str = ""
    # Local, never-committed state that this command may legitimately write even when it fails.
    may_write: tuple[str, ...] = ()


def target_file(env: Env) -> None:
    env.target = env.tmp / "plain-file"
    env.target.write_text("my shopping list\n", encoding="utf-8")


def target_missing(env: Env) -> None:
    env.target = env.tmp / "no-such-store"


def target_git_repo(env: Env) -> None:
    """A git repository of someone's own work: not a store."""
    env.target = env.tmp / "project"
    env.target.mkdir()
    (env.target / "notes.txt").write_text("my notes\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main", str(env.target)], check=True)
    subprocess.run(["git", "-C", str(env.target), "add", "notes.txt"], check=True)
    subprocess.run(
        ["git", "-C", str(env.target), "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "notes"],
        check=True,
    )


def rules_file(text: str) -> Prepare:
    """Write a rules file for ``archive rules`` to read, as {tmp}/rules.yaml."""

    def prepare(env: Env) -> None:
        (env.tmp / "rules.yaml").write_text(text, encoding="utf-8")

    return prepare


def unreachable_notifier(env: Env) -> None:
    """A notification target on a port nothing listens on (``.git/archive/notify.yaml``)."""
    CliRunner().invoke(cli, ["--store", str(env.store), "notify", "add", f"json://127.0.0.1:{closed_port()}/hook"])


def target_user_folder(env: Env) -> None:
    """A folder of the user's own files, not empty, not a repository."""
    env.target = env.tmp / "documents"
    env.target.mkdir()
    (env.target / "thesis.md").write_text("# My thesis\n", encoding="utf-8")


def target_newer_format(env: Env) -> None:
    """A copy of the store whose committed archive.yaml says format 2."""
    env.target = env.tmp / "newer"
    shutil.copytree(env.inputs.store, env.target, symlinks=True)
    marker = env.target / "archive.yaml"
    marker.write_text(marker.read_text(encoding="utf-8").replace("format: 1", "format: 2"), encoding="utf-8")
    assert "format: 2" in marker.read_text(encoding="utf-8")
    git = ["git", "-C", str(env.target), "-c", "user.name=u", "-c", "user.email=u@x"]
    subprocess.run([*git, "commit", "-qam", "format 2"], check=True)


def read_only(env: Env) -> None:
    """The store on a read-only filesystem: a read-only bind mount over its copy (we run as root)."""
    path = str(env.store)
    mounted = subprocess.run(["mount", "--bind", path, path], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {mounted.stderr.strip()}")
    env.cleanup.callback(subprocess.run, ["umount", path], check=True)
    subprocess.run(["mount", "-o", "remount,ro,bind", path], check=True)


def port_in_use(env: Env) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    env.cleanup.callback(listener.close)
    env.values["busy_port"] = str(listener.getsockname()[1])


def existing(name: str, directory: bool = False) -> Prepare:
    """An export target that already holds the user's data."""

    def prepare(env: Env) -> None:
        path = env.tmp / name
        if directory:
            path.mkdir()
            (path / "keep.txt").write_text("keep me\n", encoding="utf-8")
        else:
            path.write_text("keep me\n", encoding="utf-8")

    return prepare


def crowded(env: Env) -> None:
    source, prefix = env.inputs.crowded()
    env.target = env.tmp / "crowded"
    shutil.copytree(source, env.target, symlinks=True)
    env.values["prefix"] = prefix


def beside_git_repo(env: Env) -> None:
    """A git repository of someone's own work in the scratch folder, to pull from."""
    target_git_repo(env)
    env.target = None


def clone_ahead(env: Env) -> None:
    """A copy of the store with one more version, to pull from."""
    clone = env.tmp / "clone"
    shutil.copytree(env.inputs.store, clone, symlinks=True)
    with Store.open(clone) as store:
        snapshot(store, str(SEED), article_id="putin-troops", at=datetime(2024, 3, 3, 8, tzinfo=UTC))
    env.values["clone"] = str(clone)


def make_key(env: Env, name: str, passphrase: str = "") -> Path:
    key = env.tmp / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", str(key)], check=True)
    return key


def protected_key(env: Env) -> None:
    """An SSH key that needs a passphrase (and is in no agent): nothing can prompt for it."""
    make_key(env, "protected", passphrase="correct horse")


def malformed_signers(env: Env) -> None:
    key = make_key(env, "collector")
    public = key.with_suffix(".pub").read_text(encoding="utf-8").split()
    (env.tmp / "allowed").write_text(f"archive@localhost {public[0]} not-base64!!\n", encoding="utf-8")


def signing_key_gone(env: Env) -> None:
    """The store signs with a key that has since been deleted."""
    key = make_key(env, "collector")
    subprocess.run([ARCHIVE, "--store", str(env.store), "sign", "--key", str(key)], check=True, capture_output=True)
    key.unlink()


def running_tsa(env: Env, lying: bool = False) -> None:
    """A real TSA on 127.0.0.1, its files outside the folder whose every byte is compared."""
    folder = Path(tempfile.mkdtemp(prefix="archive-tsa-"))
    env.cleanup.callback(shutil.rmtree, folder, True)
    authority = TimeStampAuthority(folder)
    env.cleanup.callback(authority.close)
    authority.lying = lying
    other, _ = make_ca(folder / "other", "Other CA")
    env.values.update(tsa=authority.url, tsa_ca=str(authority.ca), other_ca=str(other))


def lying_tsa(env: Env) -> None:
    running_tsa(env, lying=True)


def both(*steps: Prepare) -> Prepare:
    def prepare(env: Env) -> None:
        for step in steps:
            step(env)

    return prepare


WATCH_STATE = ("store/.git/archive/watch.json", "store/.git/archive/watch.lock")
SNAP = ("snapshot", "{seed}")
PUTIN = "putin-post-trump"
CASES: list[Case] = [
    # ids
    Case("snapshot --id empty", (*SNAP, "--id", "")),
    Case("snapshot --id ..", (*SNAP, "--id", "..")),
    Case("snapshot --id ../../etc", (*SNAP, "--id", "../../etc")),
    Case("snapshot --id with slash", (*SNAP, "--id", "a/b")),
    Case("snapshot --id absolute path", (*SNAP, "--id", "/tmp/evil")),
    Case("snapshot --id 300 chars", (*SNAP, "--id", "a" * 300)),
    Case("snapshot --id control char", (*SNAP, "--id", "ab\x07cd")),
    Case("snapshot --id newline", (*SNAP, "--id", "ab\ncd")),
    Case("snapshot --id ESC sequence", (*SNAP, "--id", "\x1b]0;owned\x07")),
    Case("snapshot --id fullwidth", (*SNAP, "--id", "ａｂｃ")),
    Case("snapshot --id RTL override", (*SNAP, "--id", "abc\u202edcba")),
    Case("snapshot --id uppercase", (*SNAP, "--id", "Putin")),
    Case("show id empty", ("show", "")),
    Case("show id ../..", ("show", "../..")),
    Case("history id 300 chars", ("history", "a" * 300)),
    Case("history id unknown", ("history", "no-such-article")),
    Case("history ambiguous prefix", ("history", "putin")),
    Case("timeline id control chars", ("timeline", "\x1b[31mred")),
    Case("claims id unknown", ("claims", "no-such-article")),
    Case("diff id slash", ("diff", "../../etc/passwd")),
    Case("reproduce id unknown", ("reproduce", "no-such-article")),
    Case("coverage empty term", ("coverage", "")),
    Case("coverage on a file", ("coverage", "troops"), target_file),
    # times
    Case("snapshot --at 1969", (*SNAP, "--id", PUTIN, "--at", "1969-12-31T23:59:59Z")),
    Case("snapshot --at year 1", (*SNAP, "--id", "ancient", "--at", "0001-01-01T00:00:00Z")),
    Case("snapshot --at 9999-12-31", (*SNAP, "--id", "future", "--at", "9999-12-31T23:59:59Z")),
    Case("snapshot --at next year", (*SNAP, "--id", "future", "--at", f"{datetime.now(UTC).year + 1}-06-01")),
    Case("snapshot --at malformed", (*SNAP, "--id", PUTIN, "--at", "yesterday")),
    Case("snapshot --at Feb 30", (*SNAP, "--id", PUTIN, "--at", "2022-02-30")),
    Case("snapshot --at zone +25:00", (*SNAP, "--id", PUTIN, "--at", "2022-01-01T12:00:00+25:00")),
    Case("snapshot --at zone name", (*SNAP, "--id", PUTIN, "--at", "2022-01-01T12:00:00 PST")),
    Case("snapshot --at empty", (*SNAP, "--id", "empty-time", "--at", "")),
    Case("show @Feb 30", ("show", f"{PUTIN}@2021-02-30")),
    Case("show @before first capture", ("show", f"{PUTIN}@2000-01-01")),
    Case("diff at 1969", ("diff", PUTIN, "1969-12-31", "latest")),
    Case("show @zone nonsense", ("show", f"{PUTIN}@2021-12-18T00:00:00+99:00")),
    # versions
    Case("show @0", ("show", f"{PUTIN}@0")),
    Case("show @-1", ("show", f"{PUTIN}@-1")),
    Case("show @99", ("show", f"{PUTIN}@99")),
    Case("show @latest~99", ("show", f"{PUTIN}@latest~99")),
    Case("show @latest~-1", ("show", f"{PUTIN}@latest~-1")),
    Case("show @bad date", ("show", f"{PUTIN}@2021-13-45")),
    Case("show @unknown commit", ("show", f"{PUTIN}@deadbeef")),
    Case("show @ambiguous commit prefix", ("show", "crowded@{prefix}"), crowded),
    Case("diff 0 1", ("diff", PUTIN, "0", "1")),
    Case("diff 1 99", ("diff", PUTIN, "1", "99")),
    Case("claims latest~99", ("claims", PUTIN, "latest~99")),
    Case("timeline of a version", ("timeline", f"{PUTIN}@99")),
    # sources
    Case("snapshot missing file", ("snapshot", "{files}/no-such-file.html")),
    Case("snapshot directory", ("snapshot", "{files}/a-directory")),
    Case("snapshot empty file", ("snapshot", "{files}/empty.txt", "--id", "empty")),
    Case("snapshot binary file", ("snapshot", "{files}/binary.bin", "--id", "binary")),
    Case("snapshot 30 MiB file", ("snapshot", "{files}/huge.txt", "--id", "huge")),
    Case("snapshot stdin empty", ("snapshot", "-", "--id", "empty")),
    Case("snapshot stdin binary", ("snapshot", "-", "--id", "binary"), stdin=bytes(range(256)) * 16),
    Case("snapshot file:// URL", ("snapshot", "file:///etc/passwd")),
    Case("snapshot ftp:// URL", ("snapshot", "ftp://example.org/story.html")),
    Case("snapshot javascript:", ("snapshot", "javascript:alert(1)")),
    Case("snapshot data: URL", ("snapshot", "data:text/html,<p>hello</p>")),
    Case("snapshot closed port", ("snapshot", "http://127.0.0.1:{closed_port}/story.html", "--timeout", "5")),
    Case("snapshot HTTP 404", ("snapshot", "{web}/missing.html")),
    Case("snapshot HTTP 500", ("snapshot", "{web}/500")),
    Case("snapshot truncated body", ("snapshot", "{web}/truncated.html")),
    Case("snapshot declared 30 MiB", ("snapshot", "{web}/huge.html")),
    Case("snapshot redirect loop", ("snapshot", "{web}/loop")),
    # encodings (text that is not UTF-8 and declares no charset is not refused: it is decoded by detection,
    # the charset recorded and a warning given, issue 10 item 14, docs/store-format.md "Charsets"; so the
    # invalid-UTF-8 file and standard input cases are no longer bad input)
    Case("snapshot UTF-16 without BOM", ("snapshot", "{files}/utf16-no-bom.txt", "--id", "utf16")),
    Case("snapshot NUL bytes", ("snapshot", "{files}/nul-bytes.txt", "--id", "nul")),
    # metadata
    Case("snapshot --title newline", (*SNAP, "--id", "t", "--title", "Real title\nForged: line")),
    Case("snapshot --title CR", (*SNAP, "--id", "t", "--title", "Real title\rForged")),
    Case("snapshot --title ESC", (*SNAP, "--id", "t", "--title", "\x1b]0;owned\x07Title")),
    Case("snapshot --author newline", (*SNAP, "--id", "t", "--author", "Jane Doe\ncaptured: 1999")),
    Case("snapshot --author ESC", (*SNAP, "--id", "t", "--author", "\x1b[2J\x1b[HJane")),
    Case("snapshot --published malformed", (*SNAP, "--id", "t", "--published", "last week")),
    Case("snapshot --published Feb 30", (*SNAP, "--id", "t", "--published", "2021-02-30")),
    Case("snapshot --url ftp", (*SNAP, "--id", "t", "--url", "ftp://example.org/story")),
    Case("snapshot --url javascript", (*SNAP, "--id", "t", "--url", "javascript:alert(1)")),
    Case("snapshot --url relative", (*SNAP, "--id", "t", "--url", "/news/story.html")),
    # stores
    Case("list on a file", ("list",), target_file),
    Case("show with two stores", ("--store", "{clone}", "show", "putin"), clone_ahead),
    Case("list of the store twice (one name)", ("--store", "{store}", "list")),
    Case("list of a store and a missing one", ("--store", "{store}/missing", "list")),
    Case("snapshot into a file", (*SNAP, "--id", "x"), target_file),
    Case("init on a file", ("init",), target_file),
    Case("list on a missing store", ("list",), target_missing),
    Case("snapshot into a missing store", (*SNAP, "--id", "x"), target_missing),
    Case("list on a non-store git repo", ("list",), target_git_repo),
    Case("snapshot into a non-store git repo", (*SNAP, "--id", "x"), target_git_repo),
    Case("verify a non-store git repo", ("verify",), target_git_repo),
    Case("maintenance of a non-store git repo", ("maintenance",), target_git_repo),
    Case("init in a non-empty folder", ("init",), target_user_folder),
    Case("init --bare in a non-empty folder", ("init", "--bare"), target_user_folder),
    Case("init in a non-store git repo", ("init",), target_git_repo),
    Case("list on a newer format", ("list",), target_newer_format),
    Case("snapshot into a newer format", (*SNAP, "--id", "x"), target_newer_format),
    Case("snapshot on a read-only store", (*SNAP, "--id", "x"), read_only),
    Case("import on a read-only store", ("import", "{files}/captures-good"), read_only),
    Case("pull on a read-only store", ("pull", "{clone}"), both(clone_ahead, read_only)),
    # exports, and pages written into the store
    Case("export jsonl over a file", ("export", "--format", "jsonl", "{tmp}/out.jsonl"), existing("out.jsonl")),
    Case("export warc over a file", ("export", "--format", "warc", "{tmp}/out.warc"), existing("out.warc")),
    Case("export bagit into a full folder", ("export", "--format", "bagit", "{tmp}/bag"), existing("bag", True)),
    Case("export jsonl into the store", ("export", "--format", "jsonl", "{store}/export.jsonl")),
    Case("export bagit into the store", ("export", "--format", "bagit", "{store}/bag")),
    Case("diff --html into the store", ("diff", PUTIN, "--html", "{store}/diff.html")),
    Case("audit --html into the store", ("audit", "--html", "{store}/audit.html")),
    Case("export into a missing folder", ("export", "--format", "jsonl", "{tmp}/no/such/dir/out.jsonl")),
    Case("rebuild into the store itself", ("rebuild", "--into", "{store}")),
    Case("rebuild into a full folder", ("rebuild", "--into", "{tmp}/bag"), existing("bag", True)),
    Case("rebuild into a file", ("rebuild", "--into", "{tmp}/out.txt"), existing("out.txt")),
    # imports
    Case(
        "import truncated WARC",
        ("import", "{files}/truncated.warc.gz"),
        first_line="warning: ",
        reason="bulk commands report each damaged input as a warning and go on (docs/ingest.md); exit 1",
    ),
    Case("import captures.yaml bad date", ("import", "{files}/captures-bad-date")),
    Case("import captures.yaml unknown key", ("import", "{files}/captures-unknown-key")),
    Case("import captures.yaml 1965", ("import", "{files}/captures-date-1965")),
    Case("import captures.yaml url with a line break", ("import", "{files}/captures-url-two-lines")),
    Case("import empty folder", ("import", "{files}/empty-folder")),
    Case("import missing path", ("import", "{files}/no-such.warc.gz")),
    # watch
    Case(
        "watch a non-feed URL",
        ("watch", "--once", "--delay", "0", "{web}/not-a-feed"),
        first_line="warning: ",
        reason="bulk commands report each failed feed as a warning and go on (docs/ingest.md); exit 1; "
        "a failed pass records the feed's failure in the watch state to retry it next pass (issue 10, item 3)",
        may_write=WATCH_STATE,
    ),
    Case(
        "watch a truncated feed",
        ("watch", "--once", "--delay", "0", "{web}/feed-truncated.xml"),
        first_line="warning: ",
        reason="bulk commands report each failed feed as a warning and go on (docs/ingest.md); exit 1; "
        "a failed pass records the feed's failure in the watch state to retry it next pass (issue 10, item 3); "
        "the entry read before the cut is the store's putin-troops, unchanged, and every unchanged capture is "
        "journaled in captures.jsonl (docs/store-format.md)",
        may_write=(*WATCH_STATE, "store/.git/archive/captures.jsonl"),
    ),
    Case("watch an ftp feed", ("watch", "--once", "ftp://example.org/rss.xml")),
    # pull, push
    Case("pull no such remote", ("pull", "no-such-remote")),
    Case("push no such remote", ("push", "no-such-remote")),
    Case("pull a missing path", ("pull", "{tmp}/no/such/repo")),
    Case("pull a non-store repo", ("pull", "{tmp}/project"), beside_git_repo),
    # signatures (docs/evidence.md)
    Case("init --sign-with missing key", ("init", "--sign-with", "{tmp}/no-such-key")),
    Case("sign --key missing", ("sign", "--key", "{tmp}/no-such-key")),
    Case("sign --key not a key", ("sign", "--key", "{tmp}/not-a-key"), existing("not-a-key")),
    Case("sign --key with passphrase", ("sign", "--key", "{tmp}/protected"), protected_key),
    Case("sign --allowed-signers malformed", ("sign", "--allowed-signers", "{tmp}/allowed"), malformed_signers),
    Case("sign --allowed-signers missing", ("sign", "--allowed-signers", "{tmp}/no-such-file")),
    Case("snapshot with the signing key gone", (*SNAP, "--id", "signed-late"), signing_key_gone),
    # timestamps (docs/evidence.md)
    Case("timestamp with no TSA set", ("timestamp",)),
    Case(
        "timestamp unreachable TSA",
        ("timestamp", "--tsa", "http://127.0.0.1:{closed_port}/", "--ca-bundle", "{tsa_ca}"),
        running_tsa,
    ),
    Case("timestamp lying TSA", ("timestamp", "--tsa", "{tsa}", "--ca-bundle", "{tsa_ca}"), lying_tsa),
    Case("timestamp CA mismatch", ("timestamp", "--tsa", "{tsa}", "--ca-bundle", "{other_ca}"), running_tsa),
    Case(
        "timestamp CA bundle not PEM",
        ("timestamp", "--tsa", "{tsa}", "--ca-bundle", "{tmp}/ca.pem"),
        both(running_tsa, existing("ca.pem")),
    ),
    Case(
        "timestamp --tsa ftp", ("timestamp", "--tsa", "ftp://example.org/tsa", "--ca-bundle", "{tsa_ca}"), running_tsa
    ),
    # serve
    Case("serve on a busy port", ("serve", "--port", "{busy_port}"), port_in_use),
    Case("serve on a bad host", ("serve", "--port", "0", "--host", "999.1.1.1")),
    Case("serve a store and a missing one", ("serve", "{store}", "{store}/missing", "--port", "0")),
    Case("serve one store twice (one name)", ("serve", "{store}", "{store}", "--port", "0")),
    Case("changes of two stores, unknown store", ("--store", "{store}/missing", "changes")),
    # changes (issue 12): nothing is compared before the selection is known to be good
    Case("changes --kind unknown", ("changes", "--kind", "numbers")),
    Case("changes --kind only commas", ("changes", "--kind", ",,")),
    Case("changes --since malformed", ("changes", "--since", "yesterday")),
    Case("changes --since bad duration", ("changes", "--since", "3y")),
    Case("changes --until Feb 30", ("changes", "--until", "2022-02-30")),
    Case("changes --article unknown", ("changes", "--article", "no-such-article")),
    Case("notify add not an Apprise URL", ("notify", "add", "notaurl://example.org/x")),
    Case("notify add empty URL", ("notify", "add", "")),
    Case("notify add a password in a bad URL", ("notify", "add", "nope://ops:hunter2@example.org")),
    Case("notify add unknown kind", ("notify", "add", "json://127.0.0.1:9/hook", "--kind", "numbr")),
    Case("notify add bad site", ("notify", "add", "json://127.0.0.1:9/hook", "--site", "not a host")),
    Case("notify remove unknown", ("notify", "remove", "0123abcd")),
    Case("notify test without targets", ("notify", "test")),
    Case("notify test unreachable", ("notify", "test"), unreachable_notifier),
    Case("feed --kind unknown", ("feed", "--kind", "quotes", "-o", "{tmp}/changes.atom")),
    Case("feed --since malformed", ("feed", "--since", "last week", "-o", "{tmp}/changes.atom")),
    Case("feed -o inside the store", ("feed", "-o", "{store}/changes.atom")),
    Case("feed -o in a missing folder", ("feed", "-o", "{tmp}/no/such/folder/changes.atom")),
    # noise rules (issue 12, item 4): a bad file is refused before anything is committed
    Case("rules set malformed YAML", ("rules", "set", "{tmp}/rules.yaml"), rules_file("sites: [unclosed\n")),
    Case("rules set unknown key", ("rules", "set", "{tmp}/rules.yaml"), rules_file("sites:\n  a.org:\n    x: 1\n")),
    Case(
        "rules set bad regex",
        ("rules", "set", "{tmp}/rules.yaml"),
        rules_file("sites:\n  a.org:\n    ignore_text: ['(']\n"),
    ),
    Case(
        "rules set bad selector",
        ("rules", "set", "{tmp}/rules.yaml"),
        rules_file("sites:\n  a.org:\n    drop: ['p[']\n"),
    ),
    Case(
        "rules set unknown kind", ("rules", "set", "{tmp}/rules.yaml"), rules_file("sites:\n  a.org:\n    alert: [x]\n")
    ),
    Case("rules set binary file", ("rules", "set", "{tmp}/rules.yaml"), rules_file("\x00\x01sites")),
    Case("rules set missing file", ("rules", "set", "{tmp}/no-such-rules.yaml")),
    Case("rules set --at malformed", ("rules", "set", "{tmp}/rules.yaml", "--at", "soon"), rules_file("sites: {}\n")),
    Case("rules check without rules", ("rules", "check")),
    Case(
        "rules set on two stores",
        ("--store", "{tmp}/other", "rules", "set", "{tmp}/rules.yaml"),
        rules_file("sites: {}\n"),
    ),
    # usage errors that click reports (the README promises one line for any bad input)
    Case("log -n -1", ("log", "-n", "-1")),
    Case("export --format zip", ("export", "--format", "zip", "{tmp}/out.zip")),
    Case("serve --port 99999", ("serve", "--port", "99999")),
]


def changes(before: dict[str, str], after: dict[str, str], ignore: tuple[str, ...] = ()) -> list[str]:
    """What differs between two ``every_byte`` states, one entry per path (except the paths in ``ignore``)."""
    paths = sorted((set(before) | set(after)) - set(ignore))
    return [
        f"{p}: {before.get(p, 'absent')[:12]} -> {after.get(p, 'absent')[:12]}"
        for p in paths
        if before.get(p) != after.get(p)
    ]


def child_environment() -> dict[str, str]:
    """The user's environment without proxies (the servers are on 127.0.0.1) or a default store."""
    return {
        name: value for name, value in os.environ.items() if "proxy" not in name.lower() and name != "ARCHIVE_STORE"
    }


assert len(CASES) >= 70, len(CASES)
assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_cleanly(case: Case, inputs: Inputs, tmp_path: Path) -> None:
    """One line on stderr, a non-zero exit, no traceback, every byte as it was, and verify still OK."""
    store = tmp_path / "store"
    shutil.copytree(inputs.store, store, symlinks=True)
    with contextlib.ExitStack() as cleanup:
        env = Env(store=store, tmp=tmp_path, inputs=inputs, cleanup=cleanup)
        env.values.update(
            seed=str(SEED),
            files=str(inputs.files),
            web=inputs.web,
            store=str(store),
            tmp=str(tmp_path),
            closed_port=str(closed_port()),
        )
        if case.prepare is not None:
            case.prepare(env)
        target = env.target or store
        before = every_byte(tmp_path)
        args = [argument.format(**env.values) for argument in case.args]
        ran = subprocess.run(
            [ARCHIVE, "--store", str(target), *args],
            input=case.stdin,
            capture_output=True,
            timeout=60,
            env=child_environment(),
            cwd=tmp_path,
        )
        after = every_byte(tmp_path)
    stderr = ran.stderr.decode("utf-8", "replace")
    stdout = ran.stdout.decode("utf-8", "replace")
    problems = []
    if ran.returncode == 0:
        problems.append("exit status 0")
    if "Traceback" in stderr + stdout:
        problems.append("a traceback")
    lines = stderr.splitlines()
    if len(lines) != 1 or not lines[0].startswith(case.first_line):
        problems.append(f"stderr is not one line starting with {case.first_line!r}")
    changed = changes(before, after, ignore=case.may_write)
    if changed:
        problems.append(f"{len(changed)} path(s) changed: " + "; ".join(changed[:6]))
    verified = CliRunner().invoke(cli, ["--store", str(store), "verify"])
    if verified.exit_code != 0 or not verified.stdout.startswith("OK"):
        problems.append("verify afterwards: " + (verified.stdout + verified.stderr).strip()[:300])
    assert not problems, (
        f"{'; '.join(problems)}\n  exit: {ran.returncode}\n  stderr: {stderr[-1200:]!r}\n  stdout: {stdout[:300]!r}"
    )
