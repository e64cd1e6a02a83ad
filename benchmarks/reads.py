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
import statistics
import subprocess
from pathlib import Path

from _common import ARCHIVE, pick_article, run_process, text_path


def run(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user and system) and peak resident memory (MiB) of one run of ``command``;
    fails loudly on an error."""
    usage = run_process(command)
    return usage.wall, usage.cpu, usage.peak_mib


def measure(command: list[str], runs: int) -> tuple[float, float, int]:
    results = [run(command) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
        max(r[2] for r in results),
    )


def versions_count(store: Path) -> int:
    result = subprocess.run(["git", "-C", str(store), "rev-list", "--count", "HEAD"], capture_output=True, text=True)
    return int(result.stdout.strip() or 0)


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
