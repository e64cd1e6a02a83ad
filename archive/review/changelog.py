"""The change log: every claim-level change across the archive, newest first, selected by window, article,
site and kind.

What a version changed is the claim comparison (``archive.compare.claims.compare``) of its text and title
with the version before it, the same one ``archive claims`` prints. Comparing at read time would cost
seconds per thousand versions, so each comparison is kept in the lookup cache's ``changes`` table
(``archive.store.lookup``), keyed by article and version pair, with the new version's capture time and site
for selecting a window. The cache is not evidence: a version whose comparison is missing, was made for
another commit (a pull that re-recorded it) or by another comparison code (``fingerprint``) is compared
again, in batches, when a selection first covers it, so a deleted or stale cache only costs time.

Comparisons are made when they are first needed rather than inside every write: a bulk import writes
thousands of versions a second and a comparison costs milliseconds each (``benchmarks/changes.py``), so
the import leaves them to the first ``archive changes`` over its window, and to the notifications, which
compare the new versions right after the write (``archive.review.notifications``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from archive.errors import ArticleNotFound, InvalidInput
from archive.model import format_time, parse_time
from archive.store.collection import SEPARATOR, StoreSet, local_key
from archive.store.lookup import ChangeFilter, ChangeKey, ChangeRow, VersionRow, as_version
from archive.store.repository import Store

if TYPE_CHECKING:
    from archive.compare.changes import Comparison

Comparer = Callable[[VersionRow, VersionRow], "Comparison"]
"""Makes the claim comparison of two versions (old, new): the default compares their texts afresh; the viewer
passes one that keeps the comparisons its diff pages show."""

__all__ = [
    "HEADLINE",
    "ClaimChange",
    "Selection",
    "parse_kinds",
    "parse_moment",
    "site_of",
    "store_tag",
    "record_changes",
    "select_changes",
    "changes_of_versions",
    "change_counts",
    "cursor_of",
    "parse_cursor",
]

HEADLINE = "headline"  # a change of title, from the comparison's coverage summary
BATCH = 200  # versions compared and recorded per transaction: an interrupted fill keeps what it did
_DURATION = re.compile(r"^\s*(\d{1,7})\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class ClaimChange:
    """One change a version brought, compared with the version before it."""

    article: str
    old_number: int
    new_number: int
    position: int  # the change's place in the comparison (-1: the headline)
    old_commit: str
    new_commit: str
    captured_at: datetime  # when the new version was captured
    site: str | None
    kind: str
    tags: tuple[str, ...]  # the kind, then the reason codes the change may be selected by
    substantive: bool
    reasons: tuple[dict[str, Any], ...]
    old_text: str | None
    new_text: str | None

    @classmethod
    def from_row(cls, row: ChangeRow) -> ClaimChange:
        article, old, new, position, old_commit, new_commit, captured, site, kind, tags, substantive, reasons = row[:12]
        return cls(
            article,
            old,
            new,
            position,
            old_commit,
            new_commit,
            parse_time(captured),
            site,
            kind,
            tuple(tags.split()),
            substantive,
            tuple(json.loads(reasons)),
            row[12],
            row[13],
        )

    @property
    def key(self) -> ChangeKey:
        """Its place in the newest-first order, for page cursors."""
        return (format_time(self.captured_at), self.article, self.new_number, self.position)

    @property
    def codes(self) -> tuple[str, ...]:
        """The reason codes, without the kind."""
        return self.tags[1:]

    def to_dict(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "old_version": self.old_number,
            "new_version": self.new_number,
            "old_commit": self.old_commit,
            "new_commit": self.new_commit,
            "captured_at": format_time(self.captured_at),
            "site": self.site,
            "kind": self.kind,
            "codes": list(self.codes),
            "substantive": self.substantive,
            "reasons": list(self.reasons),
            "old": self.old_text,
            "new": self.new_text,
        }


@dataclass(frozen=True)
class Selection:
    """Which changes to list: capture times in [since, until], one article (id, URL or id prefix), a site
    (host, with its subdomains), kinds (change kinds or reason codes, any of them), and cosmetic changes or not."""

    since: datetime | None = None
    until: datetime | None = None
    article: str | None = None
    site: str | None = None
    kinds: tuple[str, ...] = ()
    cosmetic: bool = False


def site_of(url: object) -> str | None:
    """The host a URL is on, lower case, without a leading ``www.`` (None without a URL)."""
    if not isinstance(url, str) or not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


def parse_moment(text: str, now: datetime | None = None, end: bool = False) -> datetime:
    """An ISO 8601 date or time, or a duration back from ``now`` (``30m``, ``12h``, ``1d``, ``2w``).

    A bare date is the start of that day, or its end when ``end`` (for ``--until``).
    """
    match = _DURATION.match(text)
    if match:
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        return parse_time(text, end_of_day=end)
    except InvalidInput:
        raise InvalidInput(
            f"not a time or duration: {text!r} (use ISO 8601 like 2024-03-01 or 2024-03-01T09:30:00Z, "
            "or a duration like 30m, 12h, 1d, 2w)"
        ) from None


def parse_kinds(text: str | None, store: Store | StoreSet | None = None) -> tuple[str, ...]:
    """``number,quote,…`` as a tuple of kinds; InvalidInput naming a kind nothing gives."""
    if not text:
        return ()
    kinds = tuple(dict.fromkeys(kind.strip().lower() for kind in text.split(",") if kind.strip()))
    if not kinds:
        raise InvalidInput("--kind names no kind (give e.g. number,quote,hedge)")
    from archive.compare.changes import SELECTABLE_KINDS as known  # the comparison loaded only to check a kind

    stores = [] if store is None else list(store.stores.values()) if isinstance(store, StoreSet) else [store]
    for kind in kinds:  # the store's recorded kinds are asked only about a name the comparison does not give
        if kind not in known and not any(one.lookup.has_tag(kind) for one in stores):
            raise InvalidInput(f"unknown kind {kind!r} (known kinds: {', '.join(sorted(known))})")
    return kinds


@cache
def fingerprint() -> str:
    """What the comparison code is, as the digest of its package's files: recorded changes made by other code are
    stale (the claims judgement is improved from time to time) and are compared again."""
    digest = hashlib.sha256()
    package = resources.files("archive.compare")
    for entry in sorted(package.iterdir(), key=lambda item: item.name):
        if entry.is_file() and entry.name.endswith((".py", ".gz", ".json")):
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()[:16]


def store_tag(store: Store) -> str:
    """A ``tag:`` URI (RFC 4151) naming the store, from what its history fixes: the author e-mail and day of its
    earliest version, and that version's commit. Feed and entry ids start with it, so they never change."""
    first = store.lookup.first_version()
    if first is None:
        return "tag:archive.invalid,1970-01-01:empty"
    shown = store.git("show", "-s", "--format=%ae", first[2])
    email = shown.stdout.decode("utf-8", "replace").strip() if shown.returncode == 0 else ""
    authority = email if re.fullmatch(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+", email) else "archive.invalid"
    return f"tag:{authority},{str(first[3]['captured_at'])[:10]}:{first[2][:12]}"


def _filter(store: Store, selection: Selection) -> ChangeFilter:
    articles: tuple[str, ...] = ()
    if selection.article is not None:
        articles = _articles(store, selection.article)
    site = selection.site.strip().lower().removeprefix("www.") if selection.site else None
    return ChangeFilter(
        since=format_time(selection.since) if selection.since else None,
        until=format_time(selection.until) if selection.until else None,
        articles=articles,
        site=site or None,
        tags=selection.kinds,
        cosmetic=selection.cosmetic,
    )


def _articles(store: Store, reference: str) -> tuple[str, ...]:
    """An article id or URL names one article; otherwise every article whose id starts with ``reference``."""
    try:
        return (store.find_article(reference),)
    except ArticleNotFound:
        found = tuple(store.lookup.articles_with_prefix(reference.strip())) if reference.strip() else ()
        if not found:
            raise
        return found


def select_changes(
    store: Store | StoreSet,
    selection: Selection,
    limit: int | None = None,
    older_than: ChangeKey | None = None,
    newer_than: ChangeKey | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ClaimChange]:
    """The changes ``selection`` wants, newest first (a page of ``limit`` from a cursor, see ``Index.changes``).

    Versions not compared yet are compared first, newest first and in batches, and only as far as the answer
    needs: the window, and for a page that is full, back to its oldest row (so the first page of a large
    archive never waits for its whole history). ``progress`` is told how many are compared in each batch.
    Several stores (a ``StoreSet``) give the changes of all, article ids qualified ``NAME:ID``.
    """
    if isinstance(store, StoreSet):
        return _select_across(store, selection, limit, older_than, newer_than, progress)
    wanted = _filter(store, selection)
    lookup = store.lookup
    while True:
        rows = lookup.changes(wanted, limit, older_than, newer_than)
        since, until = wanted.since, wanted.until
        if older_than is not None:
            until = min(until or older_than[0], older_than[0])
        if newer_than is not None:
            since = max(since or newer_than[0], newer_than[0])
        if limit is not None and len(rows) >= limit:  # full: only versions as new as its rows can change it
            if newer_than is None:
                since = max(since or rows[-1][6], rows[-1][6])
            else:  # the rows just above the cursor: what is between it and the newest of them
                until = min(until or rows[0][6], rows[0][6])
        window = ChangeFilter(since=since, until=until, articles=wanted.articles)
        missing = lookup.uncompared(window, fingerprint(), limit=BATCH)
        if not missing:
            return [ClaimChange.from_row(row) for row in rows]
        if progress is not None:
            progress(len(missing))
        record_changes(store, missing)


def _select_across(
    stores: StoreSet,
    selection: Selection,
    limit: int | None,
    older_than: ChangeKey | None,
    newer_than: ChangeKey | None,
    progress: Callable[[int], None] | None,
) -> list[ClaimChange]:
    """``select_changes`` over several stores: the same page of each (its cursor turned into the store's own,
    ``local_key``), merged in the newest-first order of qualified ids. An article given as ``NAME:REFERENCE``
    is looked for in that store; a bare reference in every store, and must match in one at least."""
    article = selection.article
    only = None
    if (
        article is not None
        and SEPARATOR in article.split("/")[0]
        and not article.lower().startswith(("http:", "https:"))
    ):
        only, _, article = article.partition(SEPARATOR)
        stores.split(f"{only}{SEPARATOR}")  # an unknown store name: ArticleNotFound naming the stores
    found: list[ClaimChange] = []
    matched = False
    for name, store in stores.stores.items():
        if only is not None and name != only:
            continue
        older, newer = [
            None if key is None else (key[0], local_key(name, key[1]), key[2], key[3])
            for key in (older_than, newer_than)
        ]
        try:
            rows = select_changes(store, dataclasses.replace(selection, article=article), limit, older, newer, progress)
        except ArticleNotFound:
            continue
        matched = True
        found += [dataclasses.replace(change, article=f"{name}{SEPARATOR}{change.article}") for change in rows]
    if not matched and article is not None:
        raise ArticleNotFound(f"no article matches {selection.article!r} in any of the stores (see `archive list`)")
    found.sort(key=lambda change: (change.article, -change.new_number, change.position))
    found.sort(key=lambda change: change.key[0], reverse=True)  # stable: newest first, then as above
    if limit is None:
        return found
    return found[-limit:] if newer_than is not None else found[:limit]


def cursor_of(change: ClaimChange) -> str:
    """A page cursor for the viewer's links: the change's place in the newest-first order, as text."""
    return "~".join(str(part) for part in change.key)


def parse_cursor(text: str) -> ChangeKey:
    """The place a cursor names; InvalidInput for anything ``cursor_of`` does not make."""
    parts = text.split("~")
    if len(parts) == 4 and re.fullmatch(r"-?\d{1,7}", parts[2]) and re.fullmatch(r"-?\d{1,7}", parts[3]):
        try:
            captured = format_time(parse_time(parts[0]))
        except InvalidInput:
            captured = None
        if captured == parts[0]:
            return (parts[0], parts[1], int(parts[2]), int(parts[3]))
    raise InvalidInput(f"not a page cursor: {text!r}")


def changes_of_versions(store: Store, versions: Sequence[VersionRow]) -> dict[tuple[str, int], list[ClaimChange]]:
    """The changes of each of ``versions`` (keyed by article and number), compared first where not recorded."""
    lookup = store.lookup
    record_changes(store, [v for v in versions if v[1] > 1 and not lookup.is_compared(*v[:3], fingerprint())])
    return {(v[0], v[1]): [ClaimChange.from_row(row) for row in lookup.changes_of(v[0], v[1])] for v in versions}


def change_counts(store: Store, article: str, comparer: Comparer | None = None) -> dict[int, tuple[int, int]]:
    """How many substantive and cosmetic changes each version of ``article`` after its first brought (the
    headline apart, as ``Comparison.counts``), read from the recorded changes: only versions not recorded yet
    (or recorded for another commit or by other code) are compared, and kept (counted without keeping them
    when the cache cannot be written)."""
    lookup = store.lookup
    rows = lookup.versions(article)
    recorded = lookup.compared_versions(article, fingerprint())
    missing = [row for row in rows if row[1] > 1 and recorded.get(row[1]) != row[2]]
    unkept: dict[int, tuple[int, int]] = {}
    if lookup.keeps():
        record_changes(store, missing, comparer)
    else:
        before = {row[1]: row for row in rows}
        for row in missing:
            changed = [c for c in version_changes(store, before[row[1] - 1], row, comparer) if c[3] >= 0]
            substantive = sum(change[10] for change in changed)
            unkept[row[1]] = (substantive, len(changed) - substantive)
    counts = {**lookup.change_counts(article), **unkept}
    return {row[1]: counts.get(row[1], (0, 0)) for row in rows if row[1] > 1}


def record_changes(store: Store, versions: Iterable[VersionRow], comparer: Comparer | None = None) -> None:
    """Compare each of ``versions`` with the version before it and record what changed, in batches."""
    batch: list[VersionRow] = []
    for row in versions:
        batch.append(row)
        if len(batch) >= BATCH:
            _record(store, batch, comparer)
            batch = []
    if batch:
        _record(store, batch, comparer)


def _record(store: Store, versions: Sequence[VersionRow], comparer: Comparer | None = None) -> None:
    lookup = store.lookup
    rows: list[ChangeRow] = []
    compared: list[tuple[str, int, str]] = []
    for version in versions:
        article, number, commit, _ = version
        compared.append((article, number, commit))
        if number <= 1:
            continue
        previous = lookup.version_row(article, number - 1)
        if previous is not None:
            rows.extend(version_changes(store, previous, version, comparer))
    lookup.record_changes(compared, rows, fingerprint())


def version_changes(
    store: Store, old: VersionRow, new: VersionRow, comparer: Comparer | None = None
) -> list[ChangeRow]:
    """The changes from version ``old`` to ``new`` of one article, as rows of the ``changes`` table: the
    headline first (when it changed), then every change the comparison finds that is not ``unchanged``.

    No rows for a version whose text changed only because the noise rules did: a change of extraction, not
    of the article (docs/rules.md), so no list, feed or notification shows it as news."""
    from archive.compare.changes import ChangeKind
    from archive.compare.claims import compare
    from archive.store.metadata import extraction_change  # here: listing recorded changes needs no YAML

    if extraction_change(new[3]):
        return []

    if comparer is not None:
        comparison = comparer(old, new)
    else:
        before, after = as_version(old), as_version(new)
        comparison = compare(store.text(before), store.text(after), old_title=before.title, new_title=after.title)
    metadata = new[3]
    site = site_of(metadata.get("url")) or site_of(metadata.get("canonical_url"))
    head = (new[0], old[1], new[1])
    commits = (old[2], new[2], str(metadata["captured_at"]), site)
    rows: list[ChangeRow] = []
    coverage = comparison.coverage
    if coverage.headline_changed:
        substantive = bool(coverage.headline_substantive)
        reason = {
            "code": HEADLINE,
            "substantive": substantive,
            "text": "headline changed",
            "old": coverage.old_headline,
            "new": coverage.new_headline,
        }
        rows.append(
            (*head, -1, *commits, HEADLINE, HEADLINE, substantive, json.dumps([reason], ensure_ascii=False),
             coverage.old_headline, coverage.new_headline)
        )  # fmt: skip
    for position, change in enumerate(comparison.changes):
        kind = str(change.kind)
        if change.kind == ChangeKind.UNCHANGED:
            continue
        # Selected by its kind, or by a reason of its own weight (a substantive change by its substantive
        # reasons, as Comparison.claims selects; a cosmetic one by its cosmetic reasons).
        codes = [r.code for r in change.reasons if r.substantive == change.substantive]
        tags = " ".join(dict.fromkeys([kind, *codes]))
        reasons = json.dumps([r.to_dict() for r in change.reasons], ensure_ascii=False)
        old_text = change.old.text if change.old else None
        new_text = change.new.text if change.new else None
        rows.append((*head, position, *commits, kind, tags, change.substantive, reasons, old_text, new_text))
    return rows
