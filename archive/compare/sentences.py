"""Sentence segmentation for news prose, keeping every sentence's place in its text.

Sentences are the unit that versions are aligned by, so a boundary in the
wrong place (after "U.S." or "Gen.") shows up later as a spurious split or
merge. The rules are the ones newsroom copy needs: abbreviations, initials,
decimals, ellipses, and sentences that end inside a closing quotation mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Sentence", "split_sentences"]


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``text == version[start:end]``, inside paragraph (line) ``paragraph``."""

    index: int
    text: str
    start: int
    end: int
    paragraph: int


# A boundary candidate: terminal punctuation, any closing quotes or brackets,
# then whitespace. Decimals ("3.5%") and URLs never match: no space follows the dot.
_CANDIDATE = re.compile(r"(?:[.!?]+|…)[\"'”’»)\]]*(?=\s)")
_LAST_WORD = re.compile(r"(\S+)$")
_OPENERS = "\"'“‘«([¿¡"

# Lines that are one sentence whatever punctuation they hold: Markdown headings,
# setext underlines and horizontal rules, table rows.
_WHOLE_LINE = re.compile(r"#{1,6}\s|[=\-*_]{3,}\s*$|\|")
# A list marker stays with the item's first sentence rather than standing alone.
_LIST_MARKER = re.compile(r"(?:[*+\-•]|\d{1,3}[.)]|[a-zA-Z][.)])\s+")

# Titles and abbreviations that precede a name or number and never end a
# sentence in practice: "Gen. Smith", "No. 2".
_TITLES = frozenset(
    [
        "Mr",
        "Mrs",
        "Ms",
        "Mx",
        "Dr",
        "Prof",
        "Gen",
        "Lt",
        "Col",
        "Maj",
        "Capt",
        "Cpt",
        "Sgt",
        "Cpl",
        "Pvt",
        "Cmdr",
        "Adm",
        "Brig",
        "Sen",
        "Rep",
        "Gov",
        "Pres",
        "Supt",
        "Insp",
        "Det",
        "Rev",
        "Fr",
        "Hon",
        "Msgr",
        "Sra",
        "Mme",
        "Mlle",
        "Messrs",
        "Mt",
        "Ft",
        "No",
        "Nos",
        "Nr",
        "Vol",
        "Fig",
        "Art",
        "pp",
        "p",
        "vs",
        "v",
        "cf",
        "ca",
        "approx",
    ]
)
# Abbreviations that can also end a sentence ("founded in 1999 by Acme Inc.",
# "due in Dec."): a boundary only when the next word is a common sentence opener.
_ABBREVIATIONS = frozenset(
    [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Sept",
        "Oct",
        "Nov",
        "Dec",
        "Inc",
        "Corp",
        "Co",
        "Ltd",
        "Llc",
        "LLC",
        "Plc",
        "PLC",
        "Bros",
        "Dept",
        "Univ",
        "Assn",
        "Jr",
        "Sr",
        "St",
        "Ave",
        "Blvd",
        "Rd",
        "est",
        "etc",
        "al",
        "Ala",
        "Ariz",
        "Ark",
        "Calif",
        "Colo",
        "Conn",
        "Del",
        "Fla",
        "Ga",
        "Ill",
        "Ind",
        "Kan",
        "Ky",
        "La",
        "Md",
        "Mass",
        "Mich",
        "Minn",
        "Miss",
        "Mo",
        "Mont",
        "Neb",
        "Nev",
        "Okla",
        "Ore",
        "Pa",
        "Tenn",
        "Tex",
        "Va",
        "Vt",
        "Wash",
        "Wis",
        "Wyo",
    ]
)
# Capitalized words that usually open a sentence, so that "in the U.S. The
# company ..." splits while "the U.S. Senate" does not.
_OPENER_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "he",
        "she",
        "it",
        "its",
        "they",
        "we",
        "i",
        "you",
        "his",
        "her",
        "their",
        "our",
        "my",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "but",
        "and",
        "or",
        "so",
        "yet",
        "for",
        "nor",
        "in",
        "on",
        "at",
        "by",
        "from",
        "with",
        "after",
        "before",
        "when",
        "while",
        "if",
        "as",
        "since",
        "because",
        "although",
        "though",
        "however",
        "meanwhile",
        "also",
        "some",
        "many",
        "most",
        "several",
        "both",
        "each",
        "one",
        "two",
        "three",
        "no",
        "not",
        "none",
        "according",
        "officials",
        "police",
        "authorities",
        "what",
        "who",
        "why",
        "how",
        "where",
        "which",
        "then",
        "still",
        "even",
        "only",
        "last",
        "next",
        "earlier",
        "later",
        "now",
        "today",
        "yesterday",
    ]
)
_ACRONYM = re.compile(r"[A-Za-z](?:\.[A-Za-z])*$")


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Split ``text`` (one paragraph per line) into sentences with their spans.

    A sentence never crosses a line break; blank lines yield nothing.
    """
    sentences: list[Sentence] = []
    offset = 0
    paragraph = 0
    for line in text.split("\n"):
        if line.strip():
            for start, end in _line_spans(line):
                sentences.append(Sentence(len(sentences), line[start:end], offset + start, offset + end, paragraph))
            paragraph += 1
        offset += len(line) + 1
    return tuple(sentences)


def _line_spans(line: str) -> list[tuple[int, int]]:
    first = len(line) - len(line.lstrip())
    last = len(line.rstrip())
    if _WHOLE_LINE.match(line, first):
        return [(first, last)]
    body = first
    marker = _LIST_MARKER.match(line, first)
    if marker and marker.end() < last:
        body = marker.end()
    spans: list[tuple[int, int]] = []
    start = first
    for candidate in _CANDIDATE.finditer(line, body, last):
        end = candidate.end()
        if _is_boundary(line, start, candidate.start(), end):
            _append(spans, line, start, end)
            start = end + len(line[end:]) - len(line[end:].lstrip())
    if start < last:
        _append(spans, line, start, last)
    return spans


def _append(spans: list[tuple[int, int]], line: str, start: int, end: int) -> None:
    # A stray closing quote or dash after a boundary (common in pasted copy:
    # 'the house? "') belongs to the sentence before it, not to a sentence of its own.
    if spans and not any(char.isalnum() for char in line[start:end]):
        spans[-1] = (spans[-1][0], end)
    else:
        spans.append((start, end))


def _is_boundary(line: str, sentence_start: int, punct_start: int, end: int) -> bool:
    next_word = line[end:].lstrip().lstrip(_OPENERS).lstrip()
    if not next_word:
        return True
    if next_word[0].islower():
        # "... he said", "Is it over?" she asked: the sentence goes on.
        return False
    if line[punct_start] != ".":
        return True
    word_match = _LAST_WORD.search(line, sentence_start, punct_start)
    if word_match is None or line[punct_start:end].startswith(".."):
        return True
    word = word_match.group(1).lstrip(_OPENERS)
    opener = next_word.split(maxsplit=1)[0].strip("\"'“‘,;:").lower() in _OPENER_WORDS
    if word in _TITLES:
        # "No. 2" binds to the number, but "The answer was No. The ..." ends.
        return word in {"No", "Nos", "Nr"} and not next_word[0].isdigit()
    if word in _ABBREVIATIONS or _ACRONYM.match(word):
        # Initials ("J. R. R. Tolkien") and acronyms ("U.S.", "a.m.").
        return opener
    return True
