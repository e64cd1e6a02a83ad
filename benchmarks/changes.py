"""`archive changes --since` on stores of the French codes (real versions), against `git log --since`.

    python benchmarks/changes.py [--sizes 10k,100k,300k] [--stores /work/scale/stores-changes] [--runs 5]

Each store is `archive init --bare` + `archive import` of /work/scale/folder-<size> (folder-all for 300k), or a
`git clone --bare` of one built so already (``--from DIR/store-<size>``: objects are hard-linked, the lookup
cache is not copied, so this benchmark builds its own). The window is the last day before the store's latest
capture. Printed per size, whole processes timed:

- ``lookup``: building the lookup cache from the history (`archive list` on a store without one); ``first``:
  the first `archive changes --since` after it (the versions of the window compared and kept);
- ``compare ms``: what comparing one version with the one before costs (claims, as ``record_changes`` does it),
  over the store's newest ``--sample`` versions that have a predecessor, in this process; the reason the bulk
  import does not compare while it writes (docs/changes.md);
- ``changes``: the median of later runs of `archive changes --since … --all` (answered from the cache);
  ``git log``: `git log --since` over the same window on the same store, the baseline; the ratio of the two;
  the CPU seconds of each (user + system: what a run costs when a shared machine makes wall times wander);
  and the peak memory of one run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from _common import ARCHIVE, run_process

SCALE = Path("/work/scale")
FOLDERS = {"10k": "folder-10k", "100k": "folder-100k", "300k": "folder-all"}


def timed(command: list[str]) -> tuple[float, int, str, float]:
    """Wall seconds, peak resident memory (MiB), standard output and CPU seconds of one run of ``command``
    (the CPU time says what the run costs when the machine is shared and wall times wander)."""
    usage = run_process(command, capture=True)
    return usage.wall, usage.peak_mib, usage.stdout, usage.cpu


def compare_ms(path: Path, sample: int) -> float:
    """Milliseconds of CPU to compare one version with the one before (the newest ``sample`` that have one)."""
    from archive.review.changelog import version_changes
    from archive.store.repository import Store

    with Store.open(path) as store:
        lookup = store.lookup
        rows = [row for row in lookup.all_versions() if row[1] > 1]
        rows.sort(key=lambda row: row[3]["captured_at"], reverse=True)
        chosen = rows[:sample]
        if not chosen:
            return float("nan")
        version_changes(store, lookup.version_row(chosen[0][0], chosen[0][1] - 1), chosen[0])  # imports, once
        start = time.process_time()
        for row in chosen:
            previous = lookup.version_row(row[0], row[1] - 1)
            assert previous is not None
            version_changes(store, previous, row)
        return (time.process_time() - start) * 1000 / len(chosen)


def build(store: Path, size: str, source: Path | None) -> None:
    if (store / "refs").is_dir():
        return
    store.parent.mkdir(parents=True, exist_ok=True)
    if source is not None and (source / "DONE").exists():
        subprocess.run(["git", "clone", "--bare", "--quiet", str(source), str(store)], check=True)
        return
    subprocess.run([*ARCHIVE, "--store", str(store), "init", "--bare"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*ARCHIVE, "--store", str(store), "import", str(SCALE / FOLDERS[size])], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--stores", type=Path, default=SCALE / "stores-changes")
    parser.add_argument("--from", dest="source", type=Path, default=None, help="DIR holding store-<size> to clone")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sample", type=int, default=200, help="versions compared in process for 'compare ms'")
    arguments = parser.parse_args()
    print(f"{'size':>5} {'versions':>8} {'in window':>9} {'changes':>7} {'lookup s':>8} {'first s':>8} "
          f"{'changes s':>9} {'git log s':>9} {'ratio':>6} {'cpu s':>6} {'git cpu':>7} {'peak MiB':>8} "
          f"{'compare ms':>10}")  # fmt: skip
    for size in arguments.sizes.split(","):
        store = arguments.stores / f"store-{size}"
        build(store, size, arguments.source / f"store-{size}" if arguments.source else None)
        git = ["git", "-C", str(store)]
        versions = int(subprocess.run([*git, "rev-list", "--count", "main"], capture_output=True, text=True).stdout)
        last = datetime.fromisoformat(
            subprocess.run([*git, "log", "-1", "--format=%cI", "main"], capture_output=True, text=True).stdout.strip()
        )
        since = (last - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        cache = store / "archive" / "index.sqlite3"
        cache.unlink(missing_ok=True)
        lookup, *_ = timed([*ARCHIVE, "--store", str(store), "list", "--json"])
        first, *_ = timed([*ARCHIVE, "--store", str(store), "changes", "--since", since, "--all", "--json"])
        command = [*ARCHIVE, "--store", str(store), "changes", "--since", since, "--all"]
        runs = [timed(command) for _ in range(arguments.runs)]
        baselines = [
            timed([*git, "log", f"--since={since}", "--format=%H %cI %s", "main"]) for _ in range(arguments.runs)
        ]
        baseline = statistics.median(run[0] for run in baselines)
        in_window = subprocess.run(
            [*git, "rev-list", "--count", f"--since={since}", "main"], capture_output=True, text=True
        ).stdout.strip()
        warm = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[3] for run in runs)
        baseline_cpu = statistics.median(run[3] for run in baselines)
        listed = len([line for line in runs[0][2].splitlines() if line and not line.startswith("No changes")])
        peak = max(run[1] for run in runs)
        ratio = warm / baseline
        print(f"{size:>5} {versions:>8} {in_window:>9} {listed:>7} {lookup:>8.2f} {first:>8.2f} "
              f"{warm:>9.3f} {baseline:>9.3f} {ratio:>6.1f} {cpu:>6.3f} {baseline_cpu:>7.3f} {peak:>8} "
              f"{compare_ms(store, arguments.sample):>10.1f}")  # fmt: skip
        sys.stdout.flush()


if __name__ == "__main__":
    main()
