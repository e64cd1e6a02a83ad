"""How long `archive verify`, `audit` and `rebuild` take on a store of 10,000 versions, next to plain git.

Run: python benchmarks/verify.py [VERSIONS]   (default 10,000: 1,000 articles of 10 versions each)
or:  python benchmarks/verify.py --store PATH [--store PATH...] [--checkout DIR...] [--runs N]
     `archive verify` on existing stores (e.g. the French codes at 10k and 100k versions), as run by this
     checkout and by each other checkout given, by turns, beside `git fsck --full --strict` on the same store:
     versions a second, wall and CPU seconds (user+sys of the process and its children, os.wait4), peak
     memory and the load average, median of N runs. verify writes nothing to the store.
Builds the store in one writing() block (one pack, one move of the branch), from texts made of real prose
with realistic edits, then prints each command's wall time as a separate process and its ratio to
baselines measured in the same run on the same store:
  - `git fsck --full --strict`: what git itself does to check the object database (verify runs it too);
  - `git log -p`: reading every commit and every change once, as any full walk must.
`archive rebuild` re-extracts every text from its raw capture and replays all versions into a new store;
it reports whether the commit ids came out the same.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import ARCHIVE, median_seconds, real_words, run_process

from archive.capture.extract import extract
from archive.capture.fetch import Capture
from archive.ingest.snapshot import add_version, describe
from archive.store.repository import Store
from archive.store.writer import NewVersion

VERSIONS_PER_ARTICLE = 10


def build(path: Path, versions: int, seed: int = 4) -> float:
    """A store of ``versions`` versions; returns the seconds it took."""
    rng = random.Random(seed)
    words = real_words()
    start = time.perf_counter()
    Store.init(path).close()
    articles = max(1, versions // VERSIONS_PER_ARTICLE)
    texts = []
    for article in range(articles):
        offset = rng.randrange(len(words) - 400)
        paragraphs = [" ".join(words[offset + i : offset + i + 60]) for i in range(0, 300, 60)]
        texts.append([f"Story {article}", *paragraphs])
    base = datetime(2024, 1, 1, tzinfo=UTC)
    with Store.open(path) as store, store.writing() as writer:
        for round_number in range(VERSIONS_PER_ARTICLE):
            for article in range(articles):
                if round_number * articles + article >= versions:
                    break
                lines = texts[article]
                if round_number:
                    # An edit a newsroom makes: a number changed in one paragraph.
                    index = rng.randrange(1, len(lines))
                    tokens = lines[index].split()
                    tokens[rng.randrange(len(tokens))] = str(rng.randrange(10, 10_000))
                    lines[index] = " ".join(tokens)
                raw = ("\n\n".join(lines) + "\n").encode("utf-8")
                capture = Capture(raw=raw, source="stdin", media_type="text/plain")
                extracted = extract(capture)
                add_version(
                    writer,
                    NewVersion(
                        article_id=f"story-{article:05d}",
                        text=extracted.text,
                        raw=raw,
                        raw_media_type="text/plain",
                        captured_at=base + timedelta(hours=round_number * 24, seconds=article),
                        metadata=describe(capture, extracted),
                    ),
                )
    return time.perf_counter() - start


def once(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout.splitlines()[0] if done.stdout else done.stderr.strip()


def on_stores(stores: list[Path], checkouts: list[Path], runs: int) -> None:
    """verify's rate on each store, for each checkout, beside git fsck (median of ``runs`` by turns)."""
    here = Path(__file__).resolve().parents[1]
    for store in stores:
        versions = int(subprocess.run(["git", "-C", str(store), "rev-list", "--count", "refs/heads/main"],
                                      capture_output=True, text=True, check=True).stdout)  # fmt: skip
        commands = {
            "git fsck --full --strict": ["git", "-C", str(store), "fsck", "--full", "--strict", "--no-dangling"]
        }
        for checkout in [here, *checkouts]:
            commands[f"archive verify ({checkout.name})"] = [*ARCHIVE, "--store", str(store), "verify"]
        results: dict[str, list[tuple[float, float, int, str]]] = {name: [] for name in commands}
        for _ in range(runs):
            for (name, command), checkout in zip(commands.items(), [here, here, *checkouts], strict=True):
                env = {**os.environ, "PYTHONPATH": str(checkout)}
                usage = run_process(command, env=env, cwd=checkout)
                load = Path("/proc/loadavg").read_text().split()[0]
                results[name].append((usage.wall, usage.cpu, usage.peak_kib, load))
        print(f"{store} ({versions:,} commits), median of {runs}:")
        fsck = statistics.median(wall for wall, _, _, _ in results["git fsck --full --strict"])
        for name, rows in results.items():
            wall = statistics.median(row[0] for row in rows)
            cpu = statistics.median(row[1] for row in rows)
            peak = max(row[2] for row in rows) / 1024
            loads = "/".join(row[3] for row in rows)
            print(
                f"  {name:<40} {wall:7.2f} s wall {cpu:7.2f} s CPU {peak:6.0f} MiB peak  "
                f"{versions / wall:7,.0f} commits/s  {wall / fsck:5.2f}x git fsck  load {loads}"
            )


def main() -> None:
    if "--store" in sys.argv:
        arguments = sys.argv[1:]
        stores = [Path(arguments[i + 1]).resolve() for i, a in enumerate(arguments) if a == "--store"]
        checkouts = [Path(arguments[i + 1]).resolve() for i, a in enumerate(arguments) if a == "--checkout"]
        runs = int(arguments[arguments.index("--runs") + 1]) if "--runs" in arguments else 3
        on_stores(stores, checkouts, runs)
        return
    versions = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    work = Path(tempfile.mkdtemp(prefix="archive-bench-verify-"))
    try:
        store = work / "store"
        built = build(store, versions)
        print(f"built a store of {versions:,} versions in {built:.1f} s (one writing() block)")
        fsck = median_seconds(["git", "-C", str(store), "fsck", "--full", "--strict", "--no-dangling"], runs=3)
        log = median_seconds(["sh", "-c", f"git -C {store} log -p refs/heads/main > /dev/null"], runs=3)
        verify = median_seconds([*ARCHIVE, "--store", str(store), "verify"], runs=3)
        audit = median_seconds([*ARCHIVE, "--store", str(store), "audit"], runs=3)
        rebuild, summary = once([*ARCHIVE, "--store", str(store), "rebuild", "--into", str(work / "rebuilt")])
        reproduce, reproduced = once([*ARCHIVE, "--store", str(store), "reproduce"])
        verdict = subprocess.run([*ARCHIVE, "--store", str(store), "verify"], capture_output=True, text=True)
        print(f"verify says: {verdict.stdout.splitlines()[0]}")
        print(f"rebuild says: {summary}")
        print(f"reproduce says: {reproduced}")
        print(f"baseline git fsck --full --strict (median of 3): {fsck:6.2f} s")
        print(f"baseline git log -p (median of 3):               {log:6.2f} s")
        for name, seconds, runs in (
            ("archive verify", verify, "median of 3"),
            ("archive audit", audit, "median of 3"),
            ("archive rebuild", rebuild, "one run"),
            ("archive reproduce", reproduce, "one run"),
        ):
            print(
                f"{name + ' (' + runs + '):':<35}{seconds:6.2f} s   ratio to git fsck {seconds / fsck:5.2f}x   "
                f"to git log -p {seconds / log:5.2f}x"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
