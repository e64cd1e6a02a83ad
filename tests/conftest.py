"""Shared fixtures: real git stores in temporary directories, real HTTP servers on 127.0.0.1 (a well-behaved one
and one that sends the broken answers a test sets)."""

from __future__ import annotations

import hashlib
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archive.cli import cli
from archive.store.repository import Store
from archive.web.viewer import ViewerServer, make_server

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_dbbbf4a16fd70257.txt"
SEED_REVISION = ROOT / "seeds" / "000_dbbbf4a16fd70257.rev1-illustrative.txt"
SHARED = ROOT.parent / "shared"

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | Example News</title>
<link rel="canonical" href="{canonical}">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-01T08:00:00Z">
<meta property="og:site_name" content="Example News">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<div class="ad">Advertisement: subscribe to Example Plus for unlimited access today</div>
<main><article>
<h1>{title}</h1>
{paragraphs}
</article></main>
<footer><p>Copyright 2024 Example News Corporation. All rights reserved. Privacy policy. Terms of use.</p></footer>
</body></html>
"""

STORY = [
    "The army sent 100,000 troops to the northern border on Saturday, officials said, "
    "in the largest deployment the region has seen in a decade.",
    "Residents of the border town of Karsk said they had watched convoys of tanks pass through the night. "
    "\u201cWe are afraid of what comes next,\u201d said Maria Petrova, a schoolteacher.",
    "The defence ministry reportedly told local officials to prepare shelters, according to two people "
    "familiar with the instructions, who spoke on condition of anonymity.",
    "Talks between the two governments are scheduled to resume in Geneva next week.",
]


def article_html(
    title: str = "Troops massed at the border",
    paragraphs: list[str] | None = None,
    canonical: str = "https://news.example.org/world/troops-border",
) -> str:
    """A news page with navigation, an ad and a footer around the article, like real pages have."""
    body = "\n".join(f"<p>{p}</p>" for p in (paragraphs or STORY))
    return ARTICLE_HTML.format(title=title, paragraphs=body, canonical=canonical)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    Store.init(path).close()
    return path


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    with Store.open(store_path) as opened:
        yield opened


@pytest.fixture
def run(store_path: Path) -> Callable[..., Result]:
    """Run the CLI against the test's store, as a user would."""
    runner = CliRunner()

    def invoke(*args: str, input: str | bytes | None = None) -> Result:
        return runner.invoke(cli, ["--store", str(store_path), *args], input=input, catch_exceptions=False)

    return invoke


def store_state(path: Path) -> tuple[str, str, dict[str, str]]:
    """Branch head, `git status`, and a hash of every file in the store (.git included)."""
    head = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--verify", "-q", "refs/heads/main"], capture_output=True, text=True
    ).stdout.strip()
    status = subprocess.run(
        ["git", "-C", str(path), "status", "--porcelain"], capture_output=True, text=True, check=True
    ).stdout
    files = {}
    for file in sorted(path.rglob("*")):
        relative = file.relative_to(path).as_posix()
        if file.is_file() and not relative.startswith(".git/archive/"):
            files[relative] = hashlib.sha256(file.read_bytes()).hexdigest()
    return head, status, files


def read_only_mount_works(path: Path) -> bool:
    """Whether this machine lets ``on_read_only_filesystem`` mount ``path`` read-only (user namespaces)."""
    probe = f"mount --bind {path} {path} && mount -o remount,ro,bind {path} && ! touch {path}/probe 2>/dev/null"
    done = subprocess.run(["unshare", "-Urm", "sh", "-c", probe], capture_output=True)
    return done.returncode == 0


def on_read_only_filesystem(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a private mount namespace where ``store`` is a read-only bind mount: a real EROFS."""
    command = shlex.join([sys.executable, "-m", "archive", "--store", str(store), *args])
    script = f"mount --bind {store} {store} && mount -o remount,ro,bind {store} && exec {command}"
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        ["unshare", "-Urm", "sh", "-c", script], capture_output=True, text=True, env=environment, cwd=ROOT
    )


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, check=True).stdout


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    delay: float = 0.0


class WebServer:
    """A real HTTP server on 127.0.0.1 whose pages the test sets; it records the requests it got."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404, "Not Found")
                    return
                if route.delay:
                    time.sleep(route.delay)
                etag, modified = route.headers.get("ETag"), route.headers.get("Last-Modified")
                if (etag and self.headers.get("If-None-Match") == etag) or (
                    modified and not etag and self.headers.get("If-Modified-Since") == modified
                ):
                    self.send_response(304)  # a conditional GET whose validator still holds, as real servers answer
                    self.send_header("ETag", etag or "")
                    self.end_headers()
                    return
                try:
                    self.send_response(route.status)
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str, html: str | bytes, **route: object) -> str:
        body = html.encode("utf-8") if isinstance(html, str) else html
        self.routes[path] = Route(body=body, **route)  # type: ignore[arg-type]
        return self.url(path)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def web() -> Iterator[WebServer]:
    server = WebServer()
    yield server
    server.close()


def archive_terms_versions(store: Store) -> list[str]:
    """Archive every version of the shared terms-versions corpus at its recorded date; returns the article ids."""
    import json

    from archive.ingest.snapshot import snapshot
    from archive.model import parse_time

    ids = []
    for folder in sorted((SHARED / "corpora" / "terms-versions").iterdir()):
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        article_id = folder.name.lower()
        for version in meta["versions"]:
            snapshot(store, str(folder / version["file"]), article_id=article_id, at=parse_time(version["author_date"]))
        ids.append(article_id)
    return ids


class RawServer:
    """A TCP server on 127.0.0.1 that answers every request with the bytes the test sets, then hangs up:
    for the broken answers (a short body, a chunked body cut off) that a well-behaved server never sends."""

    def __init__(self) -> None:
        self.answers: dict[str, bytes] = {}
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.base = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                continue
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                path = request.split(b" ", 2)[1].decode() if request.count(b" ") >= 2 else "/"
                answer = self.answers.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                try:
                    connection.sendall(answer)
                    connection.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

    def short_body(self, path: str, body: bytes, missing: int) -> str:
        """``body`` without its last ``missing`` bytes, under a Content-Length for all of it."""
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
        self.answers[path] = head.encode() + b"Connection: close\r\n\r\n" + body[: len(body) - missing]
        return self.base + path

    def cut_chunked(self, path: str, body: bytes) -> str:
        """``body`` in chunks, the connection closed before the last chunk and the terminating 0-chunk."""
        half = len(body) // 2
        chunks = f"{half:x}\r\n".encode() + body[:half] + b"\r\n"
        chunks += f"{len(body) - half:x}\r\n".encode() + body[half : half + 100]
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n"
        self.answers[path] = head + b"Connection: close\r\n\r\n" + chunks
        return self.base + path

    def whole(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> str:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        self.answers[path] = head.encode() + b"Connection: close\r\n\r\n" + body
        return self.base + path

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.close()


def make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed test CA made with the openssl CLI: (certificate, key)."""
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", str(key), "-out", str(certificate), "-subj", f"/CN={name}", "-days", "3650"),
            *("-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


class TimeStampAuthority:
    """A real RFC 3161 TSA on 127.0.0.1: ``openssl ts -reply`` behind an HTTP server, with a test CA and a TSA
    certificate (extendedKeyUsage critical timeStamping) made at start with the openssl CLI.

    ``lying``: answer every request with a token over another imprint (a query for other data); ``down``:
    answer 503. The token
    embeds the TSA's certificate only: OpenSSL writes a CMS certificate set in the order given, not DER's
    sorted order, which rfc3161-client (rightly strict) refuses to parse."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ca, ca_key = make_ca(folder, "Test TSA CA")
        key, request, self.certificate = folder / "tsa.key", folder / "tsa.csr", folder / "tsa.crt"
        extensions = folder / "tsa.ext"
        extensions.write_text(
            "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n"
        )
        subprocess.run(
            [
                *("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
                *("-keyout", str(key), "-out", str(request), "-subj", "/CN=Test TSA"),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *("openssl", "x509", "-req", "-in", str(request), "-CA", str(self.ca), "-CAkey", str(ca_key)),
                *("-CAcreateserial", "-out", str(self.certificate), "-days", "3650", "-extfile", str(extensions)),
            ],
            check=True,
            capture_output=True,
        )
        (folder / "serial").write_text("01\n")
        self.config = folder / "tsa.cnf"
        self.config.write_text(
            "[ tsa ]\ndefault_tsa = test\n[ test ]\n"
            f"serial = {folder}/serial\ncrypto_device = builtin\nsigner_cert = {self.certificate}\n"
            f"signer_key = {key}\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n"
            "digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = yes\ntsa_name = yes\n"
            "ess_cert_id_chain = no\ness_cert_id_alg = sha256\n"
        )
        self.lying = False
        self.down = False  # answer 503 Service Unavailable
        self.requests = 0
        authority = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if authority.down:
                    self.send_error(503)
                    return
                with lock:
                    authority.requests += 1
                    reply = authority.reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def reply(self, query: bytes) -> bytes:
        """``openssl ts -reply`` to the query (or, lying, to a query over other data)."""
        query_file, reply_file = self.folder / "query.tsq", self.folder / "reply.tsr"
        query_file.write_bytes(query)
        if self.lying:
            other = self.folder / "other-data"
            other.write_text("not what was asked")
            subprocess.run(
                ["openssl", "ts", "-query", "-data", str(other), "-sha256", "-cert", "-out", str(query_file)],
                check=True,
                capture_output=True,
            )
        subprocess.run(
            [
                *("openssl", "ts", "-reply", "-config", str(self.config)),
                *("-queryfile", str(query_file), "-out", str(reply_file)),
            ],
            check=True,
            capture_output=True,
        )
        return reply_file.read_bytes()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[TimeStampAuthority]:
    authority = TimeStampAuthority(tmp_path / "tsa")
    yield authority
    authority.close()


@contextmanager
def served(store_path: Path) -> Iterator[ViewerServer]:
    """The viewer over the store at ``store_path`` on a free port of 127.0.0.1, in a thread; closed after."""
    store = Store.open(store_path)
    server = make_server(store, port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        store.close()
