"""The archive at scale, beside git's own commands on the same versions (issue 13's table).

Run: python benchmarks/scale.py --folder /work/scale/folder-10k --stream /work/scale/fi-10000.fi \\
         --work /tmp/scale-10k [--code today=/path/to/an/older/checkout] [--code new=.] [--results FILE] \\
         [--import-only]

``--folder`` is an ``archive import`` folder with its ``captures.yaml`` and ``--stream`` the same versions
as a ``git fast-import`` stream (both made by ../shared/tools/codecivil_corpus.py from the French codes).
For each ``--code`` (a checkout whose ``archive`` package is run with PYTHONPATH; default: this one)
it imports the folder into a new bare store and measures, each a whole process:
  - the import's rate in versions/s, against ``git fast-import`` of the stream, its CPU seconds (user and
    system, worker processes included) and its peak memory (the largest resident set of the import's
    processes), with the load average at the start (other work on the same cores);
  - the store's size after ``archive maintenance`` (``git gc`` where the code has no such command),
    against fast-import's repository after the same ``git gc``; the lookup cache's size apart;
  - ``log -n 20``, ``show ID@latest``, ``history``, ``diff`` (medians of 3, the article with the most
    versions) against ``git log -n 20`` and ``git show``;
  - ``verify`` in versions/s against ``git fsck --full --strict``, and ``verify --since-verified``;
  - one ``snapshot`` of a new article into the big store, against ``git add`` + ``git commit`` of a
    file in a small repository.
``--import-only`` measures the import and fast-import alone (the bulk path's table, 296k included).
Each run adds its rows to ``--results`` (JSON lines) and prints the table of all rows there, so the
sizes run one by one (10k often, 300k once) end in one table. Not part of the test suite: it takes
minutes at 10k and hours at 300k on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import ROOT, run_process

RUNS = 3


def run(
    command: list[str], env: dict[str, str] | None = None, stdin: Path | None = None
) -> tuple[float, float, str, float]:
    """Run ``command``: (seconds, peak resident memory in MB of it or of the largest process it waited for,
    stdout, CPU seconds of it and the processes it waited for: user and system).

    An archive command runs in the checkout PYTHONPATH names, so that ``python -m archive`` finds that one.
    """
    cwd = env.get("PYTHONPATH") if env else None
    usage = run_process(command, env=env, cwd=cwd, capture=True, stdin=stdin)
    return usage.wall, usage.peak_kib / 1024, usage.stdout, usage.cpu


def median(command: list[str], env: dict[str, str] | None = None) -> float:
    return statistics.median(run(command, env)[0] for _ in range(RUNS))


def size_of(path: Path) -> int:
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def load_average() -> float:
    """The machine's load over the last minute (other work sharing the cores), noted beside each figure."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def fast_import(stream: Path, work: Path, import_only: bool = False) -> dict[str, Any]:
    """git's own figures for the same versions: fast-import, its size after ``git gc``, fsck, log, show."""
    repo = work / "fast-import.git"
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    load = load_average()
    seconds, peak, _, cpu = run(["git", "-C", str(repo), "fast-import", "--quiet"], stdin=stream)
    versions = int(git(repo, "rev-list", "--count", "refs/heads/main"))
    raw = size_of(repo / "objects")
    figures = {"versions": versions, "seconds": seconds, "cpu": cpu, "rate": versions / seconds, "peak_mb": peak}
    figures.update(load=load, size_raw=raw)
    if import_only:
        return figures
    gc = run(["git", "-C", str(repo), "gc", "--quiet"])[0]
    fsck = median(["git", "-C", str(repo), "fsck", "--full", "--strict", "--no-progress"])
    return {
        **figures,
        "size_gc": size_of(repo / "objects"),
        "gc_seconds": gc,
        "fsck_seconds": fsck,
        "fsck_rate": versions / fsck,
        "log_seconds": median(["git", "-C", str(repo), "log", "-n", "20", "--format=%H %s", "refs/heads/main"]),
        "show_seconds": median(["git", "-C", str(repo), "show", "refs/heads/main"]),
    }


def git_commit_seconds(work: Path) -> float:
    """``git add`` + ``git commit`` of one file in a small repository, the baseline of one snapshot."""
    plain = work / "plain"
    shutil.rmtree(plain, ignore_errors=True)
    subprocess.run(["git", "init", "-q", str(plain)], check=True)
    times = []
    for number in range(RUNS):
        (plain / "text.txt").write_text(f"version {number}\n")
        start = time.perf_counter()
        subprocess.run(["git", "-C", str(plain), "add", "text.txt"], check=True)
        subprocess.run(["git", "-C", str(plain), "commit", "-q", "-m", f"v{number}"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def archive_figures(code: Path, folder: Path, work: Path, label: str, import_only: bool = False) -> dict[str, Any]:
    """Import ``folder`` with the archive of checkout ``code`` and time what the table lists."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    archive = [sys.executable, "-m", "archive"]
    store = work / f"store-{label}"
    shutil.rmtree(store, ignore_errors=True)
    on = [*archive, "--store", str(store)]
    run([*on, "init", "--bare"], env)
    load = load_average()
    seconds, peak, output, cpu = run([*on, "import", str(folder), "--json"], env)
    report = json.loads(output)
    written = report["written"]
    head = git(store, "rev-parse", "refs/heads/main").strip()
    figures: dict[str, Any] = {"head": head, "written": written, "seconds": seconds, "peak_mb": peak}
    figures.update(rate=written / seconds, cpu=cpu, load=load, load_after=load_average())
    figures["size_before"] = size_of(store / "objects")
    if import_only:
        return figures
    cache = store / "archive" / "index.sqlite3"
    has_maintenance = "maintenance" in run([*on, "--help"], env)[2]
    if has_maintenance:
        figures["maintenance_seconds"] = run([*on, "maintenance"], env)[0]
    else:
        figures["maintenance_seconds"] = run(["git", "-C", str(store), "gc", "--quiet"])[0]
    figures["maintenance"] = "archive maintenance" if has_maintenance else "git gc"
    figures["size_objects"] = size_of(store / "objects")
    figures["size_cache"] = cache.stat().st_size if cache.exists() else 0
    # The article with the most versions, from the commit messages' trailers (git alone, no cache).
    articles = re.findall(r"^Article: (\S+)$", git(store, "log", "--format=%B", "refs/heads/main"), re.MULTILINE)
    article = max(sorted(set(articles)), key=articles.count)
    figures["article"] = article
    figures["log_seconds"] = median([*on, "log", "-n", "20"], env)
    figures["show_seconds"] = median([*on, "show", f"{article}@latest"], env)
    figures["history_seconds"] = median([*on, "history", article], env)
    figures["diff_seconds"] = median([*on, "diff", article], env)
    figures["verify_seconds"] = run([*on, "verify"], env)[0]
    figures["verify_rate"] = written / figures["verify_seconds"]
    if "--since-verified" in run([*on, "verify", "--help"], env)[2]:
        figures["since_verified_seconds"] = median([*on, "verify", "--since-verified"], env)
    page = work / "new-page.md"
    times = []
    for number in range(RUNS):
        page.write_text(f"# A new article\n\nIts text, version {number}, with a few more words.\n")
        times.append(run([*on, "snapshot", str(page), "--id", f"scale-new-{number}"], env)[0])
    figures["snapshot_seconds"] = statistics.median(times)
    return figures


ROWS = [
    (
        "import, versions/s",
        lambda a, g: f"{a['rate']:,.0f}/s (fast-import {g['rate']:,.0f}/s, ×{g['rate'] / a['rate']:.2f})",
    ),
    ("import, seconds", lambda a, g: f"{a['seconds']:.1f} s (fast-import {g['seconds']:.1f} s)"),
    (
        "import, CPU seconds",
        lambda a, g: f"{a['cpu']:.1f} s (fast-import {g['cpu']:.1f} s)" if "cpu" in a else "-",
    ),
    ("import, peak memory", lambda a, g: f"{a['peak_mb']:,.0f} MB (fast-import {g['peak_mb']:,.0f} MB)"),
    (
        "load average (1 min) at the start",
        lambda a, g: f"{a['load']:.1f} (fast-import {g['load']:.1f})" if "load" in a else "-",
    ),
    ("store before maintenance", lambda a, g: f"{a['size_before'] / 2**20:,.0f} MiB"),
    (
        "store after maintenance",
        lambda a, g: (
            f"{a['size_objects'] / 2**20:,.0f} MiB, {a['size_objects'] / g['size_gc']:.2f}× fast-import "
            f"after git gc ({g['size_gc'] / 2**20:,.0f} MiB; {a['maintenance']} {a['maintenance_seconds']:.0f} s)"
        ),
    ),
    ("lookup cache (SQLite)", lambda a, g: f"{a['size_cache'] / 2**20:,.0f} MiB"),
    ("log -n 20", lambda a, g: f"{a['log_seconds']:.2f} s (git log {g['log_seconds'] * 1000:.0f} ms)"),
    ("show ID@latest", lambda a, g: f"{a['show_seconds']:.2f} s (git show {g['show_seconds'] * 1000:.0f} ms)"),
    ("history ID", lambda a, g: f"{a['history_seconds']:.2f} s"),
    ("diff ID", lambda a, g: f"{a['diff_seconds']:.2f} s"),
    (
        "verify",
        lambda a, g: (
            f"{a['verify_rate']:,.0f}/s, {a['verify_seconds']:.1f} s "
            f"({a['verify_seconds'] / g['fsck_seconds']:.1f}× git fsck --full --strict)"
        ),
    ),
    (
        "verify --since-verified",
        lambda a, g: f"{a['since_verified_seconds']:.2f} s" if "since_verified_seconds" in a else "-",
    ),
    (
        "snapshot (whole process)",
        lambda a, g: f"{a['snapshot_seconds'] * 1000:.0f} ms (git add+commit {g['git_commit_seconds'] * 1000:.0f} ms)",
    ),
]


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one column per run (code and size), one row per figure."""
    heads = [f"{row['label']} @ {row['git']['versions']:,}" for row in rows]
    lines = ["| | " + " | ".join(heads) + " |", "|---" * (len(rows) + 1) + "|"]
    for name, cell in ROWS:
        lines.append(f"| {name} | " + " | ".join(_cell(cell, row) for row in rows) + " |")
    heads_line = " | ".join(row["archive"]["head"][:12] for row in rows)
    lines.append(f"| branch head | {heads_line} |")
    return "\n".join(lines)


def _cell(cell: Any, row: dict[str, Any]) -> str:
    """A figure of ``row``, or "-" where the run did not measure it (``--import-only``)."""
    try:
        return str(cell(row["archive"], row["git"]))
    except KeyError:
        return "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True, help="an archive import folder (with captures.yaml)")
    parser.add_argument("--stream", type=Path, required=True, help="the same versions as a git fast-import stream")
    parser.add_argument("--work", type=Path, required=True, help="where the stores are built (replaced)")
    parser.add_argument("--code", action="append", default=[], help="LABEL=CHECKOUT to measure (default: this one)")
    parser.add_argument("--results", type=Path, default=None, help="JSON lines to add to (default: WORK/results.jsonl)")
    parser.add_argument("--import-only", action="store_true", help="measure the import and fast-import alone")
    arguments = parser.parse_args()
    work: Path = arguments.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    results: Path = arguments.results or work / "results.jsonl"
    codes = [entry.split("=", 1) for entry in arguments.code] or [["this", str(ROOT)]]
    baseline = fast_import(arguments.stream, work, arguments.import_only)
    if not arguments.import_only:
        baseline["git_commit_seconds"] = git_commit_seconds(work)
    for label, code in codes:
        figures = archive_figures(Path(code).resolve(), arguments.folder.resolve(), work, label, arguments.import_only)
        row = {"label": label, "code": str(code), "folder": str(arguments.folder), "git": baseline, "archive": figures}
        with open(results, "a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")
    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(table(rows))


if __name__ == "__main__":
    main()
