"""Synonyms from WordNet 3.0: whether a swapped word is a rewording of the word it replaced.

The claim classifier cannot tell "found" → "discovered" (the same claim) from
"town" → "city" (a different one) by counting words; WordNet can, since the
first two share a synset and the others do not. The data is distilled from
the WordNet database by ``tools/build_synonyms.py`` into
``archive/compare/synonyms.jsonl.gz`` (WordNet's license is in the file's ``license``
table and in ``archive/compare/SYNONYMS-LICENSE``). It is read on first use, so
importing ``archive`` stays as fast as before, and each table is parsed when first
asked for: most comparisons want only the names (parsing every table took 0.2 s).
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["PARTS_OF_SPEECH", "lemmas", "synsets", "are_synonyms", "is_past_tense", "name_groups"]

PARTS_OF_SPEECH = ("n", "v", "a", "r")  # noun, verb, adjective, adverb, as WordNet abbreviates them

# WordNet's morphy suffix rules (morph.c): an inflected ending and what it may replace.
_SUFFIXES = {
    "n": (
        ("s", ""),
        ("ses", "s"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}


@cache
def _tables() -> dict[str, bytes]:
    """Each table of the file (``{"name": value}``, one a line), by name, still unparsed."""
    raw = gzip.decompress(files("archive.compare").joinpath("synonyms.jsonl.gz").read_bytes())
    return {line[2 : line.index(b'"', 2)].decode(): line for line in raw.splitlines()}


@cache
def _table(name: str) -> Any:
    """One table of the distilled WordNet data (``lemmas.v``, ``exceptions.n``, ``names``...), parsed once."""
    line = _tables().get(name)
    return None if line is None else json.loads(line)[name]


def lemmas(word: str, pos: str | None = None) -> frozenset[str]:
    """WordNet base forms of ``word`` ("found" → find, found), for one part of speech or all.

    Like WordNet's morphy: irregular forms from the exception lists, the word
    itself when it is a lemma, and the regular suffix rules, keeping only
    candidates WordNet lists.
    """
    word = word.lower().replace("’", "'")
    found: set[str] = set()
    for part in (pos,) if pos else PARTS_OF_SPEECH:
        found.update(_lemmas(word, part))
    return frozenset(found)


@cache
def _lemmas(word: str, pos: str) -> tuple[str, ...]:
    known = _table(f"lemmas.{pos}")
    candidates = list(_table(f"exceptions.{pos}").get(word, ()))
    if word in known:
        candidates.append(word)
    # Nouns in -ss ("glass", "boss") are not plurals; nor are words of two letters.
    if not (pos == "n" and (word.endswith("ss") or len(word) <= 2)):
        for suffix, ending in _SUFFIXES[pos]:
            if word.endswith(suffix) and len(word) > len(suffix):
                candidates.append(word[: -len(suffix)] + ending)
    return tuple(dict.fromkeys(base for base in candidates if base in known))


@cache
def synsets(word: str, senses: int | None = None) -> frozenset[int]:
    """The synsets ``word`` can name, through each lemma's ``senses`` most frequent senses (``None``: all).

    WordNet lists a lemma's senses most frequent first; rare senses make
    spurious synonyms ("suit" and "case" share only a legal sense), so a
    limit keeps the common ones.
    """
    found: set[int] = set()
    for pos in PARTS_OF_SPEECH:
        table = _table(f"lemmas.{pos}")
        for lemma in _lemmas(word.lower().replace("’", "'"), pos):
            found.update(table[lemma][:senses])
    found.discard(0)  # a synset no other one-word lemma shares
    return frozenset(found)


def are_synonyms(a: str, b: str, senses: int | None = None) -> bool:
    """Whether ``a`` and ``b`` share a WordNet synset within their ``senses`` most frequent senses.

    Words compare by lemma, so inflections match ("discovered", "finds");
    a word is a synonym of itself.
    """
    if a.lower() == b.lower():
        return True
    return not synsets(a, senses).isdisjoint(synsets(b, senses))


def is_past_tense(word: str) -> bool:
    """Whether ``word`` is a verb's past form ("opened", "held"): an inflected form, not a lemma itself."""
    word = word.lower()
    if word in _table("lemmas.v"):
        return False
    irregular = word in _table("exceptions.v")
    return bool(lemmas(word, "v")) and (irregular or word.endswith("ed"))


@cache
def name_groups(name: str) -> frozenset[int]:
    """The places or organizations WordNet knows ``name`` as, by group: "UK", "Britain" and "United Kingdom" share one.

    An adjective that names a place belongs to its group ("American" with
    "United States" and "US"). Case, dots and a possessive do not matter.
    """
    key = " ".join(name.replace(".", "").replace("’", "'").removesuffix("'s").lower().split())
    return frozenset((_table("names") or {}).get(key, ()))
