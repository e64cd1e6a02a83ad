"""Bulk ingest: many captures, extracted on every core, committed in capture-time order.

An import (WARC files, a folder of pages) or a feed pass produces a list of
``Pending`` captures. They are sorted by capture time, so an article's
versions are recorded oldest first whatever order the input was in, and
committed through ``Store.writing()`` in batches: each batch is one pack of
objects and one move of the branch, and gives exactly the commits that
snapshotting the same captures one at a time would give. The expensive,
pure steps (reading and extracting a capture, diffing consecutive texts of
an article) run in worker processes; the commits are written in this one.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.pool import AsyncResult, Pool
from typing import TYPE_CHECKING, Protocol, TypeVar

from archive.capture.extract import Extracted, extract
from archive.capture.fetch import Capture
from archive.compare.words import word_diff
from archive.errors import ArchiveError, ExtractionFailed, InvalidInput, SourceUnavailable
from archive.ingest.rules import mark_rules_change, rules_for
from archive.ingest.snapshot import add_version, choose_article_id, new_version
from archive.model import check_capture_time
from archive.store.metadata import text_sha256
from archive.store.objects import pack_entry
from archive.store.repository import Store
from archive.store.writer import AddResult, Writer

if TYPE_CHECKING:
    from archive.store.rules import RuleSet, RulesFile

__all__ = ["CaptureSource", "Pending", "IngestReport", "ingest", "BATCH_SIZE"]

# Captures committed per writing() block: large enough that the per-block costs
# (the lock, the ref update, the working-tree checkout, one pack) vanish, small
# enough that another writer waits seconds, not the length of the whole import.
BATCH_SIZE = 5_000
# Captures handed to the workers at a time; bounds the texts held in memory.
WINDOW_SIZE = 500
# Below this many captures, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 48

T = TypeVar("T")
R = TypeVar("R")


class CaptureSource(Protocol):
    """Where a pending capture's bytes are; picklable, so a worker process can read them."""

    def load(self) -> Capture: ...


@dataclass(frozen=True, slots=True)
class Pending:
    """One capture waiting to be ingested (slots: an import of 300,000 files holds as many)."""

    captured_at: datetime
    source: CaptureSource
    label: str  # how reports name it: a file, or a WARC file and record offset
    article_id: str | None = None
    name_hint: str | None = None  # a file name to derive an id from when nothing better exists


@dataclass
class IngestReport:
    """What an ingest did, updated as it goes: counts and one line per problem."""

    records: int = 0
    expected: int = 0  # records there will be when done, once the sources are scanned (for progress bars)
    written: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    # Lines worth showing that are not failures (exit 0): e.g. a charset that was guessed, not declared.
    notices: list[str] = field(default_factory=list)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def stored(self, result: AddResult) -> None:
        """Count a capture that became a new version, or matched the latest one."""
        self.records += 1
        if result.created:
            self.written += 1
        else:
            self.unchanged += 1

    def skip(self, reason: str, problem: str | None = None) -> None:
        """Count a capture left out; ``problem`` is a line worth showing the user (damage, failure)."""
        self.records += 1
        self.skipped[reason] += 1
        if problem is not None:
            self.problems.append(problem)

    def extra_counts(self) -> dict[str, int]:
        """Counts a particular kind of ingest adds (a watch's feeds), for JSON output."""
        return {}


@dataclass(frozen=True)
class _Prepared:
    pending: Pending
    capture: Capture | None
    extracted: Extracted | None
    failure: ArchiveError | None = None
    rules: RuleSet | None = None  # the noise rules it was extracted with
    # The pack entries of its text and raw blobs, by binary id: compressing them is most of writing them.
    entries: dict[bytes, bytes] = field(default_factory=dict)


def _prepare(rules: RulesFile | None, pending: Pending) -> _Prepared:
    """Read and extract one capture (in a worker process): a pure function of its bytes, time and the rules
    of its site (and of its article, when its id is given)."""
    try:
        capture = dataclasses.replace(pending.source.load(), captured_at=pending.captured_at)
        applied = rules_for(rules, capture, pending.article_id)
        extracted = extract(capture, pending.captured_at, applied)
        entries = dict((pack_entry(b"blob", extracted.text.encode("utf-8")), pack_entry(b"blob", capture.raw)))
        return _Prepared(pending, capture, extracted, rules=applied, entries=entries)
    except ArchiveError as error:
        return _Prepared(pending, None, None, error)


def _changes(pair: tuple[str, str]) -> tuple[tuple[str, str], tuple[int, int]]:
    """The words added and removed that ``add_version`` records between two texts, keyed by their SHA-256."""
    old, new = pair
    diff = word_diff(old, new)
    return (text_sha256(old), text_sha256(new)), (diff.words_added, diff.words_removed)


class _Workers:
    """A pool of worker processes, or this process alone when one core or a small job does not need more."""

    def __init__(self, jobs: int) -> None:
        # fork: workers start in milliseconds and inherit the loaded extractor. What this process holds
        # (the captures to ingest, hundreds of megabytes at 300,000) is frozen out of the collector first,
        # so that collections in the workers do not touch, and so copy, every page of it.
        gc.freeze()
        try:
            self._pool: Pool | None = multiprocessing.get_context("fork").Pool(jobs) if jobs > 1 else None
        finally:
            gc.unfreeze()
        self._jobs = jobs

    def submit(self, function: Callable[[T], R], items: Sequence[T]) -> Callable[[], list[R]]:
        """Start ``function`` over ``items``; return what waits for the results, in order."""
        if self._pool is None or not items:
            return lambda: [function(item) for item in items]
        chunk = max(1, len(items) // (self._jobs * 4))
        pending: AsyncResult[list[R]] = self._pool.map_async(function, items, chunksize=chunk)
        return lambda: pending.get()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


Progress = Callable[[IngestReport], None]
OnResult = Callable[[Pending, AddResult], None]


def ingest(
    store: Store,
    captures: Sequence[Pending],
    report: IngestReport | None = None,
    progress: Progress | None = None,
    on_result: OnResult | None = None,
    jobs: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestReport:
    """Store each capture as its article's next version, oldest capture first; return what happened.

    A capture that cannot be read or holds no article is counted, reported
    and skipped; everything else is stored. ``progress`` is called after
    each capture, ``on_result`` after each one stored. ``jobs`` worker
    processes read, extract and diff (default: one per core).
    """
    report = report or IngestReport()
    # Capture times are recorded to the second; sorting on the recorded time keeps ties in input order.
    seconds = []
    for pending in captures:
        try:
            check_capture_time(pending.captured_at)
        except InvalidInput as error:
            report.skip("capture time out of range", f"{pending.label}: {error}")
            continue
        if pending.captured_at.microsecond:
            pending = dataclasses.replace(pending, captured_at=pending.captured_at.replace(microsecond=0))
        seconds.append(pending)
    ordered = [pending for _, pending in sorted(enumerate(seconds), key=lambda item: (item[1].captured_at, item[0]))]
    jobs = jobs or os.cpu_count() or 1
    workers = _Workers(jobs if len(ordered) >= PARALLEL_THRESHOLD else 1)
    try:
        for start in range(0, len(ordered), batch_size):
            with store.writing() as writer:
                _Batch(writer, workers, report, progress, on_result).run(ordered[start : start + batch_size])
    finally:
        workers.close()
    return report


@dataclass
class _Batch:
    """One writing() block of an ingest."""

    writer: Writer
    workers: _Workers
    report: IngestReport
    progress: Progress | None
    on_result: OnResult | None
    # Words added and removed between two texts, by their SHA-256s, diffed in the workers (see _pairs).
    known: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    rules: RulesFile | None = None  # the store's noise rules, as of the block's start

    def run(self, captures: list[Pending]) -> None:
        """Extract window after window in the workers while this process commits the window before."""
        windows = [captures[start : start + WINDOW_SIZE] for start in range(0, len(captures), WINDOW_SIZE)]
        if not windows:
            return
        self.rules = self.writer.rules()
        prepare = functools.partial(_prepare, self.rules)
        extracting = self.workers.submit(prepare, windows[0])
        for position in range(len(windows)):
            prepared = extracting()
            # The diffs first, then the next window's extraction: the workers take them in that order.
            diffing = self.workers.submit(_changes, self._pairs(prepared))
            if position + 1 < len(windows):
                extracting = self.workers.submit(prepare, windows[position + 1])
            self.known.update(diffing())
            self.writer.offer({binsha: entry for item in prepared for binsha, entry in item.entries.items()})
            for item in prepared:
                self._add(item)
                if self.progress is not None:
                    self.progress(self.report)

    def _add(self, item: _Prepared) -> None:
        """Name the capture as ``snapshot`` would (seeing every article added so far) and store it."""
        pending, capture, extracted = item.pending, item.capture, item.extracted
        if capture is None or extracted is None:
            # A page without an article (an index, a tag page) is routine in a crawl: counted, not reported.
            problem = None if isinstance(item.failure, ExtractionFailed) else f"{pending.label}: {item.failure}"
            self.report.skip(_reason_of(item.failure), problem)
            return
        try:
            article_id = pending.article_id or choose_article_id(self.writer, capture, extracted, pending.name_hint)
        except InvalidInput as error:
            self.report.skip("unnamed", f"{pending.label}: {error}")
            return
        applied = rules_for(self.rules, capture, article_id)
        try:
            if applied != item.rules:  # the article's own rules, now that it is named
                extracted = extract(capture, pending.captured_at, applied)
            new = new_version(article_id, capture, extracted, pending.captured_at, applied)
            new = mark_rules_change(self.writer, new, capture, applied)
        except ArchiveError as error:
            self.report.skip(
                _reason_of(error), None if isinstance(error, ExtractionFailed) else f"{pending.label}: {error}"
            )
            return
        try:
            result = add_version(self.writer, new, self.known)
        except InvalidInput as error:
            # History is append-only: an older capture can only confirm the version current at its time.
            self.report.skip("older than the archived history", f"{pending.label}: {error}")
            return
        self.report.stored(result)
        charset = result.version.metadata.get("charset") if result.created else None
        if charset:
            self.report.notices.append(
                f"{pending.label}: not UTF-8 and declares no charset: decoded as {charset} (detected), "
                "recorded in meta.yaml as charset"
            )
        if self.on_result is not None:
            self.on_result(pending, result)

    def _pairs(self, prepared: list[_Prepared]) -> list[tuple[str, str]]:
        """The text pairs ``add_version`` will probably diff: each article's latest text, then each capture after.

        Articles are named here provisionally (a URL first seen in this
        window is not yet known to the writer); a pair guessed wrong only
        means ``add_version`` computes that diff itself. A capture that changes
        nothing does not become the latest version, but then its text equals
        the latest one, so consecutive texts are still the right pairs.
        """
        writer = self.writer
        urls: dict[str, str] = {}
        previous: dict[str, str | None] = {}
        pairs: dict[tuple[str, str], None] = {}
        for item in prepared:
            capture, extracted = item.capture, item.extracted
            if capture is None or extracted is None:
                continue
            known = (capture.url, capture.final_url, extracted.canonical_url)
            try:
                article_id = (
                    item.pending.article_id
                    or next((urls[url] for url in known if url in urls), None)
                    or choose_article_id(writer, capture, extracted, item.pending.name_hint)
                )
            except InvalidInput:
                continue
            for url in known:
                if url:
                    urls.setdefault(url, article_id)
            if article_id not in previous:
                previous[article_id] = writer.latest_text(article_id)
            old = previous[article_id]
            if old is not None and old != extracted.text:
                pairs[old, extracted.text] = None
            previous[article_id] = extracted.text
        return list(pairs)


def _reason_of(error: ArchiveError | None) -> str:
    if isinstance(error, ExtractionFailed):
        return "no article text"
    if isinstance(error, SourceUnavailable):
        return "unreadable"
    return "failed"
