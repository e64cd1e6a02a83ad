"""Snapshotting: capture an article, extract it, measure what changed, and store it as a new version."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from archive.capture.extract import Extracted, extract
from archive.capture.fetch import (
    DEFAULT_TIMEOUT,
    Capture,
    is_url,
    parse_content_type,
    read_source,
)
from archive.capture.normalize import one_line_options
from archive.compare.words import count_words, word_diff
from archive.errors import ExtractionFailed, InvalidInput
from archive.ids import article_id_from_title, article_id_from_url, validate_article_id
from archive.ingest.rules import mark_rules_change, rules_for, rules_metadata
from archive.model import check_capture_time, parse_time
from archive.store.layout import RULES_FILE
from archive.store.metadata import WordCounts, capture_fields, recorded_capture, recorded_text_sha256, text_sha256
from archive.store.repository import Store
from archive.store.writer import AddResult, NewVersion, Writer
from archive.version import __version__

if TYPE_CHECKING:
    from archive.store.rules import RuleSet

__all__ = ["snapshot", "describe", "choose_article_id", "new_version", "add_version", "recapture", "UrlLookup"]


def snapshot(
    store: Store,
    source: str | Capture,
    *,
    url: str | None = None,
    article_id: str | None = None,
    title: str | None = None,
    authors: Sequence[str] | None = None,
    published: str | None = None,
    at: datetime | None = None,
    stdin: BinaryIO | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> AddResult:
    """Capture ``source`` and store it as the article's next version, unless nothing changed.

    ``url``, ``title``, ``authors``, ``published`` and ``article_id`` override
    what the capture says; ``at`` is the capture time to record (default: the
    capture's own time, else now), for imports of older captures.
    """
    if article_id is not None:
        validate_article_id(article_id)
    one_line_options({"--title": title, "--author": authors, "--published": published, "--url": url})
    if published is not None:
        parse_time(published)  # refuse a malformed date before anything is read
    if at is not None:
        check_capture_time(at)  # and a capture time git cannot record, or one in the future
    taken = source if isinstance(source, Capture) else read_source(source, stdin=stdin, timeout=timeout)
    if url is not None:
        if not is_url(url):
            raise InvalidInput(f"--url must be an http(s) URL, not {url!r}")
        taken = dataclasses.replace(taken, url=url)
    given = at or taken.captured_at
    if given is not None:
        check_capture_time(given)
    captured_at = (given or datetime.now(UTC)).replace(microsecond=0)
    overrides: dict[str, Any] = {"title": title, "published": published}
    if authors:
        overrides["authors"] = tuple(authors)

    def extracted_at(moment: datetime, rules: RuleSet | None = None) -> Extracted:
        extracted = extract(taken, moment, rules)
        return dataclasses.replace(extracted, **{k: v for k, v in overrides.items() if v is not None})

    # Read before the lock, with the rules of the page's site (and of its article, when --id names it) that the
    # store's checked-out rules.yaml gives: a store without the file pays nothing for rules, and a bare store
    # is asked under the lock. Rules change the text, never the metadata that names the article.
    early = rules_for(store.rules() if (store.path / RULES_FILE).is_file() else None, taken, article_id)
    failure: ExtractionFailed | None = None
    try:
        extracted: Extracted | None = extracted_at(captured_at, early)
    except ExtractionFailed as error:  # perhaps only until a rule selects the page's body
        extracted, failure = None, error
    name_hint = source if isinstance(source, str) and source != "-" and not is_url(source) else None
    with store.writing() as writer:
        rules = writer.rules()
        if extracted is None:
            early = rules_for(rules, taken, article_id)
            if early is None or failure is None:
                raise failure or ExtractionFailed("no article text found")
            extracted = extracted_at(captured_at, early)
        chosen_id = article_id or choose_article_id(writer, taken, extracted, name_hint)
        applied = rules_for(rules, taken, chosen_id)
        moment = captured_at
        if given is None:
            # Captured now: the time is taken once the store's lock is held, and is later than the
            # article's latest version, so capture times increase along a history whatever other
            # writers do (issue 10, item 10).
            latest = writer.latest(chosen_id)
            now = datetime.now(UTC).replace(microsecond=0)
            moment = max(now, latest.captured_at + timedelta(seconds=1)) if latest else now
        # Read again with the rules in force under the lock (the article's, once it is named), or because the
        # published date is bounded by the capture's day.
        if applied != early or moment.date() != captured_at.date():
            extracted = extracted_at(moment, applied)
        new = mark_rules_change(writer, new_version(chosen_id, taken, extracted, moment, applied), taken, applied)
        return add_version(writer, new)


def new_version(
    article_id: str, taken: Capture, extracted: Extracted, captured_at: datetime, rules: RuleSet | None = None
) -> NewVersion:
    """What a capture records as a version of ``article_id`` (``rules``: the noise rules applied to it): one
    place, so that a bulk import gives the same commits as snapshots one at a time."""
    return NewVersion(
        article_id=article_id,
        text=extracted.text,
        raw=taken.raw,
        raw_media_type=taken.media_type,
        captured_at=captured_at,
        metadata=describe(taken, extracted, rules),
    )


def add_version(
    writer: Writer,
    new: NewVersion,
    known: Mapping[tuple[str, str], tuple[int, int]] | None = None,
    *,
    replay: bool = False,
) -> AddResult:
    """``writer.add(new)``, with the word counts the version records measured here: the store runs no diff.

    A capture no later than the latest version is first put to ``writer.recorded``: one already
    recorded adds nothing (``recorded`` True), one that would go back in time is refused (InvalidInput).
    ``known``: words added and removed measured elsewhere (the bulk path's worker processes), keyed by the
    SHA-256s of the two texts, so that those pairs are not diffed again. ``replay``: ``new`` is a version
    of a recorded history, added again as it was (``archive rebuild``), even one an older archive stored
    before the version it follows; it is not put to ``writer.recorded``.
    """
    recorded = None if replay else writer.recorded(new)
    if recorded is not None:
        return AddResult(recorded, created=False, recorded=True)
    words = count_words(new.text)
    latest = writer.latest(new.article_id)
    if latest is None:
        return writer.add(new, WordCounts(None, words, words, 0))
    old_sha, new_sha = recorded_text_sha256(latest.metadata), text_sha256(new.text)
    if old_sha == new_sha:
        added, removed = 0, 0
    elif known is not None and (old_sha, new_sha) in known:
        added, removed = known[old_sha, new_sha]
    else:
        changes = word_diff(writer.text(latest), new.text)
        added, removed = changes.words_added, changes.words_removed
    return writer.add(new, WordCounts(old_sha, words, added, removed))


class UrlLookup(Protocol):
    """What knows the articles by URL: a ``Store``, or a ``Writer`` that also knows what it added."""

    def article_for_url(self, url: str) -> str | None: ...


def choose_article_id(known: UrlLookup, taken: Capture, extracted: Extracted, name_hint: str | None = None) -> str:
    """The id for a capture: an existing article with the same URL, else one derived from URL, title or file name."""
    for url in (taken.url, taken.final_url, extracted.canonical_url):
        existing = known.article_for_url(url) if url else None
        if existing:
            return existing
    if taken.url:
        return article_id_from_url(taken.url)
    if extracted.title:
        return article_id_from_title(extracted.title)
    if name_hint:
        return article_id_from_title(Path(name_hint).stem)
    raise InvalidInput("cannot name this article: give --id, --url or --title")


def describe(taken: Capture, extracted: Extracted, rules: RuleSet | None = None) -> dict[str, Any]:
    """The metadata a capture gives a version (``archive.store.metadata.capture_fields``)."""
    return capture_fields(
        url=taken.url,
        final_url=taken.final_url,
        canonical_url=extracted.canonical_url,
        title=extracted.title,
        authors=extracted.authors,
        published=extracted.published,
        site_name=extracted.site_name,
        image_credit=extracted.image_credit,
        source=taken.source,
        http_status=taken.http_status,
        content_type=taken.content_type,
        extractor=extracted.extractor,
        extractor_version=extracted.extractor_version,
        archiver_version=__version__,
        charset=extracted.charset,
        rules=rules_metadata(rules),
    )


def recapture(metadata: Mapping[str, Any], raw: bytes) -> Capture:
    """The Capture a stored version was made from, rebuilt from its raw bytes and metadata.

    The inverse of ``describe`` for everything extraction depends on, so that
    re-extracting a stored version gives what the archive recorded.
    """
    recorded = recorded_capture(metadata)
    _, charset = parse_content_type(recorded.content_type)
    return Capture(
        raw=raw,
        source=recorded.source,
        media_type=recorded.media_type,
        url=recorded.url,
        final_url=recorded.final_url,
        http_status=recorded.http_status,
        content_type=recorded.content_type,
        charset=charset,
        captured_at=parse_time(recorded.captured_at),
    )
