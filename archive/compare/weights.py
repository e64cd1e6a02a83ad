"""A second opinion on the content rule, learned from labelled edits: it confirms "new content" or overrules it.

The content rule (``archive.compare.verdict``) calls a hunk substantive when it
brings in content words, and about half the time annotators call such a hunk a
rewording ("was taken to hospital" → "was hospitalized"). Which words came in
does not tell the two apart (WordNet relations, word rarity and sentence
embeddings were tried, docs/claims.md); the shape of the edit tells a little
more: an insertion is more often news than a replacement, a swap inside a
sentence that was split or moved less often, and so on. ``evidence`` measures a
hunk in those terms, and a logistic regression weighs them. The weights are
fitted by ``benchmarks/claims_train.py`` on human-labelled revisions (the news
split and the other domains) and shipped as ``archive/compare/weights.json``;
inference is plain, deterministic Python.

Only hunks whose one substantive reason is the content rule's are weighed: a
number, date, name, quotation, negation, hedge or stance changed stays a claim
change whatever the weights say. A weighed hunk keeps the content rule's reason
and gains a ``weighed`` reason that gives the score, the threshold and the
evidence that counted; when the score is below the threshold the content
reason is marked cosmetic and so is the hunk.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from archive.compare.changes import Change, ChangeKind, Hunk, Reason
from archive.compare.signals import CONTENT_WORD, VersionText, stem
from archive.compare.verdict import content_words, word_changes
from archive.compare.words import count_words

__all__ = ["FEATURES", "Weights", "weighed", "evidence", "weigh", "load", "shipped"]

# Each feature, in the words a reason uses for it.
FEATURES: dict[str, str] = {
    "insertion": "words inserted, none replaced",
    "came": "content words brought in",
    "gone": "content words taken out",
    "novel": "words the article never used",
    "added_words": "words added to a sentence",
    "new_content": "several new content words",
    "reworded": "a rewording with a word new to the article",
    "hunks": "other edits in the sentence",
    "sub_hunks": "other edits in the sentence that the rules call substantive",
    "repeated": "a word brought in that the new version uses again",
    "capitalized": "a capitalized word brought in",
    "share": "share of the sentence changed",
    "old_words": "words taken out",
    "new_words": "words put in",
    "from_sentence": "words brought in from the same sentence",
    "kept_in_sentence": "words taken out that the new sentence keeps",
    "split": "a sentence split or merged",
    "moved": "a sentence moved",
}


def weighed(change: Change, hunk: Hunk, ledes: tuple[int, int]) -> bool:
    """Whether the weights judge ``hunk``: substantive by the content rule and by no other, in an edited sentence.

    The first sentence and a Markdown heading say what the article is about, so
    any content word changed there stays a claim change (``Rules.lede_words``);
    a rewrite is judged by its old claims against the new (``rewrite_reasons``).
    """
    if not hunk.substantive or any(reason.code != "content" for reason in hunk.reasons if reason.substantive):
        return False
    if change.kind == ChangeKind.REWRITTEN:
        return False
    return not _in_lede(change, ledes) and not (change.old is not None and change.old.text.startswith("#"))


def _in_lede(change: Change, ledes: tuple[int, int]) -> bool:
    return (change.old is not None and ledes[0] in change.old.sentences) or (
        change.new is not None and ledes[1] in change.new.sentences
    )


def evidence(change: Change, hunk: Hunk, old: VersionText, new: VersionText) -> dict[str, float]:
    """The features of one weighed hunk of ``change``."""
    content = next((reason.text for reason in hunk.reasons if reason.code == "content" and reason.substantive), "")
    old_words, new_words = content_words(hunk.old_text), content_words(hunk.new_text)
    came, gone = word_changes(old_words, new_words)
    novel = [word for word in came if stem(word) not in old.stem_counts]
    old_count, new_count = count_words(hunk.old_text), count_words(hunk.new_text)
    sentence = count_words(change.old.text if change.old else change.new.text if change.new else "") or 1
    old_sentence = {stem(word) for word in content_words(change.old.text)} if change.old else set()
    new_sentence = {stem(word) for word in content_words(change.new.text)} if change.new else set()
    capitalized = {word.lower() for word in CONTENT_WORD.findall(hunk.new_text) if word[:1].isupper()}
    return {
        "insertion": float(old_count == 0 and new_count > 0),
        "came": math.log1p(len(came)),
        "gone": math.log1p(len(gone)),
        "novel": math.log1p(len(novel)),
        "added_words": float(content.startswith("words added")),
        "new_content": float(content.startswith("new content")),
        "reworded": float(content.startswith("reworded with new words")),
        "hunks": math.log1p(len(change.hunks) - 1),
        "sub_hunks": math.log1p(sum(other.substantive for other in change.hunks) - 1),
        "repeated": float(any(new.stem_counts[stem(word)] > 1 for word in came)),
        "capitalized": float(any(word in capitalized for word in came)),
        "share": min(1.0, max(old_count, new_count) / sentence),
        "old_words": math.log1p(old_count),
        "new_words": math.log1p(new_count),
        "from_sentence": sum(stem(word) in old_sentence for word in came) / len(came) if came else 0.0,
        "kept_in_sentence": sum(stem(word) in new_sentence for word in gone) / len(gone) if gone else 0.0,
        "split": float(change.kind in (ChangeKind.SPLIT, ChangeKind.MERGED)),
        "moved": float(change.kind == ChangeKind.MOVED),
    }


@dataclass(frozen=True)
class Weights:
    """A logistic regression over ``FEATURES``: the content rule stands when the score reaches ``threshold``."""

    weights: Mapping[str, float]
    bias: float
    threshold: float

    def score(self, features: Mapping[str, float]) -> float:
        """The probability that the hunk changed a claim."""
        z = self.bias + sum(weight * features.get(name, 0.0) for name, weight in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def explain(self, features: Mapping[str, float], substantive: bool, top: int = 2) -> list[str]:
        """The features that pushed the score furthest towards the verdict, in words."""
        pushes = [
            (weight * features.get(name, 0.0), name)
            for name, weight in self.weights.items()
            if features.get(name, 0.0) and (weight > 0) == substantive
        ]
        pushes.sort(key=lambda push: (-abs(push[0]), push[1]))
        return [FEATURES[name] for _, name in pushes[:top]]

    def reason(self, features: Mapping[str, float]) -> Reason:
        """The verdict as a reason: the score against the threshold, and the evidence that decided it."""
        score = self.score(features)
        substantive = score >= self.threshold
        because = "; ".join(self.explain(features, substantive)) or "little evidence either way"
        shown = math.floor(score * 100) / 100  # rounded down, so 0.2496 reads "0.24 < 0.25", not "0.25 < 0.25"
        if substantive:
            text = f"weighed as new content ({shown:.2f} ≥ {self.threshold:.2f}): {because}"
        else:
            text = f"weighed as a rewording ({shown:.2f} < {self.threshold:.2f}): {because}"
        return Reason("weighed", text, substantive)


def weigh(
    changes: Iterable[Change], old: VersionText, new: VersionText, ledes: tuple[int, int], weights: Weights
) -> tuple[Change, ...]:
    """``changes`` with every weighed hunk confirmed or overruled, and each change's verdict and reasons to match."""
    result = []
    for change in changes:
        if not any(weighed(change, hunk, ledes) for hunk in change.hunks):
            result.append(change)
            continue
        hunks = tuple(_weigh_hunk(change, hunk, old, new, ledes, weights) for hunk in change.hunks)
        of_hunks = {reason for hunk in change.hunks for reason in hunk.reasons}
        reasons = [reason for hunk in hunks for reason in hunk.reasons]
        reasons += [reason for reason in change.reasons if reason not in of_hunks]
        substantive = any(hunk.substantive for hunk in hunks)
        result.append(dataclasses.replace(change, substantive=substantive, reasons=_unique(reasons), hunks=hunks))
    return tuple(result)


def _weigh_hunk(
    change: Change, hunk: Hunk, old: VersionText, new: VersionText, ledes: tuple[int, int], weights: Weights
) -> Hunk:
    if not weighed(change, hunk, ledes):
        return hunk
    verdict = weights.reason(evidence(change, hunk, old, new))
    if verdict.substantive:
        return dataclasses.replace(hunk, reasons=_unique((*hunk.reasons, verdict)))
    overruled = [dataclasses.replace(reason, substantive=False) for reason in hunk.reasons]
    return dataclasses.replace(hunk, substantive=False, reasons=_unique((verdict, *overruled)))


def _unique(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    """Reasons without repeats, substantive ones first (as ``archive.compare.claims`` orders them)."""
    return tuple(sorted(dict.fromkeys(reasons), key=lambda reason: not reason.substantive))


def load(text: str) -> Weights:
    """Weights from their JSON (``{"weights": {...}, "bias": …, "threshold": …}``)."""
    data = json.loads(text)
    unknown = set(data["weights"]) - set(FEATURES)
    if unknown:
        raise ValueError(f"weights for unknown features: {', '.join(sorted(unknown))}")
    return Weights(dict(data["weights"]), float(data["bias"]), float(data["threshold"]))


@cache
def shipped() -> Weights:
    """The shipped weights (``archive/compare/weights.json``), read on first use."""
    return load(files("archive.compare").joinpath("weights.json").read_text(encoding="utf-8"))
