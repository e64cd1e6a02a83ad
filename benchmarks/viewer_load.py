"""The viewer under load: requests per second and latency with concurrent clients, page kind by page kind.

    python benchmarks/viewer_load.py STORE [--seconds 10] [--clients 8] [--sample 500]

Starts ``archive serve --port 0`` on 127.0.0.1 over STORE (a separate process, as a user runs it), then,
for each kind of page, runs ``--clients`` threads that each request pages of that kind one after
another (a new connection each, as the viewer speaks HTTP/1.0) for ``--seconds``, and prints the
requests per second, p50 and p99 latency, and the mean size of a page. The pages are those of
``--sample`` articles with at least two versions, found among the newest commits with git, chosen at
random (seeded) for each request: article, version 1, the diff of versions 1 and 2, the list (its
first page and the pages after a few cursors) and a search of a word of a title. The baseline is the
same loop against the standard library's ``http.server`` (in this process, a thread a connection)
serving one static file of an article page's size. Each
kind is requested for half a second first, untimed (modules load on first use; the viewer opens a
store for each concurrent request).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

_TRAILERS = re.compile(r"^Article: (\S+)\nVersion: (\d+)$", re.MULTILINE)


def sample_articles(store: Path, size: int) -> list[str]:
    """Up to ``size`` articles with at least two versions, among the newest 50,000 commits."""
    log = subprocess.run(
        ["git", "-C", str(store), "log", "-n", "50000", "--format=%(trailers:only,unfold)%x00"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found: dict[str, None] = {}
    for entry in log.split("\0"):
        match = _TRAILERS.search(entry.strip())
        if match and int(match[2]) >= 2:
            found[match[1]] = None
            if len(found) >= size:
                break
    return list(found)


def fetch(port: int, path: str, timeout: float) -> tuple[float, int, int]:
    """Seconds, status and body size of one GET; status 0 when it took longer than ``timeout``."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    except TimeoutError:
        return time.perf_counter() - start, 0, 0
    finally:
        connection.close()
    return time.perf_counter() - start, response.status, len(body)


def load(port: int, paths: list[str], clients: int, seconds: float, seed: int, timeout: float) -> dict[str, float]:
    """Run ``clients`` threads requesting random ``paths`` for ``seconds``: req/s, p50 and p99 (ms), mean bytes,
    and how many requests timed out (counted in the latencies at the time they were given up)."""
    latencies: list[float] = []
    sizes: list[int] = []
    failures: list[str] = []
    timeouts: list[str] = []
    deadline = time.perf_counter() + seconds

    def client(number: int) -> None:
        chooser = random.Random(seed * 100 + number)
        while time.perf_counter() < deadline:
            path = chooser.choice(paths)
            elapsed, status, size = fetch(port, path, timeout)
            if status == 0:
                timeouts.append(path)
            elif status != 200:
                failures.append(f"{status} {path}")
            latencies.append(elapsed)
            sizes.append(size)

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} failed requests, e.g. {failures[0]}")
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "per_second": len(ordered) / wall,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "bytes": statistics.mean(sizes),
        "timeouts": len(timeouts),
    }


def start_server(command: list[str], pattern: str) -> tuple[subprocess.Popen[str], int]:
    """Start a server process and read its port from the first line of its output matching ``pattern``; the
    rest of its output is drained by a thread (a full pipe would stop the server) and its stderr dropped."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(pattern, line)
        if match:
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, int(match[1])
    raise SystemExit(f"{' '.join(command)} did not start")


def page_paths(port: int, articles: list[str]) -> dict[str, list[str]]:
    """The pages of each kind to request."""
    lists = ["/"]
    for _ in range(4):  # a few pages deeper, through the next links
        page = json.loads(_get(port, "/api" + lists[-1]))
        if not page.get("next"):
            break
        lists.append(page["next"].removeprefix("/api"))
    titles = [a["title"] for a in json.loads(_get(port, "/api/"))["articles"]]
    words = sorted({word for title in titles for word in re.findall(r"\w{4,}", title)})[:20] or ["article"]
    return {
        "article": [f"/articles/{quote(a)}" for a in articles],
        "version": [f"/articles/{quote(a)}/versions/1" for a in articles],
        "diff": [f"/articles/{quote(a)}/diff/1/2" for a in articles],
        "list": lists,
        "search": [f"/?q={quote(word)}" for word in words],
        "api list": ["/api" + path for path in lists],
    }


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _get(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", path)
    body = connection.getresponse().read().decode("utf-8")
    connection.close()
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=60.0, help="give a request up after this many seconds")
    options = parser.parse_args()
    articles = sample_articles(options.store, options.sample)
    if not articles:
        raise SystemExit(f"{options.store}: no article with two versions among the newest commits")
    serve = [sys.executable, "-m", "archive", "--store", str(options.store), "serve", "--port", "0"]
    viewer, port = start_server(serve, r"127\.0\.0\.1:(\d+)/")
    results: dict[str, dict[str, float]] = {}
    try:
        paths = page_paths(port, articles)
        for kind_paths in paths.values():  # warm up: modules loaded on first use, a store for each client
            load(port, kind_paths[:1], options.clients, 0.5, 0, options.timeout)
        for seed, (kind, kind_paths) in enumerate(paths.items()):
            results[kind] = load(port, kind_paths, options.clients, options.seconds, seed, options.timeout)
        article_size = int(results["article"]["bytes"])
    finally:
        viewer.terminate()
        viewer.wait()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "page.html").write_bytes(b"x" * article_size)
        handler = functools.partial(QuietHandler, directory=folder)
        static = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        static.daemon_threads = True
        threading.Thread(target=static.serve_forever, daemon=True).start()
        try:
            results["baseline: static file"] = load(
                static.server_address[1], ["/page.html"], options.clients, options.seconds, 99, options.timeout
            )
        finally:
            static.shutdown()
            static.server_close()
    print(f"{options.store}: {len(articles)} articles sampled, {options.clients} clients, {options.seconds:g} s a kind")
    print(f"{'page':24} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>9} {'timeouts':>8}")
    for kind, figures in results.items():
        print(
            f"{kind:24} {figures['requests']:8.0f} {figures['per_second']:8.1f} {figures['p50_ms']:8.1f} "
            f"{figures['p99_ms']:8.1f} {figures['bytes']:9.0f} {figures['timeouts']:8.0f}"
        )


if __name__ == "__main__":
    main()
