"""Reading an article's history: pairs of versions and what changed between them.

These functions join the store (which versions exist, their texts) to the
comparisons (``archive.compare.words`` word by word, ``archive.compare.claims`` sentence by
sentence), so the CLI and the web viewer ask one question each. They read what
the store stores, never the raw captures: nothing here runs the extractor.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from archive.compare.changes import Comparison
from archive.compare.words import WordDiff, word_diff
from archive.errors import InvalidInput, VersionNotFound
from archive.model import Version, select_version
from archive.store.collection import StoreSet
from archive.store.repository import Store

__all__ = [
    "TermMention",
    "TimelineEntry",
    "VersionComparison",
    "VersionDiff",
    "VersionPair",
    "compare_versions",
    "diff_versions",
    "select_pair",
    "term_coverage",
    "timeline",
]


@dataclass(frozen=True)
class VersionPair:
    """Two versions of one article and their texts, older first as the user named them."""

    old: Version
    new: Version
    old_text: str
    new_text: str


@dataclass(frozen=True)
class VersionDiff:
    """The word-level difference between two versions of one article."""

    pair: VersionPair
    words: WordDiff

    @property
    def title_changed(self) -> bool:
        return self.pair.old.title != self.pair.new.title


def select_pair(store: Store, article_id: str, old_spec: str | None = None, new_spec: str | None = None) -> VersionPair:
    """Resolve two version specifications; by default the two latest versions.

    With only ``old_spec``, the pair is that version and the latest one.
    """
    versions = store.versions(article_id)
    if old_spec is None:
        if len(versions) < 2:
            raise VersionNotFound(f"{article_id} has only one version; there is nothing to compare yet")
        old, new = versions[-2], versions[-1]
    else:
        old = select_version(versions, old_spec)
        new = select_version(versions, new_spec or "latest")
    return VersionPair(old, new, store.text(old), store.text(new))


def diff_versions(
    store: Store, article_id: str, old_spec: str | None = None, new_spec: str | None = None
) -> VersionDiff:
    """The word diff between two versions of an article (default: the two latest)."""
    pair = select_pair(store, article_id, old_spec, new_spec)
    return VersionDiff(pair, word_diff(pair.old_text, pair.new_text))


@dataclass(frozen=True)
class VersionComparison:
    """The sentence-aligned, claim-aware comparison of two versions of one article."""

    pair: VersionPair
    comparison: Comparison


def _compare_pair(pair: VersionPair) -> Comparison:
    # Imported here: a word diff (``diff_versions``) does not need the claim engine.
    from archive.compare.claims import compare

    # Only the stored texts and titles: links are not stored (the text has none), and finding them in
    # the raw HTML would mean running the extractor again on every comparison.
    return compare(pair.old_text, pair.new_text, old_title=pair.old.title, new_title=pair.new.title)


def compare_versions(
    store: Store, article_id: str, old_spec: str | None = None, new_spec: str | None = None
) -> VersionComparison:
    """Compare two versions sentence by sentence (default: the two latest), with claim signals."""
    pair = select_pair(store, article_id, old_spec, new_spec)
    return VersionComparison(pair, _compare_pair(pair))


@dataclass(frozen=True)
class TimelineEntry:
    """One version and how it differs from the one before it (None for the first version)."""

    version: Version
    comparison: Comparison | None


def timeline(store: Store, article_id: str) -> list[TimelineEntry]:
    """Every version of an article with the coverage summary of its change from the previous one."""
    versions = store.versions(article_id)
    texts = [store.text(version) for version in versions]
    entries = [TimelineEntry(versions[0], None)]
    for position in range(1, len(versions)):
        pair = VersionPair(versions[position - 1], versions[position], texts[position - 1], texts[position])
        entries.append(TimelineEntry(versions[position], _compare_pair(pair)))
    return entries


@dataclass(frozen=True)
class TermMention:
    """How often one version of an article mentions a term (headline included)."""

    version: Version
    count: int


def term_coverage(store: Store | StoreSet, term: str) -> list[TermMention]:
    """Every version of every article that mentions ``term`` in any of its versions, oldest first.

    Versions that no longer mention it are kept (count 0), so a term that was
    dropped from a story shows as a fall to zero. Matching is case-insensitive
    on whole words; the term may be several words. Several stores read as one (a ``StoreSet``) give
    their articles' qualified ids.
    """
    words = unicodedata.normalize("NFC", term).split()
    if not words:
        raise InvalidInput("give a term to look for")
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.IGNORECASE)
    mentions: list[TermMention] = []
    for article_id in store.article_ids():
        counts = [
            TermMention(version, len(pattern.findall(version.title)) + len(pattern.findall(store.text(version))))
            for version in store.versions(article_id)
        ]
        if any(mention.count for mention in counts):
            mentions.extend(counts)
    mentions.sort(key=lambda mention: (mention.version.captured_at, mention.version.article_id))
    return mentions
