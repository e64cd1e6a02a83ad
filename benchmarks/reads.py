"""Read commands at scale: each one's whole-process time beside git's own, and its peak memory.

For each store given, every read command runs as a separate process several times (median wall time
and median CPU time, user and system, printed: on a shared machine the CPU time is the steadier figure)
next to its git baseline (``git log -n 20``; ``git show`` of the same version's text). Peak
memory is the child's ``ru_maxrss`` (``os.wait4``). The article read is one with at least two versions,
found among the newest commits with git alone, so the same article serves every command.

    python benchmarks/reads.py STORE [STORE...] [--runs 5]

To time another checkout of the code (for "before" figures), run it with ``PYTHONPATH=that/checkout``:
the child processes inherit it. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ARCHIVE = [sys.executable, "-m", "archive"]
_TRAILERS = re.compile(r"^Article: (\S+)\nVersion: (\d+)$", re.MULTILINE)


def run(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user and system) and peak resident memory (MiB) of one run of ``command``;
    fails loudly on an error."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {errors.decode(errors='replace').strip()}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def measure(command: list[str], runs: int) -> tuple[float, float, int]:
    results = [run(command) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
        max(r[2] for r in results),
    )


def pick_article(store: Path) -> tuple[str, int, str]:
    """An article with at least two versions among the newest commits: (id, latest number, its commit)."""
    log = subprocess.run(
        ["git", "-C", str(store), "log", "-n", "5000", "--format=%H%n%(trailers:only,unfold)%x00"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for entry in log.split("\0"):
        commit, _, trailers = entry.strip().partition("\n")
        found = _TRAILERS.search(trailers)
        if found and int(found.group(2)) >= 2:
            return found.group(1), int(found.group(2)), commit
    raise SystemExit(f"{store}: no article with two versions among the newest 5,000 commits")


def versions_count(store: Path) -> int:
    result = subprocess.run(["git", "-C", str(store), "rev-list", "--count", "HEAD"], capture_output=True, text=True)
    return int(result.stdout.strip() or 0)


def text_path(article: str) -> str:
    digest = hashlib.sha256(article.encode()).hexdigest()
    return "/".join(("articles", *digest[:4], article, "text.txt"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stores", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    for store in options.stores:
        article, latest, commit = pick_article(store)
        base = [*ARCHIVE, "--store", str(store)]
        list_help = subprocess.run([*base, "list", "--help"], capture_output=True, text=True).stdout
        list_command = [*base, "list", "-n", "20"] if "--limit" in list_help else [*base, "list"]
        commands = {
            "show ID@latest": [*base, "show", f"{article}@latest"],
            "history ID": [*base, "history", article],
            "diff ID": [*base, "diff", article],
            "claims ID": [*base, "claims", article],
            "log -n 20": [*base, "log", "-n", "20"],
            " ".join(list_command[len(base) :]): list_command,
            "git log -n 20 (baseline)": ["git", "-C", str(store), "log", "-n", "20"],
            "git show (baseline)": ["git", "-C", str(store), "show", f"{commit}:{text_path(article)}"],
        }
        print(f"\n{store}: {versions_count(store):,} commits; article {article} (v{latest})")
        print(f"{'command':28} {'median s':>9} {'CPU s':>7} {'peak MiB':>9}")
        for name, command in commands.items():
            seconds, cpu, peak = measure(command, options.runs)
            print(f"{name:28} {seconds:9.3f} {cpu:7.3f} {peak:9d}", flush=True)


if __name__ == "__main__":
    main()
