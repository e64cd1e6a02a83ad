"""The result of comparing two versions: changes, their hunks and reasons, and a coverage summary.

These frozen dataclasses are what ``archive.compare.claims.compare`` returns and what
the renderers show. They live apart from the comparison so that
``archive.compare.verdict``, which gives hunks their reasons, and ``archive.compare.claims``,
which assembles the changes, share them without importing each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from archive.compare.words import WordDiff

__all__ = [
    "ChangeKind",
    "REASON_CODES",
    "SELECTABLE_KINDS",
    "Reason",
    "shorten",
    "Excerpt",
    "Hunk",
    "Change",
    "Quote",
    "Coverage",
    "Comparison",
]


class ChangeKind(StrEnum):
    """What happened to a sentence (or group of sentences) between two versions."""

    UNCHANGED = "unchanged"
    EDITED = "edited"
    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"
    SPLIT = "split"
    MERGED = "merged"
    REWRITTEN = "rewritten"
    NOTICE = "notice"


# Every code a Reason may carry (docs/claims.md): with the ChangeKind values, what a change can be selected by
# (``Comparison.claims``, ``archive changes --kind``).
REASON_CODES = frozenset(
    "number date entity quote negation hedge attribution plan content added removed notice spelling punctuation "
    "case wording reference boilerplate moved split merged rewritten synonym weighed".split()
)

# What a change may be selected by (``archive changes --kind``, a noise rule's ``alert``): what happened to its
# sentences, a reason code, or ``headline``, the title's change that the coverage summary reports.
SELECTABLE_KINDS = frozenset({str(kind) for kind in ChangeKind} | REASON_CODES | {"headline"})


@dataclass(frozen=True)
class Reason:
    """Why a hunk is substantive or cosmetic: a machine-readable ``code`` and a human ``text``."""

    code: str
    text: str
    substantive: bool
    old: str | None = None
    new: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "substantive": self.substantive,
            "text": self.text,
            "old": self.old,
            "new": self.new,
        }


def shorten(text: str, width: int = 60) -> str:
    """``text`` as a reason quotes it: cut to ``width`` characters, with "…" where it was cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


@dataclass(frozen=True)
class Excerpt:
    """One side of a change: ``text == version[start:end]``, made of sentences ``sentences``."""

    text: str
    start: int
    end: int
    sentences: tuple[int, ...]
    paragraph: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "span": [self.start, self.end],
            "sentences": list(self.sentences),
            "paragraph": self.paragraph,
        }


@dataclass(frozen=True)
class Hunk:
    """A run of changed words, the unit that is classified.

    Spans are absolute offsets in each version. A pure insertion has an empty
    old span at the place it was inserted, a pure deletion an empty new span.
    An added sentence's old span is the gap between the old sentences it was
    inserted between; a removed sentence's new span is the gap it left.
    """

    old_start: int
    old_end: int
    new_start: int
    new_end: int
    old_text: str
    new_text: str
    substantive: bool
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "substantive": self.substantive,
            "old": {"text": self.old_text, "span": [self.old_start, self.old_end]},
            "new": {"text": self.new_text, "span": [self.new_start, self.new_end]},
            "reasons": [reason.to_dict() for reason in self.reasons],
        }


@dataclass(frozen=True)
class Change:
    """An aligned group of sentences and what happened to it.

    ``edited`` says whether the text changed, which matters for ``moved``
    (a moved sentence may also have been edited) and for splits and merges.
    ``diff`` is the word diff from ``old.text`` to ``new.text`` when both exist.
    """

    kind: ChangeKind
    substantive: bool
    reasons: tuple[Reason, ...]
    old: Excerpt | None
    new: Excerpt | None
    edited: bool
    diff: WordDiff | None
    hunks: tuple[Hunk, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "substantive": self.substantive,
            "edited": self.edited,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "old": self.old.to_dict() if self.old else None,
            "new": self.new.to_dict() if self.new else None,
            "diff": [[op, text] for op, text in self.diff.ops] if self.diff else None,
            "hunks": [hunk.to_dict() for hunk in self.hunks],
        }


@dataclass(frozen=True)
class Quote:
    """A direct quotation and who it is attributed to, when the text says."""

    text: str
    speaker: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "speaker": self.speaker}


@dataclass(frozen=True)
class Coverage:
    """How the coverage moved between two versions, at a glance.

    ``headline_changed`` and the link lists are ``None`` when titles or links
    were not given, so "not known" is not confused with "no change".
    """

    headline_changed: bool | None
    headline_substantive: bool | None
    old_headline: str | None
    new_headline: str | None
    lede_changed: bool
    lede_substantive: bool
    words_added: int
    words_removed: int
    sentences_added: int
    sentences_removed: int
    quotes_added: tuple[Quote, ...]
    quotes_dropped: tuple[Quote, ...]
    sources_added: tuple[str, ...]
    sources_dropped: tuple[str, ...]
    entities_added: tuple[str, ...]
    entities_dropped: tuple[str, ...]
    links_added: tuple[str, ...] | None
    links_removed: tuple[str, ...] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "headline": {
                "changed": self.headline_changed,
                "substantive": self.headline_substantive,
                "old": self.old_headline,
                "new": self.new_headline,
            },
            "lede": {"changed": self.lede_changed, "substantive": self.lede_substantive},
            "words": {"added": self.words_added, "removed": self.words_removed},
            "sentences": {"added": self.sentences_added, "removed": self.sentences_removed},
            "quotes": {
                "added": [quote.to_dict() for quote in self.quotes_added],
                "dropped": [quote.to_dict() for quote in self.quotes_dropped],
            },
            "sources": {"added": list(self.sources_added), "dropped": list(self.sources_dropped)},
            "entities": {"added": list(self.entities_added), "dropped": list(self.entities_dropped)},
            "links": None
            if self.links_added is None or self.links_removed is None
            else {"added": list(self.links_added), "removed": list(self.links_removed)},
        }


@dataclass(frozen=True)
class Comparison:
    """Every change between two versions, in reading order of the new one, with a coverage summary."""

    changes: tuple[Change, ...]
    coverage: Coverage

    @property
    def substantive_changes(self) -> tuple[Change, ...]:
        """The substantive changes, correction and update notices first: they say what the newsroom changed."""
        changes = [change for change in self.changes if change.substantive]
        return tuple(sorted(changes, key=lambda change: change.kind != ChangeKind.NOTICE))

    def claims(self, kinds: Collection[str] | None = None) -> tuple[Change, ...]:
        """The substantive changes, notices first, kept to ``kinds`` when given.

        A kind is a change kind (``rewritten``, ``added``, ``notice``…) or a
        reason code (``number``, ``quote``, ``hedge``…): a change is kept when
        its kind or one of its substantive reasons is among them.
        """
        if kinds is None:
            return self.substantive_changes
        wanted = frozenset(kinds)
        return tuple(
            change
            for change in self.substantive_changes
            if str(change.kind) in wanted or any(r.substantive and r.code in wanted for r in change.reasons)
        )

    @property
    def counts(self) -> dict[str, int]:
        """Changes per kind, plus how many changes are substantive and how many cosmetic."""
        counts = {str(kind): 0 for kind in ChangeKind}
        counts.update(Counter(str(change.kind) for change in self.changes))
        changed = [change for change in self.changes if change.kind != ChangeKind.UNCHANGED]
        counts["substantive"] = sum(change.substantive for change in changed)
        counts["cosmetic"] = len(changed) - counts["substantive"]
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "coverage": self.coverage.to_dict(),
            "changes": [change.to_dict() for change in self.changes],
        }
