"""Reading an article's history: pairs of versions and what changed between them."""

from __future__ import annotations

from dataclasses import dataclass

from .diff import WordDiff, word_diff
from .errors import VersionNotFound
from .model import Version, select_version
from .store import Store

__all__ = ["VersionPair", "VersionDiff", "select_pair", "diff_versions"]


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
