"""Word-level differences between two texts, computed with diff-match-patch.

The diff runs in the library's C++ port (``fast_diff_match_patch``) rather
than its pure-Python one: the same algorithm, four times faster, and an import
of the French codes' history spent half its time in it. The word counts a
version records come from this diff, so its output is part of what a commit
id depends on: both packages are pinned, and ``tests/test_words_native.py``
checks the port against the Python library on real revisions and generated
texts, edit for edit.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from fast_diff_match_patch import diff as native_diff

__all__ = ["EQUAL", "INSERT", "DELETE", "WordDiff", "word_diff", "tokenize_words", "count_words", "longest_increasing"]

EQUAL, INSERT, DELETE = 0, 1, -1
_NATIVE_OPS = {"=": EQUAL, "+": INSERT, "-": DELETE}

# A token is a word with its trailing punctuation, or a run of whitespace, so
# that joining the tokens gives back the text exactly and a changed comma
# marks its word as changed rather than producing a one-character hunk.
_TOKEN = re.compile(r"\s+|\S+")


def tokenize_words(text: str) -> list[str]:
    """Split ``text`` into word and whitespace tokens that concatenate back to it."""
    return _TOKEN.findall(text)


def count_words(text: str) -> int:
    """Number of whitespace-separated words in ``text``: the runs ``\\S+`` matches, counted without matching
    (``str.split`` splits where ``\\s`` matches: both ask Python's isspace), three times faster."""
    return len(text.split())


@dataclass(frozen=True)
class WordDiff:
    """The edit script from ``old`` to ``new``: a list of (op, text) with op in EQUAL/INSERT/DELETE."""

    ops: tuple[tuple[int, str], ...]

    @property
    def words_added(self) -> int:
        return sum(count_words(text) for op, text in self.ops if op == INSERT)

    @property
    def words_removed(self) -> int:
        return sum(count_words(text) for op, text in self.ops if op == DELETE)

    @property
    def changed(self) -> bool:
        return any(op != EQUAL for op, _ in self.ops)

    def old_text(self) -> str:
        return "".join(text for op, text in self.ops if op != INSERT)

    def new_text(self) -> str:
        return "".join(text for op, text in self.ops if op != DELETE)


def word_diff(old: str, new: str) -> WordDiff:
    """Diff ``old`` and ``new`` word by word.

    Words are mapped to single characters first (diff-match-patch's line-mode
    trick applied to words), so the diff runs over words rather than
    characters: faster on long texts and free of hunks that split a word.
    Long texts are first cut at words that occur once in each (see
    ``_anchored_diff``), which keeps a heavily rewritten 5,000-word pair
    under a second. Nothing depends on a clock: the word counts are recorded
    in each version's metadata, so a diff that stopped at a deadline would
    record other counts, and other commit ids, on a busy machine than on an
    idle one.
    """
    old_tokens, new_tokens = tokenize_words(old), tokenize_words(new)
    codes = {token: _code_point(index) for index, token in enumerate(dict.fromkeys(old_tokens + new_tokens))}
    tokens_of = {code: token for token, code in codes.items()}
    old_coded, new_coded = "".join(map(codes.__getitem__, old_tokens)), "".join(map(codes.__getitem__, new_tokens))
    if len(old_coded) <= _ANCHOR_ABOVE and len(new_coded) <= _ANCHOR_ABOVE:
        encoded = _native(old_coded, new_coded, "Semantic")  # diff_main, then diff_cleanupSemantic, in C++
    else:
        engine = diff_match_patch()
        encoded = _anchored_diff(engine, old_coded, new_coded)
        engine.diff_cleanupMerge(encoded)
        engine.diff_cleanupSemantic(encoded)
    token_ops = [(op, list(map(tokens_of.__getitem__, chars))) for op, chars in encoded if chars]
    ops: list[tuple[int, str]] = []
    for op, tokens in _slide_to_sentence_boundaries(token_ops):
        text = "".join(tokens)
        if not text:
            continue
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + text)
        else:
            ops.append((op, text))
    return WordDiff(tuple(ops))


# Below this many tokens on either side, diff-match-patch's exact diff is fast enough alone.
_ANCHOR_ABOVE = 400


def _anchored_diff(engine: diff_match_patch, old: str, new: str) -> list[tuple[int, str]]:
    """Diff two token-coded strings, cutting long ones at tokens that occur exactly once in each.

    The tokens unique to both sides, kept where they appear in the same order
    (their longest increasing run, as in patience diff), are matched first;
    the stretches between them are diffed exactly, recursively. Exact Myers
    diffs cost time in proportion to length times edits, so a long, heavily
    edited pair is otherwise slow; unique words are where news text and its
    revision reliably agree.
    """
    if len(old) <= _ANCHOR_ABOVE and len(new) <= _ANCHOR_ABOVE:
        return _native(old, new, "No")
    prefix = engine.diff_commonPrefix(old, new)
    suffix = engine.diff_commonSuffix(old[prefix:], new[prefix:])
    middle_old, middle_new = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
    anchors = _unique_anchors(middle_old, middle_new)
    if not anchors:
        diffs = _native(middle_old, middle_new, "No")
    else:
        diffs = []
        old_at = new_at = 0
        for old_index, new_index in anchors:
            diffs += _anchored_diff(engine, middle_old[old_at:old_index], middle_new[new_at:new_index])
            diffs.append((EQUAL, middle_old[old_index]))
            old_at, new_at = old_index + 1, new_index + 1
        diffs += _anchored_diff(engine, middle_old[old_at:], middle_new[new_at:])
    if prefix:
        diffs.insert(0, (EQUAL, old[:prefix]))
    if suffix:
        diffs.append((EQUAL, old[len(old) - suffix :]))
    return diffs


def _native(old: str, new: str, cleanup: str) -> list[tuple[int, str]]:
    """diff-match-patch's ``diff_main`` with no deadline and no line mode, then ``cleanup``, in its C++ port."""
    ops = native_diff(old, new, timelimit=0, checklines=False, cleanup=cleanup, counts_only=False)
    return [(_NATIVE_OPS[op], text) for op, text in ops]


def _unique_anchors(old: str, new: str) -> list[tuple[int, int]]:
    """Positions of the tokens that occur once in ``old`` and once in ``new``, in an order both agree on."""
    old_counts, new_counts = Counter(old), Counter(new)
    new_position = {char: index for index, char in enumerate(new) if new_counts[char] == 1}
    pairs = [
        (index, new_position[char]) for index, char in enumerate(old) if old_counts[char] == 1 and char in new_position
    ]
    return longest_increasing(pairs)


def longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (sorted by their first item) whose second items increase.

    What stays in place between two sequences: unique words of two texts here,
    matched sentences in ``archive.compare.align``.
    """
    tails: list[int] = []  # tails[k]: index into pairs of the smallest end of a run of length k + 1
    ends: list[int] = []  # ends[k]: that pair's second item
    previous: list[int] = [-1] * len(pairs)
    for index, (_, new_index) in enumerate(pairs):
        length = bisect_left(ends, new_index)
        if length:
            previous[index] = tails[length - 1]
        if length == len(tails):
            tails.append(index)
            ends.append(new_index)
        else:
            tails[length] = index
            ends[length] = new_index
    run: list[tuple[int, int]] = []
    at = tails[-1] if tails else -1
    while at >= 0:
        run.append(pairs[at])
        at = previous[at]
    return run[::-1]


_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")


def _boundary_score(before: list[str], edit: list[str]) -> int:
    """How well an inserted or deleted run sits on sentence and word boundaries (higher is better)."""
    score = 0
    previous_word = next((token for token in reversed(before) if not token.isspace()), None)
    if previous_word is None or _SENTENCE_END.search(previous_word):
        score += 2
    last_word = next((token for token in reversed(edit) if not token.isspace()), "")
    if _SENTENCE_END.search(last_word):
        score += 2
    if not edit[0].isspace():
        score += 1
    return score


def _slide_to_sentence_boundaries(ops: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Shift each pure insertion or deletion along the equal text around it to its most readable place.

    A run inserted next to a repeat of its own words can be placed in several
    equivalent positions ("On {+Friday … sign. On +}the" versus
    "{+On Friday … sign. +}On the"); like git's diff heuristics, prefer the
    one that starts and ends on sentence boundaries.
    """
    ops = [(op, list(tokens)) for op, tokens in ops]
    for position in range(1, len(ops) - 1):
        (before_op, before), (op, edit), (after_op, after) = ops[position - 1 : position + 2]
        if before_op != EQUAL or after_op != EQUAL or op == EQUAL:
            continue
        # Slide fully left, then try every position going right.
        while before and edit and before[-1] == edit[-1]:
            token = before.pop()
            edit = [token, *edit[:-1]]
            after = [token, *after]
        best = (_boundary_score(before, edit), len(before))
        candidates = [(before[:], edit[:], after[:])]
        while after and edit and after[0] == edit[0]:
            token = after.pop(0)
            before = [*before, token]
            edit = [*edit[1:], token]
            candidates.append((before[:], edit[:], after[:]))
            score = (_boundary_score(before, edit), len(before))
            if score[0] > best[0]:
                best = score
        chosen = next(c for c in candidates if len(c[0]) == best[1])
        ops[position - 1 : position + 2] = [(EQUAL, chosen[0]), (op, chosen[1]), (EQUAL, chosen[2])]
    return ops


# Surrogates cannot stand alone in a Python str handed to diff-match-patch's
# slicing logic safely, so token codes skip the surrogate block.
_SURROGATES_START, _SURROGATES_SIZE = 0xD800, 0x800


def _code_point(index: int) -> str:
    if index >= _SURROGATES_START:
        index += _SURROGATES_SIZE
    return chr(index)
