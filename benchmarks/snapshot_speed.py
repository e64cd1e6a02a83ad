"""How long `archive snapshot` and `archive diff` take as whole processes, next to plain git.

Run: python benchmarks/snapshot_speed.py
Prints medians of 5 runs and the ratio to a baseline measured in the same run:
  - snapshot of the seed into a fresh store, against `git add` + `git commit` of the same files;
  - a repeated (unchanged) snapshot;
  - `archive diff` of a 10,000-word pair, against `git diff --word-diff` of the same pair.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from _common import ARCHIVE, ROOT, median_seconds, ten_thousand_word_pair

SEED = ROOT / "seeds" / "000_dbbbf4a16fd70257.txt"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    try:
        store = work / "store"
        subprocess.run([*ARCHIVE, "--store", str(store), "init"], check=True, capture_output=True)

        def fresh_store() -> None:
            shutil.rmtree(store)
            subprocess.run([*ARCHIVE, "--store", str(store), "init"], check=True, capture_output=True)

        snapshot = [*ARCHIVE, "--store", str(store), "snapshot", str(SEED), "--at", "2021-12-17T12:00:00Z"]
        first = median_seconds(snapshot, setup=fresh_store)
        unchanged = median_seconds(snapshot)

        plain = work / "plain"

        def fresh_plain() -> None:
            shutil.rmtree(plain, ignore_errors=True)
            subprocess.run(["git", "init", "-q", str(plain)], check=True)
            shutil.copy(SEED, plain / "text.txt")

        git_commit = ["sh", "-c", f"cd {plain} && git add -A && git -c user.name=a -c user.email=a@b commit -qm v1"]
        baseline = median_seconds(git_commit, setup=fresh_plain)

        old, new = ten_thousand_word_pair()
        (work / "old.txt").write_text(old, encoding="utf-8")
        (work / "new.txt").write_text(new, encoding="utf-8")
        for name, at in (("old.txt", "2024-01-01"), ("new.txt", "2024-01-02")):
            subprocess.run(
                [
                    *ARCHIVE,
                    "--store",
                    str(store),
                    "snapshot",
                    str(work / name),
                    "--id",
                    "long",
                    "--title",
                    "Long",
                    "--at",
                    at,
                ],
                check=True,
                capture_output=True,
            )
        diff = median_seconds([*ARCHIVE, "--store", str(store), "diff", "long"])
        # git diff --no-index exits 1 when the files differ, hence the `|| true`.
        git_diff = median_seconds(
            ["sh", "-c", f"git diff --no-index --word-diff {work / 'old.txt'} {work / 'new.txt'} || true"]
        )

        print(
            f"snapshot seed, new version (median of 5):  {first * 1000:7.1f} ms   "
            f"baseline git add+commit {baseline * 1000:6.1f} ms   ratio {first / baseline:5.2f}x"
        )
        print(
            f"snapshot seed, unchanged (median of 5):    {unchanged * 1000:7.1f} ms   "
            f"ratio to git add+commit {unchanged / baseline:5.2f}x"
        )
        print(
            f"diff of a 10,000-word pair (median of 5):  {diff * 1000:7.1f} ms   "
            f"baseline git diff --word-diff {git_diff * 1000:6.1f} ms   ratio {diff / git_diff:5.2f}x"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
