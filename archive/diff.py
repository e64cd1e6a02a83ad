"""Word-level differences between two texts, computed with diff-match-patch."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

__all__ = ["EQUAL", "INSERT", "DELETE", "WordDiff", "word_diff", "tokenize_words", "count_words"]

EQUAL, INSERT, DELETE = 0, 1, -1

# A token is a word with its trailing punctuation, or a run of whitespace, so
# that joining the tokens gives back the text exactly and a changed comma
# marks its word as changed rather than producing a one-character hunk.
_TOKEN = re.compile(r"\s+|\S+")
_WORD = re.compile(r"\S+")


def tokenize_words(text: str) -> list[str]:
    """Split ``text`` into word and whitespace tokens that concatenate back to it."""
    return _TOKEN.findall(text)


def count_words(text: str) -> int:
    """Number of whitespace-separated words in ``text``."""
    return len(_WORD.findall(text))


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


def word_diff(old: str, new: str, timeout: float = 0.0) -> WordDiff:
    """Diff ``old`` and ``new`` word by word.

    Words are mapped to single characters first (diff-match-patch's line-mode
    trick applied to words), so the diff runs over words rather than
    characters: faster on long texts and free of hunks that split a word.
    ``timeout`` (seconds; 0, the default, means none) bounds diff-match-patch's
    search; past it the diff is still correct, only less minimal. The default
    has no deadline because the word counts are recorded in each version's
    metadata: with one, a busy machine recorded other counts than an idle one,
    and the same captures gave other commit ids (found by ``archive rebuild``).
    """
    codes: dict[str, str] = {}
    vocabulary: list[str] = []

    def encode(tokens: Iterable[str]) -> str:
        chars = []
        for token in tokens:
            code = codes.get(token)
            if code is None:
                code = _code_point(len(vocabulary))
                codes[token] = code
                vocabulary.append(token)
            chars.append(code)
        return "".join(chars)

    engine = diff_match_patch()
    engine.Diff_Timeout = timeout
    encoded = engine.diff_main(encode(tokenize_words(old)), encode(tokenize_words(new)), False)
    engine.diff_cleanupSemantic(encoded)
    token_ops = [(op, [vocabulary[_index(char)] for char in chars]) for op, chars in encoded if chars]
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


def _index(char: str) -> int:
    index = ord(char)
    if index >= _SURROGATES_START + _SURROGATES_SIZE:
        index -= _SURROGATES_SIZE
    return index
