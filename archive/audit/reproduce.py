"""Reproduction: derive each stored text again from its raw capture, and compare.

Extraction is a pure function of the raw bytes, the recorded media type,
charset and capture time (see ``archive.capture.extract``), so re-running it on a
stored raw capture must give the stored text, byte for byte, as long as the
extractor is the one that was recorded. When the installed extractor's
version differs, a different text says more about the extractor than the
capture; it gets its own status instead of a bare mismatch.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from archive.capture.extract import extract, extractor_for
from archive.errors import ArchiveError, ArticleNotFound
from archive.ingest.rules import rules_for
from archive.ingest.snapshot import recapture
from archive.model import parse_time
from archive.store.history import VersionRecord, parse_metadata, read_history, version_files
from archive.store.layout import META_FILE, RULES_FILE
from archive.store.metadata import recorded_rules_blob, text_sha256
from archive.store.repository import Store
from archive.store.rules import parse_rules

__all__ = [
    "STATUSES",
    "Reproduced",
    "Reproduction",
    "Extraction",
    "reproduce",
    "reextract",
    "recorded_rules",
    "select_versions",
]

# Every status, with what it means; the names are stable (``--json``).
STATUSES = {
    "reproduced": "re-extraction gives the stored text, with the extractor version that was recorded",
    "reproduced-other-extractor": "re-extraction gives the stored text, although the installed extractor's version "
    "differs from the recorded one",
    "extractor-changed": "re-extraction gives another text, and the installed extractor's version differs from the "
    "recorded one: install the recorded version to tell a changed extractor from a changed capture",
    "mismatch": "re-extraction with the recorded extractor version gives another text: the stored text is not what "
    "its raw capture yields",
    "failed": "the raw capture or its metadata cannot be read, or extraction fails",
}
GOOD = ("reproduced", "reproduced-other-extractor")
# Metadata that extraction yields; the first three may also have been given at capture (--title, --author,
# --published), so a difference there is a note, not a failure.
EXTRACTED_FIELDS = ("title", "authors", "published", "canonical_url", "site_name", "image_credit")
# Below this many captures, worker processes cost more than they save.
PARALLEL_THRESHOLD = 48


@dataclass(frozen=True)
class Extraction:
    """What re-extracting one raw capture gave: the text (or why not) and the extractor used."""

    text: str | None
    extractor: str | None
    fields: Mapping[str, Any]
    error: str | None = None


@dataclass(frozen=True)
class Reproduced:
    """One version's reproduction: its status, the two text hashes and the two extractors."""

    article: str
    version: int | None
    commit: str
    status: str
    message: str
    recorded_sha256: str | None
    actual_sha256: str | None
    recorded_extractor: str | None
    current_extractor: str | None
    metadata_differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reproduction:
    """Every version's reproduction; ``ok`` when each one gave its stored text."""

    store: str
    head: str | None
    results: tuple[Reproduced, ...]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(result.status for result in self.results)
        return {status: counted[status] for status in STATUSES}

    @property
    def ok(self) -> bool:
        return all(result.status in GOOD for result in self.results)


def _extractor_name(metadata: Mapping[str, Any]) -> str | None:
    recorded = metadata.get("extractor")
    if not isinstance(recorded, Mapping):
        return None
    return f"{recorded.get('name')} {recorded.get('version')}"


def _extract_one(rules: Mapping[str, bytes], item: tuple[Mapping[str, Any], bytes]) -> Extraction:
    """Re-extract one raw capture as ``snapshot`` did, with the noise rules it records (in a worker process)."""
    metadata, raw = item
    try:
        capture = recapture(metadata, raw)
        name, version = extractor_for(capture)
        blob = recorded_rules_blob(metadata)
        applied = None
        if blob is not None:
            if blob not in rules:
                return Extraction(None, None, {}, f"the rules file it records (blob {blob[:12]}) is not in the store")
            applied = rules_for(parse_rules(rules[blob], RULES_FILE, blob), capture, str(metadata["id"]))
        extracted = extract(capture, parse_time(str(metadata["captured_at"]), end_of_day=False), applied)
    except ArchiveError as error:
        return Extraction(None, None, {}, str(error))
    except (KeyError, TypeError, ValueError) as error:
        return Extraction(None, None, {}, f"the metadata lacks what extraction needs ({error})")
    fields = {field: getattr(extracted, field) for field in EXTRACTED_FIELDS}
    fields["authors"] = list(extracted.authors)
    return Extraction(extracted.text, f"{name} {version}", fields)


def reextract(
    items: Sequence[tuple[Mapping[str, Any], bytes]], jobs: int | None = None, rules: Mapping[str, bytes] | None = None
) -> list[Extraction]:
    """Re-extract many (metadata, raw capture) pairs, on every core when there are enough of them.

    ``rules``: the rules files the versions record as applied, by blob id (``recorded_rules``).
    """
    extract_one = functools.partial(_extract_one, dict(rules or {}))
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(items) < PARALLEL_THRESHOLD:
        return [extract_one(item) for item in items]
    # fork: workers start at once and inherit the loaded extractor.
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(extract_one, items, chunksize=max(1, len(items) // (jobs * 8))))


def recorded_rules(store: Store, metadata: Iterable[Mapping[str, Any] | None]) -> dict[str, bytes]:
    """The rules files that versions record as applied, read from the store by blob id (a missing one is left out)."""
    blobs = sorted({blob for item in metadata if item and (blob := recorded_rules_blob(item))})
    return {blob: data for blob, data in store.read_objects(blobs) if data is not None}


def select_versions(store: Store, versions: Sequence[VersionRecord], articles: Sequence[str]) -> list[VersionRecord]:
    """The versions of the named articles (ids, URLs or prefixes), or all of them when none is named."""
    if not articles:
        return list(versions)
    known = {v.article_id for v in versions}
    chosen: set[str] = set()
    for reference in articles:
        if reference in known:
            chosen.add(reference)
            continue
        prefixed = {article for article in known if article.startswith(reference)}
        if len(prefixed) == 1:
            chosen |= prefixed
            continue
        try:
            chosen.add(store.find_article(reference))
        except ArticleNotFound:
            if prefixed:
                shown = ", ".join(sorted(prefixed)[:5])
                raise ArticleNotFound(
                    f"{reference!r} matches {len(prefixed)} articles ({shown}); give more of the id"
                ) from None
            raise
    return [v for v in versions if v.article_id in chosen]


def reproduce(store: Store, articles: Sequence[str] = (), jobs: int | None = None) -> Reproduction:
    """Re-extract every stored raw capture (of ``articles``, default all) and compare with the recorded text hash."""
    history = read_history(store)
    versions = select_versions(store, history.versions, articles)
    results: list[Reproduced | None] = []
    work: list[tuple[int, tuple[Mapping[str, Any], bytes]]] = []
    records: list[tuple[VersionRecord, Mapping[str, Any] | None]] = []
    for version, contents in version_files(store, versions):
        metadata, problem = parse_metadata(contents.get(META_FILE))
        raw_name = (metadata or {}).get("raw", {}).get("file") if metadata else None
        raw = contents.get(raw_name) if isinstance(raw_name, str) else None
        records.append((version, metadata))
        if metadata is None or raw is None:
            reason = problem if metadata is None else f"the raw capture {raw_name!r} is missing or unreadable"
            results.append(_result(version, metadata, "failed", reason or "unreadable", None, None))
            continue
        results.append(None)
        work.append((len(results) - 1, (metadata, raw)))
    rules = recorded_rules(store, (metadata for _, metadata in records))
    for (position, _), extraction in zip(work, reextract([item for _, item in work], jobs, rules), strict=True):
        version, metadata = records[position]
        assert metadata is not None
        results[position] = _compare(version, metadata, extraction)
    return Reproduction(str(store.path), history.head, tuple(r for r in results if r is not None))


def _result(
    version: VersionRecord,
    metadata: Mapping[str, Any] | None,
    status: str,
    message: str,
    actual: str | None,
    current: str | None,
    differences: Iterable[str] = (),
) -> Reproduced:
    recorded = ((metadata or {}).get("text") or {}).get("sha256") if metadata else None
    return Reproduced(
        article=version.article_id,
        version=version.number,
        commit=version.commit.commit,
        status=status,
        message=message,
        recorded_sha256=recorded,
        actual_sha256=actual,
        recorded_extractor=_extractor_name(metadata) if metadata else None,
        current_extractor=current,
        metadata_differences=tuple(differences),
    )


def _compare(version: VersionRecord, metadata: Mapping[str, Any], extraction: Extraction) -> Reproduced:
    if extraction.text is None:
        return _result(version, metadata, "failed", extraction.error or "extraction failed", None, None)
    actual = text_sha256(extraction.text)
    recorded_sha = (metadata.get("text") or {}).get("sha256")
    recorded, current = _extractor_name(metadata), extraction.extractor
    same_extractor = recorded == current
    differences = [
        field for field in EXTRACTED_FIELDS if _comparable(metadata.get(field)) != _comparable(extraction.fields[field])
    ]
    if actual == recorded_sha:
        if same_extractor:
            return _result(version, metadata, "reproduced", "gives the stored text", actual, current, differences)
        return _result(
            version,
            metadata,
            "reproduced-other-extractor",
            f"gives the stored text with {current} (recorded: {recorded})",
            actual,
            current,
            differences,
        )
    if same_extractor:
        message = f"{current} gives text {actual[:12]}, the recorded text is {str(recorded_sha)[:12]}"
        return _result(version, metadata, "mismatch", message, actual, current, differences)
    message = (
        f"{current} gives text {actual[:12]}, the recorded text is {str(recorded_sha)[:12]}, extracted with {recorded}"
    )
    return _result(version, metadata, "extractor-changed", message, actual, current, differences)


def _comparable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple | list) else value
