"""Record what every `archive` command prints and which commits it makes, to prove that a refactor changes neither.

Run it once against the code before the refactor and once after, then compare the two directories:

    python tools/outputs.py --archive /work/baseline/.venv/bin/archive --out /work/baseline-outputs
    python tools/outputs.py --archive .venv/bin/archive --out /tmp/after
    python tools/outputs.py --compare /work/baseline-outputs /tmp/after    # exit 1 and a diff if anything changed

It builds stores in a temporary directory through the CLI only (never the Python API, whose layout is what the
refactor moves): the README demo store, the shared terms-versions corpus (snapshots, a bare store, a folder import),
URL captures from a fake site, feeds (`watch`), several collectors (`push`, `pull`), a tampered store, and the CLI's
help and errors. Each command's stdout, stderr and exit status goes to DIR/<store>/<n>-<command words>.txt, with the
files it wrote, the branch's `git log` (commit ids), `git ls-tree -r HEAD`, the refs and the working tree, and the
viewer's pages (`archive serve`) fetched over HTTP. Standard library only, so it runs with any interpreter.

Normalized, so that two runs of the same code give byte-identical directories:

* the temporary directory everything runs in becomes ``<TMP>`` (stores, inputs and written files live there); it is
  made directly under /tmp, so its path has the same length in every run (lengths show in Content-Length headers);
* the viewer's port becomes ``<PORT>``; the fake site is reached as an HTTP proxy for ``http://news.example/``,
  so its port never reaches a store (URLs are hashed into commits);
* wall-clock times become ``<NOW>`` (a timestamp) and ``<TODAY>`` (a date): any between this run's start and two
  days after the moment of normalizing (a watched article's next check lies ahead). They come from captures made
  without ``--at``: the demo's re-run snapshot (journaled, so it shows in the audit's span and per-day table and in
  ``.git/archive/captures.jsonl``) and every ``watch`` capture;
* in the watch store only, commit ids become ``<commit N>`` (N: position on the branch, oldest first), because a
  watched capture is stamped with the clock and a commit hashes its capture time; for the same reason that store's
  tree and working tree are listed by path only (meta.yaml holds the capture time);
* the viewer's ``Date`` header is dropped, and the Python version in its ``Server`` header is masked.

Inputs (seeds, corpus) are copied into the temporary directory first, so paths in messages do not depend on where
the repositories are. Child processes get a fixed environment (HOME, locale, TZ=UTC, COLUMNS=80, no git or archive
variables) but a random PYTHONHASHSEED, so set-order nondeterminism in the tool shows up as a difference.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import fcntl
import gzip
import hashlib
import json
import os
import pty
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEMO_ID = "putin-post-trump"
SEED = "seeds/000_dbbbf4a16fd70257"
SITE = "http://news.example"
# Files larger than this are recorded by sha256 and size only (the outputs stay a few megabytes).
MAX_RECORDED = 1024 * 1024
COMMAND_TIMEOUT = 900.0


@dataclass(frozen=True)
class Result:
    code: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")


# --- normalizing -------------------------------------------------------------------------------------------------

_TIMESTAMP = re.compile(r"\b(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?")
_DAY = re.compile(r"\b\d{4}-\d\d-\d\d\b")
_HEX = re.compile(r"\b[0-9a-f]{7,40}\b")


class Normalizer:
    """Replaces what differs from run to run (temporary paths, ports, the clock) with placeholders."""

    def __init__(self, tmp: Path, started: datetime) -> None:
        self.paths = sorted({str(tmp), str(tmp.resolve())}, key=len, reverse=True)
        self.started = started - timedelta(seconds=1)
        self.literals: list[tuple[str, str]] = []

    def __call__(self, text: str, commits: Sequence[str] = ()) -> str:
        for path in self.paths:
            text = text.replace(path, "<TMP>")
        for old, new in self.literals:
            text = text.replace(old, new)
        latest = datetime.now(UTC) + timedelta(days=2)
        text = _TIMESTAMP.sub(lambda match: self._moment(match, latest), text)
        days = {(self.started + timedelta(days=n)).date().isoformat() for n in range((latest - self.started).days + 2)}
        text = _DAY.sub(lambda match: "<TODAY>" if match.group(0) in days else match.group(0), text)
        if commits:
            text = _HEX.sub(lambda match: _commit_name(match.group(0), commits), text)
        return text

    def _moment(self, match: re.Match[str], latest: datetime) -> str:
        zone = match.group(3) or "Z"
        try:
            moment = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{'+00:00' if zone == 'Z' else zone}")
        except ValueError:
            return match.group(0)
        return "<NOW>" if self.started <= moment <= latest else match.group(0)


def _commit_name(token: str, commits: Sequence[str]) -> str:
    """``<commit N>`` for a full or abbreviated id of the Nth commit; other hex (hashes of texts) stays."""
    for position, commit in enumerate(commits, 1):
        if commit.startswith(token):
            return f"<commit {position}>"
    return token


def _slug(words: Sequence[str]) -> str:
    """A file name from a command's words, paths cut to their last part, so a listing reads as the commands run."""
    parts = [w.rsplit("/", 1)[-1] if "/" in w and not w.startswith(("http", "/")) else w.lstrip("-") for w in words]
    text = re.sub(r"[^A-Za-z0-9._@~+=-]+", "_", "-".join(parts)).strip("_-.")
    return text[:80] or "run"


# The temporary directory's paths, masked in bytes before they are hashed (set by Run).
_MASKS: list[bytes] = []


def _digest(data: bytes) -> str:
    """Size and sha256, of the bytes with the temporary directory masked (else every run would differ)."""
    for path in _MASKS:
        data = data.replace(path, b"<TMP>")
    return f"[{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}]\n"


def _decoded(data: bytes) -> str | None:
    """The bytes as text when they are UTF-8 without NULs, else None (recorded by hash)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _bytes_block(data: bytes, hashed: bool = False) -> str:
    """Output as text to diff, or its hash when binary or large (``hashed``: the hash as well, for byte identity)."""
    text = _decoded(data)
    digest = _digest(data)
    if text is None or len(data) > MAX_RECORDED:
        return digest
    if text and not text.endswith("\n"):
        text += "\n[no newline at end]\n"
    return (digest if hashed else "") + text


def _describe(path: Path) -> str:
    """A written file (content, or sha256 when binary or large; .gz also decompressed) or a directory listing."""
    if not path.exists():
        return "[does not exist]\n"
    if path.is_dir():
        lines = []
        small: list[Path] = []
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            data = item.read_bytes()
            lines.append(f"{_digest(data)[1:-2]}  {item.relative_to(path).as_posix()}\n")
            if item.parent == path:
                small.append(item)
        return "".join(lines) + "".join(f"--- {p.name}\n{_bytes_block(p.read_bytes())}" for p in small)
    data = path.read_bytes()
    block = _bytes_block(data)
    if path.name.endswith(".gz"):
        try:
            block += "--- decompressed\n" + _bytes_block(gzip.decompress(data))
        except (OSError, EOFError) as error:
            block += f"--- not gzip: {error}\n"
    return block


# --- running commands --------------------------------------------------------------------------------------------


def _run_in_terminal(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> Result:
    """Run with stdout on a pseudo-terminal (120 columns), the way a person sees colours; stderr stays a pipe."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0))
    attributes = termios.tcgetattr(follower)
    attributes[1] &= ~termios.OPOST  # the bytes as written: no \n -> \r\n
    termios.tcsetattr(follower, termios.TCSANOW, attributes)
    errors: list[bytes] = []
    with subprocess.Popen(
        command, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE
    ) as process:
        os.close(follower)
        stream = process.stderr
        assert stream is not None
        reader = threading.Thread(target=lambda: errors.append(stream.read()))
        reader.start()
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        reader.join()
        code = process.wait(timeout=COMMAND_TIMEOUT)
    os.close(leader)
    return Result(code, b"".join(chunks), b"".join(errors))


class Run:
    """One recording: the archive executable, the temporary directory, the output directory, the environment."""

    def __init__(self, archive: str, tmp: Path, out: Path, shared: Path) -> None:
        self.archive = archive
        self.tmp = tmp
        self.out = out
        self.shared = shared
        self.normalize = Normalizer(tmp, datetime.now(UTC))
        _MASKS[:] = [path.encode() for path in self.normalize.paths]
        self.site = FakeSite()
        home = tmp / "home"
        home.mkdir()
        (tmp / "tmp").mkdir()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "TMPDIR": str(tmp / "tmp"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TZ": "UTC",
            "COLUMNS": "80",
            "LINES": "24",
            "GIT_CONFIG_NOSYSTEM": "1",
            "http_proxy": f"http://127.0.0.1:{self.site.port}",
            "no_proxy": "",
        }
        self.commands: Counter[str] = Counter()

    def execute(
        self,
        command: Sequence[str],
        cwd: Path | None = None,
        stdin: bytes = b"",
        tty: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> Result:
        """Run a command in the fixed environment; stdin is always given, so nothing waits on a terminal."""
        environment = {**self.env, **(env or {})}
        if tty:
            return _run_in_terminal(command, cwd or self.tmp, environment)
        done = subprocess.run(
            command, cwd=cwd or self.tmp, input=stdin, capture_output=True, env=environment, timeout=COMMAND_TIMEOUT
        )
        return Result(done.returncode, done.stdout, done.stderr)


class Section:
    """One store's directory of recordings, numbered in the order the commands ran."""

    def __init__(self, run: Run, name: str) -> None:
        self.run = run
        self.name = name
        self.dir = run.out / name
        self.dir.mkdir(parents=True)
        self.count = 0
        self.commits_of: Path | None = None  # the watch store: commit ids are named by their position

    def _commits(self) -> list[str]:
        if self.commits_of is None:
            return []
        done = self.run.execute(["git", "-C", str(self.commits_of), "rev-list", "--reverse", "HEAD"])
        return done.stdout.decode().split() if done.code == 0 else []

    def write(self, words: Sequence[str], text: str) -> None:
        """The next numbered file, normalized, so that the directory lists the commands in the order they ran."""
        self.count += 1
        commits = self._commits()
        name = f"{self.count:03d}-{_slug([self.run.normalize(w, commits) for w in words])}.txt"
        (self.dir / name).write_text(self.run.normalize(text, commits), encoding="utf-8")

    def archive(
        self,
        *args: str,
        store: Path | None = None,
        cwd: Path | None = None,
        stdin: bytes = b"",
        files: Sequence[Path] = (),
        tty: bool = False,
        env: Mapping[str, str] | None = None,
        raw: bool = False,
        label: Sequence[str] | None = None,
    ) -> Result:
        """Run ``archive [--store STORE] ARGS`` and record it (with the files it wrote and the fake site's requests)."""
        command = [*(["--store", str(store)] if store is not None else []), *args]
        self.run.commands[next((a for a in args if not a.startswith("-")), args[0] if args else "")] += 1
        self.run.site.requests.clear()
        result = self.run.execute([self.run.archive, *command], cwd=cwd, stdin=stdin, tty=tty, env=env)
        header = f"$ archive {shlex.join(command)}"
        if env:
            header = f"$ {' '.join(f'{k}={v}' for k, v in sorted(env.items()))} archive {shlex.join(command)}"
        if tty:
            header += "    (stdout a terminal)"
        if stdin:
            header += f"    (stdin: {len(stdin)} bytes, sha256 {hashlib.sha256(stdin).hexdigest()})"
        body = [header, f"exit: {result.code}", "--- stdout", _bytes_block(result.stdout, hashed=raw)]
        body += ["--- stderr", _bytes_block(result.stderr)]
        body += [f"--- file {path}\n{_describe(path)}" for path in files]
        if self.run.site.requests:
            body += [f"--- requests to {SITE}/", *self.run.site.requests, ""]
        self.write(label or (["tty", *args] if tty else args), "\n".join(body))
        return result

    def git(self, store: Path, *args: str) -> Result:
        """Record a plain git command on a store: commit ids and trees are what must not change."""
        result = self.run.execute(["git", "-C", str(store), *args])
        text = f"$ git -C {store} {shlex.join(args)}\nexit: {result.code}\n--- stdout\n"
        self.write(["git", *(a for a in args if not a.startswith("--format"))], text + _bytes_block(result.stdout))
        return result

    def note(self, words: Sequence[str], text: str) -> None:
        self.write(words, text)


# --- a fake web site, reached as a proxy ---------------------------------------------------------------------------


@dataclass
class Page:
    status: int
    content_type: str
    body: bytes
    location: str | None = None
    delay: float = 0.0

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


class FakeSite:
    """``http://news.example/``: article pages, a redirect, errors and feeds, with ETags for conditional GETs.

    Served on 127.0.0.1 and reached as the HTTP proxy (``http_proxy``), so the URLs a store records, and hence its
    commit ids, do not depend on the port. Requests are logged (with their validators) for the recordings.
    """

    LAST_MODIFIED = "Mon, 20 Dec 2021 08:00:00 GMT"

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target = urlsplit(self.path)
                path = target.path or "/"
                with site._lock:
                    validators = [f"{h}: {self.headers[h]}" for h in ("If-None-Match", "If-Modified-Since")]
                    shown = [v for v in validators if not v.endswith(": None")]
                    site.requests.append(" ".join([f"GET {SITE}{self.path.split('news.example', 1)[-1]}", *shown]))
                    page = site.pages.get(path)
                if page is None:
                    page = Page(404, "text/html; charset=utf-8", b"<html><body><h1>Not found</h1></body></html>")
                if page.delay:
                    time.sleep(page.delay)
                fresh = self.headers.get("If-None-Match") == page.etag and page.status == 200
                self.send_response(304 if fresh else page.status)
                self.send_header("ETag", page.etag)
                self.send_header("Last-Modified", site.LAST_MODIFIED)
                if page.location:
                    self.send_header("Location", page.location)
                if fresh:
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (the timeout test)
                    self.wfile.write(page.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _seed_parts(text: str) -> tuple[str, list[str]]:
    """A seed's title and body paragraphs (the title line, credit, byline and date come first)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0], lines[4:]


def _article_html(title: str, paragraphs: Sequence[str], canonical: str, published: str = "2021-12-17") -> bytes:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} | Example News</title>\n"
        f'<link rel="canonical" href="{canonical}">\n<meta property="og:site_name" content="Example News">\n'
        f'<meta name="author" content="Julia Ioffe">\n<meta property="article:published_time" content="{published}">\n'
        '</head><body><nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/politics">Politics</a></nav>\n'
        f'<article><h1>{title}</h1>\n<p class="byline">By Julia Ioffe</p>\n{body}</article>\n'
        "<footer>© Example News · <a href='/privacy'>Privacy</a></footer></body></html>\n"
    ).encode()


def _feed(entries: Sequence[tuple[str, str, str]]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate></item>\n"
        for title, link, date in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Example News</title>'
        f"<link>{SITE}/</link><description>Everything</description>\n{items}</channel></rss>\n"
    ).encode()


# --- the viewer ----------------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int, process: subprocess.Popen[bytes], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _fetch(port: int, method: str, path: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    headers: Message
    try:
        with opener.open(request, timeout=120) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    lines = [f"{method} {path}", f"status: {status}"]
    for name, value in headers.items():
        if name.lower() == "date":
            continue
        if name.lower() == "server":
            value = re.sub(r"Python/[0-9.]+", "Python/<VERSION>", value)
        lines.append(f"{name}: {value}")
    return "\n".join(lines) + "\n--- body\n" + _bytes_block(body)


def serve(section: Section, store: Path | None, cwd: Path | None, paths: Sequence[tuple[str, str]]) -> None:
    """Start ``archive serve`` on a free port, record each page (status, headers, body), then stop it with Ctrl-C."""
    command = [section.run.archive, *(["--store", str(store)] if store else []), "serve", "--port"]
    section.run.commands["serve"] += 1
    for _ in range(5):
        port = _free_port()
        process = subprocess.Popen(
            [*command, str(port)],
            cwd=cwd or section.run.tmp,
            env=section.run.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        if _listening(port, process):
            break
        process.kill()
        process.communicate()
    else:
        raise SystemExit("archive serve did not start")
    section.run.normalize.literals.append((f"127.0.0.1:{port}", "127.0.0.1:<PORT>"))
    try:
        for method, path in paths:
            section.note(["http", method, path], _fetch(port, method, path))
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    text = (
        f"$ archive {shlex.join(command[1:])} <PORT>    (stopped with SIGINT)\nexit: {process.returncode}\n--- stdout\n"
    )
    section.note(["serve"], text + _bytes_block(stdout) + "--- stderr\n" + _bytes_block(stderr))


def viewer_paths(article: str, term: str) -> list[tuple[str, str]]:
    """Every route of the viewer (README, archive/viewer.py), each page with its JSON twin, and a few bad ones."""
    pages = [
        "/",
        f"/?q={term}",
        "/?q=nothing-matches-this",
        "/articles",
        f"/articles/{article}",
        f"/articles/{article}/versions/1",
        f"/articles/{article}/versions/2",
        f"/articles/{article}/diff/1/2",
        f"/articles/{article}/diff/2/1",
        f"/articles/{article}/diff/1/99",
        f"/articles/{article}/versions/0",
        "/articles/no-such-article",
        "/articles/..%2Fetc",
        "/audit",
        "/nowhere",
    ]
    paths = [("GET", p) for p in pages] + [("GET", "/api" + p if p != "/" else "/api/") for p in pages]
    return [
        *paths,
        ("GET", f"/articles/{article}/diff?from=1&to=2"),
        ("GET", f"/api/articles/{article}/diff?from=1&to=2"),
        ("HEAD", f"/articles/{article}"),
        ("POST", "/"),
    ]


# --- what is recorded for every store -----------------------------------------------------------------------------


def record_git(section: Section, store: Path, bare: bool = False, names_only: bool = False) -> None:
    """The branch's commits (ids, dates, subjects), its tree, the refs, the working tree and the local state."""
    section.git(store, "symbolic-ref", "HEAD")
    section.git(store, "log", "--format=%H %ad %s", "--date=iso-strict", "HEAD")
    section.git(store, "log", "--format=%H%n%an <%ae> %ad%n%cn <%ce> %cd%n%B", "--date=iso-strict", "HEAD")
    section.git(store, "ls-tree", "-r", *(["--name-only"] if names_only else []), "HEAD")
    section.git(store, "for-each-ref")
    section.git(store, "config", "--local", "--list")
    git_dir = store if bare else store / ".git"
    lines = []
    if not bare:
        for item in sorted(p for p in store.rglob("*") if p.is_file() and ".git" not in p.relative_to(store).parts):
            digest = "" if names_only else _digest(item.read_bytes())[1:-2] + "  "
            lines.append(f"{digest}{item.relative_to(store).as_posix()}\n")
    state = git_dir / "archive"
    listing = (
        "".join(f"{p.relative_to(state).as_posix()}\n" for p in sorted(state.rglob("*"))) if state.exists() else ""
    )
    journal = state / "captures.jsonl"
    text = "--- working tree\n" + ("".join(lines) if not bare else "[bare store]\n")
    text += f"--- {git_dir.name}/archive/\n{listing}"
    text += f"--- captures.jsonl\n{_describe(journal)}"
    if (state / "watch.json").exists():
        text += f"--- watch.json\n{_describe(state / 'watch.json')}"
    section.note(["files"], text)


def _json(result: Result) -> Any:
    """The command's JSON, or None: a broken command must show up as a difference, not stop the recording."""
    try:
        return json.loads(result.stdout)
    except ValueError:
        return None


def _versions(section: Section, store: Path | None, article: str, cwd: Path | None = None) -> int:
    """How many versions ``article`` has (asked, not recorded: the answer is recorded elsewhere)."""
    data = _json(section.run.execute([section.run.archive, *_store_args(store), "history", article, "--json"], cwd))
    return len(data["versions"]) if isinstance(data, dict) and isinstance(data.get("versions"), list) else 0


def _store_args(store: Path | None) -> list[str]:
    return ["--store", str(store)] if store is not None else []


def record_reads(
    section: Section,
    store: Path | None,
    article: str,
    term: str,
    work: Path,
    cwd: Path | None = None,
) -> None:
    """Every read command, as text and as JSON where it exists, on ``article``, plus the integrity commands."""

    def archive(*args: str, files: Sequence[Path] = (), tty: bool = False, raw: bool = False) -> Result:
        return section.archive(*args, store=store, cwd=cwd, files=files, tty=tty, raw=raw)

    def both(*args: str) -> None:
        archive(*args)
        archive(*args, "--json")

    work.mkdir(parents=True, exist_ok=True)
    both("list")
    both("log")
    both("log", "-n", "3")
    archive("log", "--limit", "0")
    listed = _json(section.run.execute([section.run.archive, *_store_args(store), "list", "--json"], cwd))
    for entry in listed["articles"] if isinstance(listed, dict) else []:
        both("history", str(entry["id"]))
    history = _json(section.run.execute([section.run.archive, *_store_args(store), "history", article, "--json"], cwd))
    versions = history["versions"] if isinstance(history, dict) else []
    first_commit = str(versions[0]["commit"])[:10] if versions else "0000000"
    first_day = str(versions[0]["captured_at"])[:10] if versions else "2000-01-01"
    both("show", article)
    both("show", f"{article}@1")
    both("show", f"{article}@latest~1")
    both("show", f"{article}@{first_day}")
    archive("show", f"{article}@{first_commit}")
    archive("show", f"{article}@latest", "--raw", raw=True)
    archive("show", f"{article}@1", "--raw", raw=True)
    both("diff", article)
    both("diff", article, "1")
    both("diff", article, "1", "2", "--full")
    archive("diff", article, "2", "1")
    both("diff", article, "--by", "sentence")
    both("diff", article, "1", "latest", "--by", "sentence")
    archive("diff", article, "--html", str(work / "diff.html"), files=[work / "diff.html"])
    archive(
        "diff", article, "1", "2", "--by", "sentence", "--json", "--html", str(work / "diff-1-2.html"),
        files=[work / "diff-1-2.html"],
    )  # fmt: skip
    both("claims", article)
    both("claims", article, "1", "latest")
    both("claims", article, "1", "2")
    both("timeline", article)
    both("coverage", term)
    both("coverage", term.lower())
    both("coverage", "no such words anywhere")
    for args in (["diff", article], ["diff", article, "1", "2", "--full"], ["diff", article, "--by", "sentence"]):
        archive(*args, tty=True)
    archive("claims", article, tty=True)
    archive("history", article, tty=True)
    # Bad input: one line on stderr and an exit status.
    archive("show", "no-such-article")
    archive("history", "no-such-article")
    archive("show", f"{article}@99")
    archive("show", f"{article}@not-a-version")
    archive("show", f"{article}@1999-01-01")
    archive("diff", article, "1", "99")
    archive("diff", article, "0", "1")
    archive("claims", article, "banana")
    archive("timeline", "no-such-article")
    archive("diff", article, "--by", "paragraph")
    archive("log", "-n", "-1")
    record_integrity(section, store, work, cwd)


def record_integrity(section: Section, store: Path | None, work: Path, cwd: Path | None = None) -> None:
    """verify, audit, reproduce, rebuild (and the rebuilt store's commits) and every export format."""

    def archive(*args: str, files: Sequence[Path] = ()) -> Result:
        return section.archive(*args, store=store, cwd=cwd, files=files)

    archive("verify")
    archive("verify", "--json")
    archive("audit")
    archive("audit", "--json")
    archive("audit", "--html", str(work / "audit.html"), files=[work / "audit.html"])
    archive("reproduce")
    archive("reproduce", "--json")
    archive("reproduce", "-v", "--jobs", "1")
    archive("reproduce", "no-such-article")
    archive("rebuild", "--into", str(work / "rebuilt"))
    if (work / "rebuilt").exists():
        section.git(work / "rebuilt", "log", "--format=%H %ad %s", "--date=iso-strict", "HEAD")
    archive("rebuild", "--into", str(work / "rebuilt-json"), "--json", "--jobs", "1")
    archive("rebuild", "--into", str(work / "rebuilt"))  # not empty: refused
    archive("export", "--format", "jsonl", str(work / "export.jsonl"), files=[work / "export.jsonl"])
    archive("export", "--format", "jsonl", str(work / "export-2.jsonl"), "--json", files=[work / "export-2.jsonl"])
    archive("export", "--format", "warc", str(work / "export.warc"), files=[work / "export.warc"])
    archive("export", "--format", "warc", str(work / "export.warc.gz"), files=[work / "export.warc.gz"])
    archive("export", "--format", "bagit", str(work / "bag"), files=[work / "bag"])
    archive("export", "--format", "bagit", str(work / "bag"))  # exists: refused
    archive("export", "--format", "zip", str(work / "export.zip"))


# --- the stores ----------------------------------------------------------------------------------------------------


def copy_inputs(run: Run) -> Path:
    """The seeds and the terms-versions corpus, copied under the temporary directory (paths then never differ)."""
    inputs = run.tmp / "inputs"
    shutil.copytree(ROOT / "seeds", inputs / "seeds")
    shutil.copytree(run.shared / "corpora" / "terms-versions", inputs / "terms-versions")
    for path in inputs.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return inputs


def demo(run: Run, inputs: Path) -> Path:
    """The README demo, as `make demo` runs it: ./snapshots in the working directory, seeds/ relative."""
    section = Section(run, "demo")
    cwd = run.tmp / "demo"
    cwd.mkdir()
    shutil.copytree(inputs / "seeds", cwd / "seeds")
    section.archive("init", cwd=cwd)
    section.archive("snapshot", f"{SEED}.txt", "--id", DEMO_ID, "--at", "2021-12-17T12:00:00Z", cwd=cwd)
    section.archive(
        "snapshot", f"{SEED}.rev1-illustrative.txt", "--id", DEMO_ID, "--at", "2021-12-18T09:30:00Z", cwd=cwd
    )
    section.archive("snapshot", f"{SEED}.rev1-illustrative.txt", "--id", DEMO_ID, cwd=cwd)  # unchanged, at the clock
    section.archive("init", cwd=cwd)  # again: nothing changes
    store = cwd / "snapshots"
    record_git(section, store)
    record_reads(section, None, DEMO_ID, "Putin", run.tmp / "demo-out", cwd=cwd)
    section.archive("show", "putin", cwd=cwd)  # a prefix of the id
    section.archive("list", env={"ARCHIVE_STORE": str(store)})
    serve(section, None, cwd, viewer_paths(DEMO_ID, "Putin"))
    return store


def terms_versions(inputs: Path) -> Iterator[tuple[str, Path, str]]:
    """(article id, file, author date) of every version, as benchmarks/audit_demo.py archives them."""
    corpus = inputs / "terms-versions"
    for folder in sorted(corpus.iterdir()):
        if not (folder / "meta.json").exists():
            continue
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        for version in meta["versions"]:
            yield folder.name.lower(), folder / version["file"], version["author_date"]


def terms(run: Run, inputs: Path, bare: bool) -> Path:
    """The terms-versions corpus, every version snapshotted at its recorded date (a bare store too)."""
    name = "terms-bare" if bare else "terms"
    section = Section(run, name)
    store = run.tmp / name
    section.archive("init", *(["--bare"] if bare else []), store=store)
    for article, source, at in terms_versions(inputs):
        section.archive("snapshot", str(source), "--id", article, "--at", at, store=store)
    record_git(section, store, bare=bare)
    record_reads(section, store, "reddit_privacy_policy", "privacy", run.tmp / f"{name}-out")
    section.archive("show", "bluesky", store=store)  # an ambiguous prefix
    serve(section, store, None, viewer_paths("bluesky_terms_of_service", "privacy"))
    if bare:
        section.archive("snapshot", str(inputs / f"{SEED}.txt"), "--at", "2021-12-17", store=store)
        section.git(store, "log", "-n", "2", "--format=%H %ad %s", "--date=iso-strict", "HEAD")
        return store
    # Every consecutive pair of every document: the comparison engine on real, long revisions.
    for article in sorted({article for article, _, _ in terms_versions(inputs)}):
        for number in range(2, _versions(section, store, article) + 1):
            section.archive("diff", article, str(number - 1), str(number), "--by", "sentence", store=store)
            section.archive("claims", article, str(number - 1), str(number), "--json", store=store)
    return store


def terms_import(run: Run, inputs: Path) -> None:
    """The same corpus through `archive import` of a folder with a captures.yaml sidecar (the bulk path)."""
    section = Section(run, "terms-import")
    folder = run.tmp / "import-folder"
    entries = []
    for article, source, at in terms_versions(inputs):
        relative = f"{source.parent.name}/{source.name}"
        (folder / source.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / relative)
        entries.append(f"{relative}:\n  id: {article}\n  captured_at: {at}\n")
    (folder / "captures.yaml").write_text("".join(entries), encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not a page\n")
    store = run.tmp / "terms-import"
    section.archive("init", store=store)
    section.archive("import", str(folder), store=store)
    section.archive("import", str(folder), "--json", store=store)  # again: adds nothing
    record_git(section, store)
    record_reads(section, store, "reddit_privacy_policy", "privacy", run.tmp / "terms-import-out")
    # The same import with one worker, into a bare store: the same commits.
    bare = run.tmp / "terms-import-bare"
    section.archive("init", "--bare", store=bare)
    section.archive("import", str(folder), "--jobs", "1", "--json", store=bare)
    section.git(bare, "log", "--format=%H %ad %s", "--date=iso-strict", "HEAD")
    # Mistakes: a sidecar with an unknown key, a listed file that is missing, sources that are neither.
    broken = run.tmp / "import-broken"
    broken.mkdir()
    shutil.copyfile(inputs / "seeds" / "000_dbbbf4a16fd70257.txt", broken / "story.txt")
    (broken / "captures.yaml").write_text("story.txt:\n  id: story\n  when: 2021-12-17\n", encoding="utf-8")
    section.archive("import", str(broken), store=store)
    (broken / "captures.yaml").write_text(
        "story.txt:\n  id: story\n  captured_at: 2021-12-17T12:00:00Z\ngone.txt:\n  id: gone\n", encoding="utf-8"
    )
    (broken / ".hidden.txt").write_text("hidden files are not captures\n", encoding="utf-8")
    section.archive("import", str(broken), store=store)
    (broken / "captures.yaml").write_text("story.txt:\n  captured_at: yesterday\n", encoding="utf-8")
    section.archive("import", str(broken), store=store)
    section.archive("import", str(broken / "story.txt"), store=store)
    section.archive("import", str(run.tmp / "no-such.warc"), store=store)
    section.git(store, "log", "-n", "3", "--format=%H %ad %s", "--date=iso-strict", "HEAD")


def web(run: Run, inputs: Path) -> None:
    """URL captures (via the fake site), stdin, saved HTML, every snapshot option and its errors; a WARC round trip."""
    section = Section(run, "web")
    site = run.site
    title, paragraphs = _seed_parts((inputs / f"{SEED}.txt").read_text(encoding="utf-8"))
    title2, paragraphs2 = _seed_parts((inputs / f"{SEED}.rev1-illustrative.txt").read_text(encoding="utf-8"))
    story = f"{SITE}/story"
    html = "text/html; charset=utf-8"
    site.pages["/story"] = Page(200, html, _article_html(title, paragraphs, story))
    site.pages["/moved"] = Page(301, html, b"", location=f"{SITE}/story")
    site.pages["/image.png"] = Page(200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(64)))
    site.pages["/slow"] = Page(200, html, _article_html(title, paragraphs, f"{SITE}/slow"), delay=3.0)
    site.pages["/empty"] = Page(200, html, b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>")
    site.pages["/broken"] = Page(500, html, b"<html><body>Internal error</body></html>")
    site.pages["/plain.txt"] = Page(200, "text/plain; charset=utf-8", (inputs / f"{SEED}.txt").read_bytes())
    site.pages["/latin1"] = Page(
        200, "text/html; charset=iso-8859-1", _article_html("Caf\xe9 cr\xe8me", paragraphs[:2], f"{SITE}/latin1")
        .decode()
        .replace('charset="utf-8"', "")
        .encode("latin-1", "replace"),
    )  # fmt: skip
    store = run.tmp / "web"
    seed = str(inputs / f"{SEED}.txt")
    section.archive("init", store=store)
    section.archive("snapshot", story, "--at", "2021-12-17T12:00:00Z", store=store)
    site.pages["/story"] = Page(200, html, _article_html(title2, paragraphs2, story))
    section.archive("snapshot", f"{SITE}/moved", "--at", "2021-12-18T09:30:00Z", store=store)
    section.archive("snapshot", story, "--at", "2021-12-18T10:00:00Z", "--json", store=store)
    section.archive("snapshot", f"{SITE}/plain.txt", "--at", "2021-12-18T11:00:00Z", store=store)
    section.archive("snapshot", f"{SITE}/latin1", "--at", "2021-12-18T12:00:00Z", "--json", store=store)
    section.archive("snapshot", f"{SITE}/missing", store=store)
    section.archive("snapshot", f"{SITE}/broken", store=store)
    section.archive("snapshot", f"{SITE}/image.png", store=store)
    section.archive("snapshot", f"{SITE}/slow", "--timeout", "0.5", store=store)
    section.archive("snapshot", f"{SITE}/empty", "--at", "2021-12-18T12:00:00Z", store=store)
    rev1 = (inputs / f"{SEED}.rev1-illustrative.txt").read_bytes()
    section.archive("snapshot", "-", "--url", f"{SITE}/piped", "--at", "2021-12-19T08:00:00Z", stdin=rev1, store=store)
    note = b"A short note\n\nThe council met on Tuesday and approved the budget, officials said.\n"
    section.archive(
        "snapshot", "-", "--id", "stdin-note", "--title", "A note", "--at", "2021-12-19", stdin=note, store=store
    )
    section.archive("snapshot", "-", "--at", "2021-12-19T09:00:00Z", stdin=b"", store=store)
    saved = run.tmp / "web-inputs" / "saved-page.html"
    saved.parent.mkdir()
    saved.write_bytes(_article_html(title, paragraphs[:2], f"{SITE}/saved", published="2021-12-16"))
    section.archive("snapshot", str(saved), "--at", "2021-12-20T00:00:00Z", store=store)
    section.archive(
        "snapshot", seed, "--id", "seed-overrides", "--title", "A title given", "--author", "A. Writer",
        "--author", "B. Writer", "--published", "2021-12-01", "--url", "https://example.org/given",
        "--at", "2021-12-20T06:00:00+02:00", "--json", store=store,
    )  # fmt: skip
    section.archive("snapshot", seed, "--id", "seed-overrides", "--at", "2021-11-01T00:00:00Z", store=store)
    section.archive("snapshot", seed, "--id", "seed-overrides", "--at", "2021-11-01T00:00:00Z", store=store)
    section.archive("snapshot", seed, "--id", "../evil", store=store)
    section.archive("snapshot", seed, "--id", "Capital-Letters", "--at", "2021-12-20", store=store)
    section.archive("snapshot", str(run.tmp / "no-such-file.txt"), store=store)
    (run.tmp / "web-inputs" / "empty.txt").write_bytes(b"")
    section.archive("snapshot", str(run.tmp / "web-inputs" / "empty.txt"), store=store)
    (run.tmp / "web-inputs" / "binary.txt").write_bytes(bytes(range(256)) * 4)
    section.archive("snapshot", str(run.tmp / "web-inputs" / "binary.txt"), store=store)
    section.archive("snapshot", str(run.tmp / "web-inputs"), store=store)
    section.archive("snapshot", seed, "--at", "2021-13-45", store=store)
    section.archive("snapshot", seed, "--at", "yesterday", store=store)
    section.archive("snapshot", seed, "--published", "not a date", "--at", "2021-12-20", store=store)
    section.archive("snapshot", seed, "--timeout", "0", store=store)
    section.archive("snapshot", "ftp://news.example/story", store=store)
    record_git(section, store)
    listed = _json(run.execute([run.archive, "--store", str(store), "list", "--json"]))
    ids = [str(a["id"]) for a in listed["articles"]] if isinstance(listed, dict) else []
    article = next((i for i in ids if "story" in i), ids[0] if ids else "story")
    section.archive("show", f"{article}@latest", "--json", store=store)
    section.archive("show", story, store=store)  # by URL
    section.archive("history", f"{SITE}/moved", store=store)
    record_reads(section, store, article, "Kremlin", run.tmp / "web-out")
    serve(section, store, None, viewer_paths(article, "Kremlin"))
    # The exported WARC imported again: the same articles, texts and times (source: warc).
    for name, source in (("web-import", "export.warc"), ("web-import-gz", "export.warc.gz")):
        imported = run.tmp / name
        section.archive("init", store=imported)
        section.archive("import", str(run.tmp / "web-out" / source), store=imported)
        section.archive("import", str(run.tmp / "web-out" / source), "--json", store=imported)
        section.git(imported, "log", "--format=%H %ad %s", "--date=iso-strict", "HEAD")
        section.archive("list", store=imported)
    damaged = run.tmp / "web-inputs" / "damaged.warc.gz"
    whole = (run.tmp / "web-out" / "export.warc.gz").read_bytes()
    damaged.write_bytes(whole[: len(whole) * 2 // 3])
    imported = run.tmp / "web-import-damaged"
    section.archive("init", store=imported)
    section.archive("import", str(damaged), store=imported)
    section.git(imported, "log", "--format=%H %ad %s", "--date=iso-strict", "HEAD")
    plain = (run.tmp / "web-out" / "export.warc").read_bytes()
    corrupt = run.tmp / "web-inputs" / "corrupt.warc"
    corrupt.write_bytes(plain.replace(b"Kremlin", b"Kreml1n", 1))
    section.archive("import", str(corrupt), "--json", store=run.tmp / "web-import-damaged")


@contextmanager
def _holding(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``path``, as a running `archive watch` does."""
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _next_second() -> None:
    """Wait for the clock's next second, so that two clock-stamped captures never share one."""
    time.sleep(1.05 - time.time() % 1)


def watch(run: Run, inputs: Path) -> None:
    """Feeds: new articles, a pass with nothing due, conditional GETs, a changed page, failures, the loop, a lock."""
    section = Section(run, "watch")
    site = run.site
    title, paragraphs = _seed_parts((inputs / f"{SEED}.txt").read_text(encoding="utf-8"))
    title2, paragraphs2 = _seed_parts((inputs / f"{SEED}.rev1-illustrative.txt").read_text(encoding="utf-8"))
    html = "text/html; charset=utf-8"
    site.pages["/feeds/story"] = Page(200, html, _article_html(title, paragraphs, f"{SITE}/feeds/story"))
    site.pages["/feeds/other"] = Page(
        200, html, _article_html("Kremlin publishes draft treaty", paragraphs[1:3], f"{SITE}/feeds/other")
    )
    feed = _feed(
        [
            (title, f"{SITE}/feeds/story?utm_source=rss&amp;page=1#top", "Fri, 17 Dec 2021 12:00:00 GMT"),
            ("Kremlin publishes draft treaty", f"{SITE}/feeds/other", "Fri, 17 Dec 2021 13:00:00 GMT"),
            ("No link", "", "Fri, 17 Dec 2021 14:00:00 GMT"),
        ]
    )
    site.pages["/rss.xml"] = Page(200, "application/rss+xml", feed)
    site.pages["/not-a-feed"] = Page(200, html, b"<html><body><p>Not a feed at all</p></body></html>")
    store = run.tmp / "watch"
    section.commits_of = store
    feed_url = f"{SITE}/rss.xml"
    section.archive("init", store=store)
    section.archive("watch", feed_url, "--once", "--delay", "0", store=store)
    section.archive("watch", feed_url, "--once", "--delay", "0", "--json", store=store)  # nothing due
    site.pages["/feeds/story"] = Page(200, html, _article_html(title2, paragraphs2, f"{SITE}/feeds/story"))
    _next_second()
    section.archive("watch", feed_url, "--once", "--all", "--delay", "0", "--jobs", "1", store=store)
    _next_second()
    section.archive("watch", feed_url, "--once", "--all", "--delay", "0", "--json", store=store)
    section.archive("watch", f"{SITE}/not-a-feed", f"{SITE}/no-feed-here", "--once", "--delay", "0", store=store)
    section.archive("watch", "not-a-url", "--once", store=store)
    section.archive("watch", feed_url, "--once", "--interval", "0.5", store=store)
    with _holding(store / ".git" / "archive" / "watch.lock"):
        section.archive("watch", feed_url, "--once", store=store)
    watch_loop(section, store, feed_url)
    record_git(section, store, names_only=True)
    listed = _json(run.execute([run.archive, "--store", str(store), "list", "--json"]))
    for entry in listed["articles"] if isinstance(listed, dict) else []:
        section.archive("history", str(entry["id"]), store=store)
        section.archive("show", str(entry["id"]), "--json", store=store)
    section.archive("log", "--json", store=store)
    section.archive("diff", "news.example-feeds-story", store=store)
    section.archive("verify", store=store)
    section.archive("audit", store=store)
    section.archive("reproduce", store=store)


def watch_loop(section: Section, store: Path, feed_url: str) -> None:
    """`archive watch` without --once: one pass, then Ctrl-C while it sleeps ("stopped")."""
    run = section.run
    command = [run.archive, "--store", str(store), "watch", feed_url, "--delay", "0"]
    run.commands["watch"] += 1
    run.site.requests.clear()
    env = {**run.env, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, cwd=run.tmp, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the first pass's summary
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    rest, stderr = process.communicate(timeout=60)
    text = f"$ archive {shlex.join(command[1:])}    (stopped with SIGINT after the first pass)\n"
    text += f"exit: {process.returncode}\n--- stdout\n{_bytes_block(first + rest)}--- stderr\n{_bytes_block(stderr)}"
    text += f"--- requests to {SITE}/\n" + "".join(f"{line}\n" for line in run.site.requests)
    section.note(["watch", "loop"], text)


def collectors(run: Run, inputs: Path) -> None:
    """Several collectors sharing a bare store: push, pull, a refused push, a conflict, an unknown remote."""
    section = Section(run, "collectors")
    remote, a, b, c = (run.tmp / name for name in ("shared.git", "collector-a", "collector-b", "collector-c"))
    seed, rev1 = str(inputs / f"{SEED}.txt"), str(inputs / f"{SEED}.rev1-illustrative.txt")
    policy = next(v for v in terms_versions(inputs) if v[0] == "bluesky_privacy_policy")
    section.archive("init", "--bare", store=remote)
    section.archive("init", store=a)
    section.archive("snapshot", seed, "--id", DEMO_ID, "--at", "2021-12-17T12:00:00Z", store=a)
    section.archive("push", str(remote), store=a)
    section.archive("push", str(remote), "--json", store=a)  # already up to date
    section.archive("init", store=b)
    section.archive("snapshot", str(policy[1]), "--id", policy[0], "--at", policy[2], store=b)
    section.archive("snapshot", rev1, "--id", DEMO_ID, "--at", "2021-12-18T09:30:00Z", store=b)
    section.archive("snapshot", seed, "--id", DEMO_ID, "--at", "2021-12-17T12:00:00Z", store=b)
    section.archive("push", str(remote), store=b)  # refused: pull first
    section.archive("pull", str(remote), store=b)
    section.archive("push", str(remote), "--json", store=b)
    section.archive("snapshot", rev1, "--id", DEMO_ID, "--at", "2021-12-18T10:00:00Z", store=a)
    section.archive("pull", str(remote), "--json", store=a)
    section.archive("pull", str(remote), store=a)  # already up to date
    section.archive("init", store=c)
    section.archive("snapshot", rev1, "--id", DEMO_ID, "--at", "2021-12-17T13:00:00Z", store=c)
    section.archive("pull", str(remote), store=c)  # conflict: an older capture that differs
    section.archive("pull", store=c)  # no origin
    section.archive("push", str(run.tmp / "nowhere.git"), store=c)
    for store in (remote, a, b, c):
        section.git(store, "log", "--format=%H %ad %cd %s", "--date=iso-strict", "HEAD")
        section.archive("verify", store=store)
    section.archive("log", "--json", store=b)
    section.archive("audit", store=b)


def tampered(run: Run, inputs: Path) -> None:
    """What verify and audit report: an uncommitted edit, then the edit committed by hand with plain git."""
    section = Section(run, "tampered")
    store = run.tmp / "tampered"
    section.archive("init", store=store)
    section.archive(
        "snapshot", str(inputs / f"{SEED}.txt"), "--id", DEMO_ID, "--at", "2021-12-17T12:00:00Z", store=store
    )
    rev1 = str(inputs / f"{SEED}.rev1-illustrative.txt")
    section.archive("snapshot", rev1, "--id", DEMO_ID, "--at", "2021-12-18T09:30:00Z", store=store)
    texts = sorted(store.glob(f"articles/*/*/*/*/{DEMO_ID}/text.txt"))
    if not texts:
        section.note(["no-text-file"], "no text.txt found to tamper with\n")
        return
    text = texts[0]
    text.write_text(text.read_text(encoding="utf-8") + "A paragraph nobody captured.\n", encoding="utf-8")
    section.archive("verify", store=store)
    section.archive("verify", "--json", store=store)
    section.archive("snapshot", rev1, "--id", DEMO_ID, "--at", "2021-12-19T00:00:00Z", store=store)  # refused
    identity = {
        "GIT_AUTHOR_NAME": "Mallory",
        "GIT_AUTHOR_EMAIL": "mallory@example.org",
        "GIT_AUTHOR_DATE": "2021-12-19T00:00:00+00:00",
        "GIT_COMMITTER_NAME": "Mallory",
        "GIT_COMMITTER_EMAIL": "mallory@example.org",
        "GIT_COMMITTER_DATE": "2021-12-19T00:00:00+00:00",
    }
    done = run.execute(["git", "-C", str(store), "commit", "-q", "-am", "Quietly improve the text"], env=identity)
    section.note(["git", "commit"], f"$ git commit -am 'Quietly improve the text'\nexit: {done.code}\n")
    section.git(store, "log", "--format=%H %ad %s", "--date=iso-strict", "HEAD")
    section.archive("verify", store=store)
    section.archive("verify", "--json", store=store)
    section.archive("audit", store=store)
    section.archive("audit", "--json", store=store)
    section.archive("reproduce", store=store)
    section.archive("rebuild", "--into", str(run.tmp / "tampered-rebuilt"), store=store)
    section.archive("export", "--format", "jsonl", str(run.tmp / "tampered.jsonl"), store=store)
    section.archive("history", DEMO_ID, store=store)
    section.archive("snapshot", rev1, "--id", DEMO_ID, "--at", "2021-12-20T00:00:00Z", store=store)


def cli(run: Run) -> list[str]:
    """The help of the group and of every command (discovered, not listed here), the version, usage errors."""
    section = Section(run, "cli")
    section.archive("--version")
    top = section.archive("--help")
    commands = []
    listing = False
    for line in top.text.splitlines():
        if line.strip() == "Commands:":
            listing = True
        elif listing and line.startswith("  ") and line.strip():
            commands.append(line.split()[0])
    for command in commands:
        section.archive(command, "--help")
    section.archive()
    section.archive("no-such-command")
    section.archive("diff")
    section.archive("list", "--no-such-option")
    nothing = run.tmp / "not-a-store"
    nothing.mkdir()
    section.archive("list", store=nothing)
    section.archive("verify", store=nothing)
    section.archive("audit", "--json", store=nothing)
    section.archive("list", store=run.tmp / "missing-store")
    section.archive("list", cwd=nothing)  # the default ./snapshots does not exist
    section.archive("init", "--bare", store=run.tmp / "fresh-bare")
    section.archive("init", store=run.tmp / "fresh-bare")  # already a (bare) store
    section.archive("list", store=run.tmp / "fresh-bare")
    section.archive("log", store=run.tmp / "fresh-bare")
    section.archive("verify", store=run.tmp / "fresh-bare")
    section.archive("audit", store=run.tmp / "fresh-bare")
    section.archive("export", "--format", "bagit", str(run.tmp / "empty-bag"), store=run.tmp / "fresh-bare")
    (run.tmp / "a-file").write_text("not a directory\n", encoding="utf-8")
    section.archive("init", store=run.tmp / "a-file")
    section.archive("coverage", "x", store=run.tmp / "a-file")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        run.normalize.literals += [(f"127.0.0.1:{port}", "127.0.0.1:<PORT>"), (f"--port {port}", "--port <PORT>")]
        section.archive("serve", "--port", str(port), store=run.tmp / "fresh-bare", label=["serve", "port", "taken"])
    section.archive("serve", "--port", "70000")
    return commands


def record(archive: str, out: Path, shared: Path, keep: bool) -> None:
    """Record every section into ``out``; warn about any command of the CLI that no section ran."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty; give a new directory")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="archive-outputs-", dir="/tmp"))
    run = Run(str(Path(archive).absolute()), tmp, out, shared)
    try:
        inputs = copy_inputs(run)
        commands = cli(run)
        demo(run, inputs)
        terms(run, inputs, bare=False)
        terms(run, inputs, bare=True)
        terms_import(run, inputs)
        web(run, inputs)
        watch(run, inputs)
        collectors(run, inputs)
        tampered(run, inputs)
        missing = [command for command in commands if not run.commands[command]]
        lines = [f"{command}: {run.commands[command]} runs\n" for command in commands]
        (out / "coverage.txt").write_text("".join(lines), encoding="utf-8")
        if missing:
            print(f"warning: commands never run: {', '.join(missing)}", file=sys.stderr)
    finally:
        run.site.close()
        if keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    total = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"{total} files in {out}")


# --- comparing -----------------------------------------------------------------------------------------------------


def compare(first: Path, second: Path) -> int:
    """Print a unified diff of every file that differs; 1 if any does (or exists on one side only), else 0."""
    names_a = {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()}
    names_b = {p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file()}
    differ = 0
    for name in sorted(names_a | names_b):
        if name not in names_b or name not in names_a:
            print(f"Only in {first if name in names_a else second}: {name}")
            differ += 1
            continue
        a, b = (first / name).read_bytes(), (second / name).read_bytes()
        if a == b:
            continue
        differ += 1
        lines_a = a.decode("utf-8", "replace").splitlines()
        lines_b = b.decode("utf-8", "replace").splitlines()
        for line in difflib.unified_diff(lines_a, lines_b, f"{first}/{name}", f"{second}/{name}", lineterm=""):
            print(line)
    if differ:
        print(f"{differ} of {len(names_a | names_b)} files differ")
        return 1
    print(f"{len(names_a)} files identical")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", help="the archive executable to record (e.g. .venv/bin/archive)")
    parser.add_argument("--out", type=Path, help="a new or empty directory for the recordings")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared corpora's parent")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (for debugging)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("DIR_A", "DIR_B"), help="compare two recordings")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not args.archive or not args.out:
        parser.error("give --archive and --out, or --compare DIR_A DIR_B")
    record(args.archive, args.out, args.shared, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
