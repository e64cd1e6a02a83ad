"""Sentence alignment: which sentence of the new version each old sentence became.

Alignment runs in three passes, cheapest first, so that long documents with
few edits cost little more than hashing:

1. identical sentences are paired by text;
2. the rest are scored by a word-level similarity computed in rapidfuzz (C)
   over their content words, and paired greedily, best first; a lone leftover
   pair between the same neighbours is paired as a rewrite;
3. a pair grows into a split (one old, several new) or a merge (several old,
   one new) when an adjacent unpaired sentence makes the texts more alike;
4. old and new sentences still unpaired between the same neighbours form one
   ``rewritten`` group: the new text took the place of the old.

Pairs that are out of order relative to the others are marked ``moved``: the
fewest pairs whose removal leaves the rest in order (the complement of a
longest increasing subsequence).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import LCSseq

from archive.compare.sentences import Sentence
from archive.compare.words import longest_increasing

__all__ = ["Match", "align", "MIN_SIMILARITY", "MIN_REWRITE_SIMILARITY"]

# Two sentences are counterparts when at least half their content words are
# shared in order (word-level Dice coefficient), or when a sentence of four or
# more content words survives almost whole inside a longer rewrite of it.
MIN_SIMILARITY = 0.5
_MIN_CONTAINMENT = 0.75
_MIN_CONTAINED_WORDS = 4
# A lone unmatched sentence between the same neighbours on both sides is a
# rewrite of it when they share this much.
MIN_REWRITE_SIMILARITY = 0.2
# Among equally good candidates, prefer the one between the same unchanged
# neighbours: edits happen in place far more often than moves.
_SAME_GAP_BONUS = 0.1

_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "his",
        "her",
        "their",
        "him",
        "them",
        "i",
        "we",
        "you",
        "our",
        "your",
        "there",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "while",
        "than",
        "then",
        "so",
        "not",
        "no",
    ]
)


@dataclass(frozen=True)
class Match:
    """Old sentences (indices) and their counterparts in the new version.

    ``old`` is empty for an added sentence and ``new`` is empty for a removed
    one; either holds several indices for a merge or a split. ``rewritten``
    groups the unmatched old and new sentences between the same neighbours:
    the new ones took the old ones' place. ``similarity`` is the word-level
    similarity of the joined texts, 1.0 when identical.
    """

    old: tuple[int, ...]
    new: tuple[int, ...]
    similarity: float
    moved: bool = False
    rewritten: bool = False


def align(old: Sequence[Sentence], new: Sequence[Sentence]) -> tuple[Match, ...]:
    """Align two versions' sentences; the matches come in reading order of the new version.

    A removed sentence comes right before the sentence that now follows the
    place it was removed from.
    """
    pairs = _pair_identical(old, new)
    codes: dict[str, str] = {}
    old_keys = [_key(sentence.text, codes) for sentence in old]
    new_keys = [_key(sentence.text, codes) for sentence in new]
    scores = dict.fromkeys(pairs.items(), 1.0)
    _pair_similar(old_keys, new_keys, pairs, scores)
    _pair_rewrites(old_keys, new_keys, pairs, scores)
    groups = _grow(old_keys, new_keys, pairs, scores, len(old), len(new))
    return _in_reading_order(groups, len(old))


def _pair_identical(old: Sequence[Sentence], new: Sequence[Sentence]) -> dict[int, int]:
    positions: dict[str, deque[int]] = defaultdict(deque)
    for sentence in new:
        positions[sentence.text].append(sentence.index)
    pairs: dict[int, int] = {}
    for sentence in old:
        queue = positions.get(sentence.text)
        if queue:
            pairs[sentence.index] = queue.popleft()
    return pairs


def _key(text: str, codes: dict[str, str]) -> str:
    """Content words as one character each, so rapidfuzz compares words, not letters."""
    words = [word for word in _WORD.findall(text.lower()) if word not in _STOPWORDS]
    return "".join(codes.setdefault(word, chr(0x10000 + len(codes))) for word in words)


def _similarity(old_key: str, new_key: str, common: float) -> float:
    if not old_key or not new_key:
        return 0.0
    dice = 2 * common / (len(old_key) + len(new_key))
    shorter = min(len(old_key), len(new_key))
    if shorter >= _MIN_CONTAINED_WORDS and common / shorter >= _MIN_CONTAINMENT:
        return max(dice, MIN_SIMILARITY)
    return dice


def _pair_similar(
    old_keys: list[str], new_keys: list[str], pairs: dict[int, int], scores: dict[tuple[int, int], float]
) -> None:
    free_old = [i for i in range(len(old_keys)) if i not in pairs and old_keys[i]]
    taken = set(pairs.values())
    free_new = [j for j in range(len(new_keys)) if j not in taken and new_keys[j]]
    if not free_old or not free_new:
        return
    old_gap, new_gap = _gaps(pairs, len(old_keys), len(new_keys))
    choices = [new_keys[j] for j in free_new]
    candidates = []
    for i in free_old:
        key = old_keys[i]
        # Below this many shared words neither the Dice nor the containment test can pass.
        cutoff = max(1, min(len(key) // 4, _MIN_CONTAINED_WORDS - 1))
        for _, common, position in process.extract(
            key, choices, scorer=LCSseq.similarity, score_cutoff=cutoff, limit=None
        ):
            j = free_new[position]
            score = _similarity(key, new_keys[j], common)
            if score >= MIN_SIMILARITY:
                bonus = _SAME_GAP_BONUS if old_gap[i] == new_gap[j] else 0.0
                candidates.append((score + bonus, score, i, j))
    candidates.sort(key=lambda candidate: (-candidate[0], candidate[2], candidate[3]))
    for _, score, i, j in candidates:
        if i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)
            scores[(i, j)] = score


def _pair_rewrites(
    old_keys: list[str], new_keys: list[str], pairs: dict[int, int], scores: dict[tuple[int, int], float]
) -> None:
    """Pair the one unmatched old and one unmatched new sentence left between the same neighbours.

    A sentence rewritten in place keeps its position even when it keeps few
    of its words; pairing it gives a word diff instead of a removal plus an
    addition. It must still share some content.
    """
    old_gap, new_gap = _gaps(pairs, len(old_keys), len(new_keys))
    taken = set(pairs.values())
    free_old: dict[int, list[int]] = defaultdict(list)
    free_new: dict[int, list[int]] = defaultdict(list)
    for i in range(len(old_keys)):
        if i not in pairs:
            free_old[old_gap[i]].append(i)
    for j in range(len(new_keys)):
        if j not in taken:
            free_new[new_gap[j]].append(j)
    for gap, olds in free_old.items():
        news = free_new.get(gap, [])
        if len(olds) == 1 and len(news) == 1:
            i, j = olds[0], news[0]
            score = _similarity(old_keys[i], new_keys[j], LCSseq.similarity(old_keys[i], new_keys[j]))
            if score >= MIN_REWRITE_SIMILARITY:
                pairs[i] = j
                scores[(i, j)] = score


def _gaps(pairs: dict[int, int], old_count: int, new_count: int) -> tuple[list[int], list[int]]:
    """For each sentence, how many in-order anchors precede it: equal gaps sit between the same neighbours."""
    in_order = longest_increasing(sorted(pairs.items()))
    old_gap, new_gap = [0] * old_count, [0] * new_count
    old_anchors = sorted(i for i, _ in in_order)
    new_anchors = sorted(j for _, j in in_order)
    for i in range(old_count):
        old_gap[i] = bisect_left(old_anchors, i)
    for j in range(new_count):
        new_gap[j] = bisect_left(new_anchors, j)
    return old_gap, new_gap


def _grow(
    old_keys: list[str],
    new_keys: list[str],
    pairs: dict[int, int],
    scores: dict[tuple[int, int], float],
    old_count: int,
    new_count: int,
) -> list[Match]:
    free_old = set(range(old_count)) - pairs.keys()
    free_new = set(range(new_count)) - set(pairs.values())
    groups = []
    for i, j in sorted(pairs.items()):
        olds, news = [i], [j]
        score = scores[(i, j)]
        if score < 1.0:
            score = _extend(olds, news, old_keys, new_keys, free_old, free_new, score)
        groups.append(Match(tuple(olds), tuple(news), score))
    old_gap, new_gap = _gaps(_anchors(groups), old_count, new_count)
    olds_at: dict[int, list[int]] = defaultdict(list)
    news_at: dict[int, list[int]] = defaultdict(list)
    for i in sorted(free_old):
        olds_at[old_gap[i]].append(i)
    for j in sorted(free_new):
        news_at[new_gap[j]].append(j)
    for gap in sorted(olds_at.keys() | news_at.keys()):
        olds, news = olds_at.get(gap, []), news_at.get(gap, [])
        if olds and news:
            # Removed and added between the same neighbours: the new sentences took the old ones' place.
            common = LCSseq.similarity("".join(old_keys[i] for i in olds), "".join(new_keys[j] for j in news))
            score = _similarity("".join(old_keys[i] for i in olds), "".join(new_keys[j] for j in news), common)
            groups.append(Match(tuple(olds), tuple(news), score, rewritten=True))
        else:
            groups += [Match((i,), (), 0.0) for i in olds] + [Match((), (j,), 0.0) for j in news]
    return groups


def _anchors(groups: Sequence[Match]) -> dict[int, int]:
    """The last old and new sentence of each matched group, as anchors for ``_gaps``."""
    return {group.old[-1]: group.new[-1] for group in groups if group.old and group.new}


def _extend(
    olds: list[int],
    news: list[int],
    old_keys: list[str],
    new_keys: list[str],
    free_old: set[int],
    free_new: set[int],
    score: float,
) -> float:
    """Grow one side of a pair with adjacent free sentences while that helps; return the final score."""
    while True:
        options = []
        for side, free in ((news, free_new), (olds, free_old)):
            if (len(olds) > 1 and side is news) or (len(news) > 1 and side is olds):
                continue  # one side only: a group is a split or a merge, not both
            for neighbour in (side[0] - 1, side[-1] + 1):
                if neighbour in free:
                    grown = sorted([*side, neighbour])
                    old_side = grown if side is olds else olds
                    new_side = grown if side is news else news
                    old_key = "".join(old_keys[i] for i in old_side)
                    new_key = "".join(new_keys[j] for j in new_side)
                    common = LCSseq.similarity(old_key, new_key)
                    gain = common - LCSseq.similarity(
                        "".join(old_keys[i] for i in olds), "".join(new_keys[j] for j in news)
                    )
                    neighbour_key = old_keys[neighbour] if side is olds else new_keys[neighbour]
                    grown_score = _similarity(old_key, new_key, common)
                    # Most of the neighbour's words must find a counterpart, and the pair must get more alike.
                    if neighbour_key and gain >= len(neighbour_key) / 2 and grown_score > score:
                        options.append((grown_score, neighbour, side, free))
        if not options:
            return score
        score, neighbour, side, free = max(options, key=lambda option: option[0])
        side.append(neighbour)
        side.sort()
        free.discard(neighbour)


def _in_reading_order(groups: list[Match], old_count: int) -> tuple[Match, ...]:
    matched = sorted((group for group in groups if group.old and group.new), key=lambda group: group.old[0])
    staying = {(i, j) for i, j in longest_increasing([(group.old[0], group.new[0]) for group in matched])}
    # Where each old sentence's place lands in the new version: just after the
    # new counterpart of the nearest earlier old sentence that did not move.
    landing = [0] * old_count
    anchors = {group.old[-1]: group.new[-1] + 1 for group in matched if (group.old[0], group.new[0]) in staying}
    next_new = 0
    for i in range(old_count):
        landing[i] = next_new
        next_new = anchors.get(i, next_new)
    ordered = []
    for group in groups:
        moved = bool(group.old and group.new) and (group.old[0], group.new[0]) not in staying and not group.rewritten
        if group.new:
            sort_key = (group.new[0], 1, group.old[0] if group.old else -1)
        else:
            sort_key = (landing[group.old[0]], 0, group.old[0])
        ordered.append((sort_key, Match(group.old, group.new, group.similarity, moved, group.rewritten)))
    ordered.sort(key=lambda item: item[0])
    return tuple(match for _, match in ordered)
