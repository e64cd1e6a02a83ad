"""How fast versions go into a store: one snapshot at a time against the bulk path, and how a big store behaves.

Run: python benchmarks/ingest.py [--versions N] [--sample S] [--html H] [--big B] [--bare] [--jobs J]
Prints, in one run:
  - plain-text versions/s through (a) the one-at-a-time path (``snapshot()``, one ``writing()`` block
    per version; timed on the first S versions of the corpus, default 500, into a fresh store) and
    (b) the bulk path (``archive.ingest.engine.ingest``, every version of the corpus), their ratio, and a
    check that both give the same commit ids for the sample; and (b) into a bare store (``--bare``: no
    working tree to write out), which must give the same commits as (b);
    for two corpus shapes of N versions each (default 10,000): about 200 articles x 50 versions,
    and 5,000 articles x 2 versions;
  - HTML pages/s through the bulk path (extraction with trafilatura on every core), H pages;
  - a store of B versions (default 100,000; built with the bulk path): the cost of one commit
    (median of 5 snapshots) when it holds 1,000, 10,000 and all its articles, ``archive history``
    latency for an article of 50 versions (median of 5 runs of the command), and its size on disk;
    ``--bare`` makes it a bare store.
Texts are real prose (the shared corpora and the seed) cut into articles, with the edits news
articles get between versions: a figure changed, a word swapped, a sentence added or removed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import ARCHIVE, SHARED, median_seconds, real_words

from archive.capture.fetch import Capture
from archive.ingest.engine import IngestReport, Pending, ingest
from archive.ingest.snapshot import snapshot
from archive.store.repository import Store

START = datetime(2024, 1, 1, tzinfo=UTC)
NAV = (
    '<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/business">Business'
    '</a></li></ul></nav><div class="ad">Advertisement: subscribe for unlimited access</div>'
)


@dataclass(frozen=True)
class InMemory:
    """A capture held in memory (the bulk path's workers receive it pickled)."""

    raw: bytes
    media_type: str
    url: str | None = None

    def load(self) -> Capture:
        return Capture(raw=self.raw, source="file", media_type=self.media_type, url=self.url)


@dataclass(frozen=True)
class Item:
    article: str
    captured_at: datetime
    title: str
    paragraphs: tuple[str, ...]

    def text(self) -> bytes:
        header = f"{self.title}\n\nBy Jane Doe\n\n{self.captured_at:%B %d, %Y}\n\n"
        return (header + "\n\n".join(self.paragraphs) + "\n").encode("utf-8")

    def html(self) -> bytes:
        body = "".join(f"<p>{p}</p>" for p in self.paragraphs)
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{self.title} | Example News</title>'
            f'<meta name="author" content="Jane Doe"><meta property="og:site_name" content="Example News"></head>'
            f"<body>{NAV}<main><article><h1>{self.title}</h1>{body}</article></main>"
            "<footer><p>Copyright Example News. All rights reserved.</p></footer></body></html>"
        ).encode()

    def pending(self, html: bool = False) -> Pending:
        if html:
            url = f"https://news.example.org/{self.article}"
            return Pending(self.captured_at, InMemory(self.html(), "text/html", url), self.article, self.article)
        return Pending(self.captured_at, InMemory(self.text(), "text/plain"), self.article, self.article)


class Prose:
    """Real words to cut articles from: the shared corpora and the seed."""

    def __init__(self) -> None:
        words = real_words()
        for path in sorted((SHARED / "seeds").glob("*.txt")):
            words.extend(path.read_text(encoding="utf-8").split())
        self.words = words

    def paragraph(self, rng: random.Random, size: int = 60) -> str:
        start = rng.randrange(len(self.words) - size)
        return " ".join(self.words[start : start + size]).rstrip(",;:") + "."


def edit(rng: random.Random, prose: Prose, paragraphs: list[str]) -> list[str]:
    """The next version: one or two of the edits news articles get."""
    paragraphs = list(paragraphs)
    for _ in range(rng.choice((1, 1, 2))):
        roll, where = rng.random(), rng.randrange(len(paragraphs))
        if roll < 0.5:
            words = paragraphs[where].split()
            words[rng.randrange(len(words))] = str(rng.randrange(2, 100_000))
            paragraphs[where] = " ".join(words)
        elif roll < 0.75:
            paragraphs.insert(where, prose.paragraph(rng, rng.randrange(15, 40)))
        elif len(paragraphs) > 4:
            del paragraphs[where]
        else:
            paragraphs[where] = paragraphs[where].replace(" the ", " a ", 1) + " Officials said."
    return paragraphs


def corpus(prose: Prose, articles: int, versions: int, seed: int, prefix: str, first: int = 0) -> list[Item]:
    """``articles`` articles of ``versions`` versions, captured interleaved, in capture-time order."""
    rng = random.Random(seed)
    items = []
    for number in range(first, first + articles):
        paragraphs = [prose.paragraph(rng) for _ in range(rng.randrange(6, 12))]
        title = " ".join(prose.paragraph(rng, 6).split()[:6]).rstrip(".").capitalize()
        for step in range(versions):
            when = START + timedelta(minutes=number, hours=6 * step)
            items.append(Item(f"{prefix}-{number:06d}", when, title, tuple(paragraphs)))
            paragraphs = edit(rng, prose, paragraphs)
    return sorted(items, key=lambda item: (item.captured_at, item.article))


def one_at_a_time(path: Path, items: list[Item]) -> tuple[float, str | None]:
    """Seconds for snapshot() of each item, one writing() block each, into a fresh store; and the head."""
    with Store.init(path) as store:
        began = time.perf_counter()
        for item in items:
            capture = Capture(raw=item.text(), source="file", media_type="text/plain")
            snapshot(store, capture, article_id=item.article, at=item.captured_at)
        return time.perf_counter() - began, store.head()


def bulk(
    path: Path, items: list[Item], jobs: int, html: bool = False, bare: bool = False
) -> tuple[float, str | None, IngestReport]:
    with Store.init(path, bare=bare) as store:
        captures = [item.pending(html) for item in items]
        began = time.perf_counter()
        report = ingest(store, captures, jobs=jobs)
        return time.perf_counter() - began, store.head(), report


def size_on_disk(where: Path, exclude: str | None = None) -> int:
    """Bytes under ``where``, as du counts blocks."""
    command = ["du", "-sk", *([f"--exclude={exclude}"] if exclude else []), str(where)]
    return int(subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()[0]) * 1024


def commit_cost(store: Store, prose: Prose, article: str, when: datetime, runs: int = 5) -> float:
    """Median seconds of one snapshot of a new version (lock, objects, ref update, checkout, index)."""
    rng = random.Random(7)
    paragraphs = [prose.paragraph(rng) for _ in range(8)]
    times = []
    for run in range(runs):
        paragraphs = edit(rng, prose, paragraphs)
        item = Item(article, when + timedelta(minutes=run), "Commit cost probe", tuple(paragraphs))
        began = time.perf_counter()
        snapshot(
            store,
            Capture(raw=item.text(), source="file", media_type="text/plain"),
            article_id=article,
            at=item.captured_at,
        )
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def big_store(path: Path, prose: Prose, total: int, jobs: int, bare: bool) -> None:
    """Grow a store to ``total`` versions with the bulk path, timing a commit at 1,000, 10,000 and all articles."""
    long_story = corpus(prose, 1, 50, seed=99, prefix="long-story")
    singles = total - len(long_story)
    stages = [n for n in (1_000, 10_000) if n < singles] + [singles]
    kind = "A bare store (no working tree)" if bare else "A store"
    print(f"\n{kind} of {total:,} versions ({singles:,} articles of 1 version, one of 50), built with the bulk path:")
    done = 0
    began = time.perf_counter()
    with Store.init(path, bare=bare) as store:
        for stage, upto in enumerate(stages):
            items = corpus(prose, upto - done, 1, seed=1000 + stage, prefix="story", first=done)
            if stage == len(stages) - 1:
                items += long_story
            ingest(store, [item.pending() for item in items], jobs=jobs)
            done = upto
            articles = len(store.article_ids())
            cost = commit_cost(store, prose, f"story-{0:06d}", START + timedelta(days=400 + stage))
            print(f"  commit of one version at {articles:>7,} articles: {cost * 1000:6.1f} ms (median of 5)")
    built = time.perf_counter() - began
    print(f"  built in {built:.0f} s ({total / built:,.0f} versions/s, commit probes included)")
    history = median_seconds([*ARCHIVE, "--store", str(path), "history", "long-story-000000"], runs=5)
    print(f"  `archive history` of an article of 50 versions: {history * 1000:.0f} ms (median of 5, whole process)")
    git_dir = path if bare else path / ".git"
    git_bytes, tree_bytes = size_on_disk(git_dir), 0 if bare else size_on_disk(path, exclude=".git")
    print(
        f"  size on disk: git {git_bytes / 2**20:,.0f} MiB (one pack per batch, objects stored whole), "
        f"working tree {tree_bytes / 2**20:,.0f} MiB"
    )
    subprocess.run(["git", "-C", str(path), "gc", "--quiet"], check=True)
    git_bytes = size_on_disk(git_dir)
    print(f"  .git after `git gc` (delta compression): {git_bytes / 2**20:,.0f} MiB")


def plain_text(work: Path, prose: Prose, name: str, items: list[Item], sample: int, jobs: int) -> None:
    count = min(sample, len(items))
    single_seconds, single_head = one_at_a_time(work / f"{name}-single", items[:count])
    _, sample_head, _ = bulk(work / f"{name}-bulk-sample", items[:count], jobs)
    bulk_seconds, bulk_head, report = bulk(work / f"{name}-bulk", items, jobs)
    bare_seconds, bare_head, _ = bulk(work / f"{name}-bulk-bare", items, jobs, bare=True)
    single_rate, bulk_rate = count / single_seconds, report.written / bulk_seconds
    bare_rate = report.written / bare_seconds
    same = "same commit ids" if single_head == sample_head else "COMMIT IDS DIFFER"
    same_bare = "same commit ids" if bulk_head == bare_head else "COMMIT IDS DIFFER"
    print(
        f"  (a) one at a time: {single_rate:8,.0f} versions/s  (first {count:,} versions, {single_seconds:.1f} s)\n"
        f"  (b) bulk path:     {bulk_rate:8,.0f} versions/s  ({report.written:,} versions, {bulk_seconds:.1f} s)\n"
        f"      ratio {bulk_rate / single_rate:.0f}x; the sample through both paths: {same}\n"
        f"  (b) into a bare store (no working tree): {bare_rate:,.0f} versions/s ({bare_seconds:.1f} s), "
        f"ratio to (a) {bare_rate / single_rate:.0f}x; against (b): {same_bare}"
    )
    for path in work.glob(f"{name}-*"):
        shutil.rmtree(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", type=int, default=10_000, help="versions in each plain-text corpus (0: skip)")
    parser.add_argument("--sample", type=int, default=500, help="versions timed through the one-at-a-time path")
    parser.add_argument("--html", type=int, default=2_000, help="HTML pages through the bulk path")
    parser.add_argument("--big", type=int, default=100_000, help="versions in the big store (0: skip)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--keep", type=Path, help="build the big store here and keep it")
    parser.add_argument("--bare", action="store_true", help="make the big store a bare one (no working tree)")
    options = parser.parse_args()
    prose = Prose()
    work = Path(tempfile.mkdtemp(prefix="archive-ingest-bench-"))
    print(f"{options.jobs} worker processes, {os.cpu_count()} cores")
    try:
        for name, versions in (("long", 50), ("short", 2)) if options.versions else ():
            articles = max(1, options.versions // versions)
            items = corpus(prose, articles, versions, seed=versions, prefix=name)
            words = statistics.mean(len(" ".join(item.paragraphs).split()) for item in items[:200])
            print(
                f"\nPlain text, {articles:,} articles x {versions} versions "
                f"({len(items):,} versions, ~{words:.0f} words):"
            )
            plain_text(work, prose, name, items, options.sample, options.jobs)
        if options.html:
            items = corpus(prose, max(1, options.html // 2), 2, seed=3, prefix="page")[: options.html]
            seconds, _, report = bulk(work / "html", items, options.jobs, html=True)
            print(
                f"\nHTML through the bulk path: {report.written / seconds:,.0f} pages/s "
                f"({report.written:,} pages, {seconds:.1f} s, trafilatura on {options.jobs} workers)"
            )
            shutil.rmtree(work / "html")
        if options.big:
            big_store(options.keep or work / "big", prose, options.big, options.jobs, options.bare)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
