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


def word_diff(old: str, new: str, timeout: float = 5.0) -> WordDiff:
    """Diff ``old`` and ``new`` word by word.

    Words are mapped to single characters first (diff-match-patch's line-mode
    trick applied to words), so the diff runs over words rather than
    characters: faster on long texts and free of hunks that split a word.
    ``timeout`` bounds diff-match-patch's search; past it the diff is still
    correct, only less minimal.
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
    ops: list[tuple[int, str]] = []
    for op, chars in encoded:
        text = "".join(vocabulary[_index(char)] for char in chars)
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + text)
        else:
            ops.append((op, text))
    return WordDiff(tuple(ops))


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
