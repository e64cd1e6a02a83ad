"""The viewer under load: requests per second and latency with concurrent clients, page kind by page kind.

    python benchmarks/viewer_load.py STORE [--seconds 10] [--clients 8] [--sample 500] [--cold 60]
        [--code DIR --code DIR …] [--copy-to FOLDER]

Starts ``archive serve --port 0`` on 127.0.0.1 over STORE (a separate process, as a user runs it), then
runs ``--clients`` threads that each request pages one after another (a new connection each, as the
viewer speaks HTTP/1.0), and prints the requests per second, p50 and p99 latency, the mean size of a page,
and the server's CPU seconds (user + system, from /proc) with the load average when the kind started.
The pages are those of ``--sample`` articles with at least two versions, found among the newest commits
with git: article, version 1, the diff of versions 1 and 2, the list (its first page and the pages after
a few cursors) and a search of a word of a title.

The article, version and diff pages are measured twice. **Cold**: each of ``--cold`` pages of the kind
(articles of their own for each kind, so one kind's comparisons do not warm another's) requested once,
the clients taking the next page in turn: the first hit of each page, with its claim comparisons.
**Warm**: then pages of those same articles chosen at random (seeded) for ``--seconds``. The list, search
and ``/api/`` list are measured warm only (each kind requested for half a second first, untimed). Before
the cold pages, the server is warmed up on the last page of each kind (an article outside the cold ones):
modules load and templates compile on first use, and the viewer opens a store for each concurrent request.

The baseline is the same loop against the standard library's ``http.server`` (in this process, a thread
a connection) serving one static file of an article page's size.

``--code DIR`` (repeatable) serves with the ``archive`` package of another checkout (e.g. a worktree of
the code before a change), so before and after are measured side by side in one run; ``--copy-to FOLDER``
serves a fresh ``cp -a`` copy of STORE under FOLDER for each, since the viewer keeps what it compares in
the store's lookup cache (a second run over the same store is no longer cold). ``--restart`` measures
each checkout a second time, with a new server process over the same store: its first hits find the
change counts the first run kept, but no page or comparison kept in the first process.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
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


def load(
    port: int, paths: list[str], clients: int, seconds: float, seed: int, timeout: float, once: bool = False
) -> dict[str, float]:
    """Run ``clients`` threads requesting random ``paths`` for ``seconds`` (or, ``once``, each of ``paths`` once,
    the clients taking the next in turn): req/s, p50 and p99 (ms), mean bytes, and how many requests timed out
    (counted in the latencies at the time they were given up)."""
    latencies: list[float] = []
    sizes: list[int] = []
    failures: list[str] = []
    timeouts: list[str] = []
    deadline = time.perf_counter() + seconds
    queue = list(reversed(paths))
    lock = threading.Lock()

    def next_path(chooser: random.Random) -> str | None:
        if not once:
            return chooser.choice(paths) if time.perf_counter() < deadline else None
        with lock:
            return queue.pop() if queue else None

    def client(number: int) -> None:
        chooser = random.Random(seed * 100 + number)
        while (path := next_path(chooser)) is not None:
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


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def measured(pid: int | None, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """``run``'s figures, with the load average when it started and the CPU seconds ``pid`` spent in it."""
    load_before, cpu_before = load_average(), cpu_seconds(pid) if pid else 0.0
    figures = run()
    cpu = cpu_seconds(pid) - cpu_before if pid else 0.0
    return {**figures, "load": load_before, "cpu_s": cpu}


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
    """The pages of each kind to request (the article, version and diff pages of an article each, a third of
    ``articles`` to each kind)."""
    lists = ["/"]
    for _ in range(4):  # a few pages deeper, through the next links
        page = json.loads(_get(port, "/api" + lists[-1]))
        if not page.get("next"):
            break
        lists.append(page["next"].removeprefix("/api"))
    titles = [a["title"] for a in json.loads(_get(port, "/api/"))["articles"]]
    words = sorted({word for title in titles for word in re.findall(r"\w{4,}", title)})[:20] or ["article"]
    return {
        "article": [f"/articles/{quote(a)}" for a in articles[0::3]],
        "version": [f"/articles/{quote(a)}/versions/1" for a in articles[1::3]],
        "diff": [f"/articles/{quote(a)}/diff/1/2" for a in articles[2::3]],
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


COLD_KINDS = ("article", "version", "diff")


def measure(
    store: Path, code: Path | None, articles: list[str], options: argparse.Namespace
) -> dict[str, dict[str, float]]:
    """Every kind's figures for the viewer of ``code`` (this checkout's when None) over ``store``."""
    prefix = f"import sys; sys.path.insert(0, {str(code)!r}); " if code else ""
    serve = [sys.executable, "-c", prefix + "import runpy; runpy.run_module('archive', run_name='__main__')"]
    serve += ["--store", str(store), "serve", "--port", "0"]
    viewer, port = start_server(serve, r"127\.0\.0\.1:(\d+)/")
    results: dict[str, dict[str, float]] = {}
    try:
        paths = page_paths(port, articles)
        for kind, kind_paths in paths.items():  # warm up: modules loaded on first use, a store for each client
            warm_up = kind_paths[-1:] if kind in COLD_KINDS and len(kind_paths) > options.cold else kind_paths[:1]
            if kind in COLD_KINDS and len(kind_paths) <= options.cold:
                continue  # no page outside the cold ones
            load(port, warm_up, options.clients, 0.5, 0, options.timeout)
        for seed, (kind, kind_paths) in enumerate(paths.items()):
            if kind in COLD_KINDS:
                cold = kind_paths[: options.cold]
                results[f"{kind} cold"] = measured(
                    viewer.pid,
                    functools.partial(load, port, cold, options.clients, 0, seed, options.timeout, once=True),
                )
                kind_paths = cold
            results[f"{kind} warm" if kind in COLD_KINDS else kind] = measured(
                viewer.pid,
                functools.partial(load, port, kind_paths, options.clients, options.seconds, seed, options.timeout),
            )
    finally:
        viewer.terminate()
        viewer.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--cold", type=int, default=60, help="pages of each kind requested cold (first hits)")
    parser.add_argument("--code", type=Path, action="append", help="serve with this checkout's archive package")
    parser.add_argument("--copy-to", type=Path, help="serve a fresh copy of STORE made under this folder each time")
    parser.add_argument("--restart", action="store_true", help="measure again with a new server over the same store")
    parser.add_argument("--timeout", type=float, default=60.0, help="give a request up after this many seconds")
    options = parser.parse_args()
    articles = sample_articles(options.store, options.sample)
    if not articles:
        raise SystemExit(f"{options.store}: no article with two versions among the newest commits")
    runs: dict[str, dict[str, dict[str, float]]] = {}
    for code in options.code or [None]:
        label = str(code) if code else "this checkout"
        store = options.store
        if options.copy_to:
            store = options.copy_to / f"viewer-load-{len(runs)}"
            shutil.rmtree(store, ignore_errors=True)
            subprocess.run(["cp", "-a", str(options.store), str(store)], check=True)
        try:
            runs[label] = measure(store, code, articles, options)
            if options.restart:
                runs[f"{label}, restarted"] = measure(store, code, articles, options)
        finally:
            if options.copy_to:
                shutil.rmtree(store, ignore_errors=True)
    article_size = int(next(iter(runs.values()))["article warm"]["bytes"])
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "page.html").write_bytes(b"x" * article_size)
        handler = functools.partial(QuietHandler, directory=folder)
        static = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        static.daemon_threads = True
        threading.Thread(target=static.serve_forever, daemon=True).start()
        try:
            baseline = measured(
                None,
                lambda: load(static.server_address[1], ["/page.html"], options.clients, options.seconds, 99,
                             options.timeout),
            )  # fmt: skip
        finally:
            static.shutdown()
            static.server_close()
    print(f"{options.store}: {len(articles)} articles sampled, {options.clients} clients, {options.seconds:g} s a "
          f"warm kind, {options.cold} pages a cold kind")  # fmt: skip
    header = f"{'page':20} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>9} {'timeouts':>8}"
    for label, results in runs.items():
        print(f"\n{label}\n{header} {'cpu s':>7} {'load':>5}")
        for kind, figures in [*results.items(), ("baseline: static file", baseline)]:
            print(
                f"{kind:20} {figures['requests']:8.0f} {figures['per_second']:8.1f} {figures['p50_ms']:8.1f} "
                f"{figures['p99_ms']:8.1f} {figures['bytes']:9.0f} {figures['timeouts']:8.0f} "
                f"{figures['cpu_s']:7.1f} {figures['load']:5.1f}"
            )


if __name__ == "__main__":
    main()
