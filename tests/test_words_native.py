"""The word diff runs in diff-match-patch's C++ port: its output must be the pure-Python library's, edit for edit.

A version records the words its capture added and removed, and those counts
are in its commit id; a port that broke a tie another way would give the
same capture another id than an earlier release did. Each case diffs the
same token-coded strings both ways (as ``archive.compare.words`` codes them:
one character per word or run of whitespace).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest
from conftest import SHARED
from diff_match_patch import diff_match_patch
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.compare import words
from archive.compare.words import tokenize_words, word_diff

CORPORA = SHARED / "corpora"


def coded(old: str, new: str) -> tuple[str, str]:
    """``old`` and ``new`` with each token replaced by one character, as ``word_diff`` does it."""
    old_tokens, new_tokens = tokenize_words(old), tokenize_words(new)
    codes = {token: chr(0x100 + index) for index, token in enumerate(dict.fromkeys(old_tokens + new_tokens))}
    return "".join(map(codes.__getitem__, old_tokens)), "".join(map(codes.__getitem__, new_tokens))


def python_diff(old: str, new: str, semantic: bool) -> list[tuple[int, str]]:
    engine = diff_match_patch()
    engine.Diff_Timeout = 0
    ops = list(engine.diff_main(old, new, False))
    if semantic:
        engine.diff_cleanupMerge(ops)
        engine.diff_cleanupSemantic(ops)
    return [(op, text) for op, text in ops]


def assert_same(old: str, new: str) -> None:
    a, b = coded(old, new)
    assert words._native(a, b, "No") == python_diff(a, b, semantic=False)
    assert words._native(a, b, "Semantic") == python_diff(a, b, semantic=True)


def revisions() -> Iterator[tuple[str, str]]:
    with (CORPORA / "wikinews-revisions" / "revisions.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            yield row["before_revision"], row["after_revision"]
    for folder in sorted((CORPORA / "terms-versions").iterdir()):
        versions = sorted(folder.glob("v*.md"))
        for before, after in itertools.pairwise(versions):
            yield before.read_text(encoding="utf-8")[:6000], after.read_text(encoding="utf-8")[:6000]


def test_the_port_diffs_real_revisions_as_the_python_library_does() -> None:
    pairs = list(revisions())
    assert len(pairs) > 100
    for old, new in pairs:
        assert_same(old, new)


# Few distinct words: many equally short edit scripts, where a port could break ties another way.
_texts = st.lists(st.sampled_from(["the", "a", "court", "ruled", "said", "not", "3", "\n", "the.", "on"]), max_size=60)


@settings(max_examples=400, deadline=None)
@given(_texts, _texts)
def test_the_port_breaks_ties_as_the_python_library_does(old: list[str], new: list[str]) -> None:
    assert_same(" ".join(old), " ".join(new))


@pytest.mark.parametrize(
    ("old", "new", "added", "removed"),
    [
        ("The court ruled on Monday.", "The court ruled on Tuesday.", 1, 1),
        ("Five people were hurt.", "Five people were hurt, police said.", 3, 1),
        ("", "A new article.", 3, 0),
    ],
)
def test_word_counts(old: str, new: str, added: int, removed: int) -> None:
    diff = word_diff(old, new)
    assert (diff.words_added, diff.words_removed) == (added, removed)
    assert diff.old_text() == old and diff.new_text() == new
