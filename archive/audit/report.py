"""The audit report: the archive's history as a reviewer needs to see it before citing it.

``verify`` answers "is every version genuine?"; the audit adds what a
reviewer asks next: over what time span, from which kinds of sources, how
often a capture found nothing new, who wrote to the store, and whatever is
odd without being forged (capture times that go backwards within an
article, two versions with the same capture time, commits the archiver did
not make). It reads git directly, like ``verify``, and writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from archive.audit.verify import Verification, verify
from archive.errors import InvalidInput
from archive.model import format_time, parse_time
from archive.store.commits import CommitRecord, records_rules, subject_of
from archive.store.history import StoreHistory, VersionRecord, parse_metadata, read_history
from archive.store.layout import META_FILE
from archive.store.repository import Store

__all__ = [
    "ANOMALIES",
    "Anomaly",
    "SourceCount",
    "DayCount",
    "Identity",
    "ArticleAudit",
    "Audit",
    "audit",
]

# Every kind of anomaly, with what it means; the names are stable (``--json``).
ANOMALIES = {
    "capture-time-backwards": "a version was captured before the version it follows",
    "same-capture-time": "two versions of one article have the same capture time",
    "foreign-commit": "a commit on the branch was not made by the archiver (it records no version)",
    "committer-differs": "a snapshot's committer is not its author: it was re-committed (rebased, amended) by someone",
    "journal-unknown-commit": "a journaled unchanged capture names a commit that is not in the history",
    "journal-unreadable": "lines of the capture journal cannot be read",
}


@dataclass(frozen=True)
class Anomaly:
    """Something a reviewer should look at; not necessarily forged (``verify`` says that)."""

    kind: str
    message: str
    article: str | None = None
    version: int | None = None
    commit: str | None = None


@dataclass(frozen=True)
class SourceCount:
    """Captures of one source kind (url, file, stdin, warc, feed): new versions and unchanged captures."""

    source: str
    versions: int
    unchanged: int


@dataclass(frozen=True)
class DayCount:
    """Captures on one UTC day: new versions and unchanged captures."""

    day: str
    versions: int
    unchanged: int


@dataclass(frozen=True)
class Identity:
    """Someone who wrote commits to the store, as author or committer."""

    name: str
    email: str
    commits: int
    snapshots: int  # of those commits, how many record a version
    first: datetime | None  # None: no commit of theirs has a date git can read
    last: datetime | None


@dataclass(frozen=True)
class ArticleAudit:
    """One article's share of the history."""

    article_id: str
    title: str
    versions: int
    unchanged: int
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True)
class Audit:
    """The audit report of a whole store. ``ok`` is the verification's verdict; anomalies are for a reviewer."""

    store: str
    head: str | None
    first_capture: datetime | None
    last_capture: datetime | None
    commits: int
    articles: int
    versions: int
    unchanged: int
    sources: tuple[SourceCount, ...]
    days: tuple[DayCount, ...]
    identities: tuple[Identity, ...]
    extractors: tuple[tuple[str, int], ...]
    archivers: tuple[tuple[str, int], ...]
    per_article: tuple[ArticleAudit, ...]
    anomalies: tuple[Anomaly, ...]
    verification: Verification

    @property
    def captures(self) -> int:
        """Every capture the store knows of: those that made a version and those that found no change."""
        return self.versions + self.unchanged

    @property
    def ok(self) -> bool:
        return self.verification.ok


def audit(store: Store) -> Audit:
    """Read the whole history once and report on it, with the result of ``verify``."""
    history = read_history(store)
    verification = verify(store, history)
    metadata = _metadata(store, history.versions)
    journal, unreadable = store.captures_journal()
    anomalies = list(_anomalies(history, metadata, journal, unreadable))
    captured = [parse_time(str(m["captured_at"])) for m in metadata.values() if _has_time(m)]
    journal_times = [_time(entry.get("captured_at")) for entry in journal]
    all_times = captured + [t for t in journal_times if t is not None]
    return Audit(
        store=str(store.path),
        head=history.head,
        first_capture=min(all_times) if all_times else None,
        last_capture=max(all_times) if all_times else None,
        commits=len(history.commits),
        articles=len({v.article_id for v in history.versions}),
        versions=len(history.versions),
        unchanged=len(journal),
        sources=_sources(metadata.values(), journal),
        days=_days(metadata.values(), journal_times),
        identities=_identities(history),
        extractors=_tally(_extractor(m) for m in metadata.values()),
        archivers=_tally(str((m.get("archiver") or {}).get("version") or "unknown") for m in metadata.values()),
        per_article=_per_article(history.versions, metadata, journal),
        anomalies=tuple(anomalies),
        verification=verification,
    )


def _metadata(store: Store, versions: list[VersionRecord]) -> dict[str, Mapping[str, Any]]:
    """Commit -> the version's meta.yaml, read in one batch; unreadable ones are left out (verify reports them)."""
    wanted = [v for v in versions if META_FILE in v.files]
    found: dict[str, Mapping[str, Any]] = {}
    for version, (_, data) in zip(wanted, store.read_objects([v.files[META_FILE] for v in wanted]), strict=True):
        parsed, _ = parse_metadata(data)
        if parsed is not None:
            found[version.commit.commit] = parsed
    return found


def _time(value: object) -> datetime | None:
    try:
        return parse_time(str(value), end_of_day=False) if value else None
    except InvalidInput:
        return None


def _has_time(metadata: Mapping[str, Any]) -> bool:
    return _time(metadata.get("captured_at")) is not None


def _extractor(metadata: Mapping[str, Any]) -> str:
    extractor = metadata.get("extractor") or {}
    return f"{extractor.get('name') or 'unknown'} {extractor.get('version') or ''}".strip()


def _tally(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(values).items()))


def _sources(metadata: Iterable[Mapping[str, Any]], journal: list[dict[str, Any]]) -> tuple[SourceCount, ...]:
    versions = Counter(str(m.get("source") or "unknown") for m in metadata)
    unchanged = Counter(str(entry.get("source") or "unknown") for entry in journal)
    return tuple(SourceCount(kind, versions[kind], unchanged[kind]) for kind in sorted(set(versions) | set(unchanged)))


def _days(metadata: Iterable[Mapping[str, Any]], journal_times: list[datetime | None]) -> tuple[DayCount, ...]:
    versions = Counter(str(m["captured_at"])[:10] for m in metadata if _has_time(m))
    unchanged = Counter(format_time(t)[:10] if t else "unknown" for t in journal_times)
    return tuple(DayCount(day, versions[day], unchanged[day]) for day in sorted(set(versions) | set(unchanged)))


def _identities(history: StoreHistory) -> tuple[Identity, ...]:
    snapshots = {v.commit.commit for v in history.versions}
    seen: dict[tuple[str, str], list[CommitRecord]] = {}
    for record in history.commits:
        for who in {(record.author.name, record.author.email), (record.committer.name, record.committer.email)}:
            seen.setdefault(who, []).append(record)
    identities = []
    for (name, email), records in sorted(seen.items()):
        times = [moment for moment in (r.committer.moment for r in records) if moment is not None]
        made = sum(1 for r in records if r.commit in snapshots)
        identities.append(Identity(name, email, len(records), made, min(times, default=None), max(times, default=None)))
    return tuple(identities)


def _per_article(
    versions: list[VersionRecord], metadata: Mapping[str, Mapping[str, Any]], journal: list[dict[str, Any]]
) -> tuple[ArticleAudit, ...]:
    by_article: dict[str, list[Mapping[str, Any]]] = {}
    counts: Counter[str] = Counter()
    for version in versions:
        counts[version.article_id] += 1
        if version.commit.commit in metadata:
            by_article.setdefault(version.article_id, []).append(metadata[version.commit.commit])
    unchanged = Counter(str(entry.get("article")) for entry in journal)
    result = []
    for article in sorted(counts):
        recorded = by_article.get(article, [])
        times = [t for t in (_time(m.get("captured_at")) for m in recorded) if t is not None]
        title = str(recorded[-1].get("title") or "") if recorded else ""
        result.append(
            ArticleAudit(
                article, title, counts[article], unchanged[article], min(times, default=None), max(times, default=None)
            )
        )
    return tuple(result)


def _anomalies(
    history: StoreHistory,
    metadata: Mapping[str, Mapping[str, Any]],
    journal: list[dict[str, Any]],
    unreadable: int,
) -> Iterable[Anomaly]:
    snapshots = {v.commit.commit for v in history.versions}
    for record in history.commits:
        if record.commit not in snapshots and not records_rules(record):
            who = f"{record.author.name} <{record.author.email}>"
            moment = record.committer.moment
            when = format_time(moment) if moment else "a date git cannot read"
            yield Anomaly(
                "foreign-commit",
                f"commit {record.commit[:12]} by {who} at {when} records no version ({subject_of(record.message)!r})",
                commit=record.commit,
            )
    # article -> (number, commit, capture time) of its previous version in the history
    previous: dict[str, tuple[int | None, datetime]] = {}
    first_at: dict[tuple[str, datetime], int | None] = {}  # (article, capture time) -> first version captured then
    for version in history.versions:
        record = version.commit

        def anomaly(kind: str, message: str, version: VersionRecord = version) -> Anomaly:
            return Anomaly(kind, message, version.article_id, version.number, version.commit.commit)

        ref = f"{version.article_id}@{version.number}"
        author, committer = record.author, record.committer
        if (author.name, author.email) != (committer.name, committer.email):
            yield anomaly(
                "committer-differs",
                f"{ref} was written by {author.name} <{author.email}> but committed by "
                f"{committer.name} <{committer.email}>",
            )
        moment = _time((metadata.get(record.commit) or {}).get("captured_at"))
        if moment is None:
            continue
        before = previous.get(version.article_id)
        if before is not None:
            number, then = before
            if moment < then:
                yield anomaly(
                    "capture-time-backwards",
                    f"{ref} was captured at {format_time(moment)}, before {version.article_id}@{number} "
                    f"({format_time(then)})",
                )
        if (version.article_id, moment) in first_at:  # any earlier version, adjacent or not
            yield anomaly(
                "same-capture-time",
                f"{ref} has the same capture time as {version.article_id}@{first_at[version.article_id, moment]} "
                f"({format_time(moment)})",
            )
        first_at.setdefault((version.article_id, moment), version.number)
        previous[version.article_id] = (version.number, moment)
    unknown = [entry for entry in journal if entry.get("commit") not in snapshots]
    if unknown:
        first = unknown[0]
        yield Anomaly(
            "journal-unknown-commit",
            f"{len(unknown)} journaled unchanged capture(s) name commits not in the history, the first "
            f"{first.get('article')}@{first.get('version')} at {first.get('captured_at')} "
            f"(commit {str(first.get('commit'))[:12]}): the history was rewritten after they were journaled",
            article=first.get("article"),
            commit=first.get("commit"),
        )
    if unreadable:
        yield Anomaly("journal-unreadable", f"{unreadable} line(s) of .git/archive/captures.jsonl cannot be read")
