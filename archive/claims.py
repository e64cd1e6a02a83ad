"""Claims tracked across versions: what changed, and whether the change touches a claim.

``compare(old, new)`` aligns the sentences of two versions (``archive.align``),
diffs each aligned group word by word, and cuts every change into hunks: runs
of changed words. Each hunk is classified on its own, because a sentence can
carry a changed number next to a fixed typo, and only the first is news.

A hunk is *substantive* when it changes a claim signal (a number, a date or
time, a named entity, a direct quote or who said it, a negation, a hedge, an
attribution verb) or when it brings in content words the old version never
used. It is *cosmetic* when it only fixes spelling, punctuation or case,
rewrites a number or date in another form, or swaps function words, words
the text already had, or words for their synonyms (``archive.synonyms``).
``docs/claims.md`` documents the rules and the JSON shape.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rapidfuzz.distance import Indel

from archive.align import Match, align
from archive.diff import DELETE, EQUAL, INSERT, WordDiff, count_words, word_diff
from archive.sentences import Sentence, split_sentences
from archive.synonyms import are_synonyms, lemmas

__all__ = [
    "ChangeKind",
    "Reason",
    "Excerpt",
    "Hunk",
    "Change",
    "Quote",
    "Coverage",
    "Comparison",
    "Rules",
    "RULES",
    "compare",
    "coverage",
]


# ---------------------------------------------------------------------------
# Result model


class ChangeKind(StrEnum):
    """What happened to a sentence (or group of sentences) between two versions."""

    UNCHANGED = "unchanged"
    EDITED = "edited"
    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"
    SPLIT = "split"
    MERGED = "merged"


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
        return tuple(change for change in self.changes if change.substantive)

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


# ---------------------------------------------------------------------------
# Claim signals


@dataclass(frozen=True)
class _Signal:
    """A claim-bearing span of one version, with the value compared across versions.

    Entities also carry their name words (``names``), quotations their words
    and speaker, since those are compared by overlap rather than equality.
    """

    kind: str
    text: str
    start: int
    end: int
    key: Hashable
    names: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    speaker: str | None = None


_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SHORT_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "tn": 1e12}
_ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
_VAGUE = {"dozens": 12, "hundreds": 100, "thousands": 1e3, "millions": 1e6, "billions": 1e9}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "dozen", "a dozen"], key=len, reverse=True))
# How a quantity is qualified is part of the claim: "at least 160" is not "160".
_QUALIFIERS = {
    "at least": ">=",
    "no fewer than": ">=",
    "no less than": ">=",
    "upwards of": ">",
    "more than": ">",
    "over": ">",
    "above": ">",
    "nearly": "~",
    "almost": "~",
    "about": "~",
    "around": "~",
    "approximately": "~",
    "roughly": "~",
    "some": "~",
    "close to": "~",
    "an estimated": "~",
    "up to": "<=",
    "as many as": "<=",
    "as much as": "<=",
    "at most": "<=",
    "no more than": "<=",
    "less than": "<",
    "fewer than": "<",
    "under": "<",
    "below": "<",
}
_QUALIFIER = "|".join(sorted(_QUALIFIERS, key=len, reverse=True))
_NUMBER = re.compile(
    rf"(?i)(?<![\w$€£¥.,])(?=[\w$€£¥])(?:(?P<qual>{_QUALIFIER})\s+)?"
    r"(?:(?P<cur>(?:US|U\.S\.|A|AU|C|CA|NZ|HK|S)?\s?[$€£¥]|(?:USD|EUR|GBP)\s)\s?)?"
    r"(?:(?P<ord>\d+(?:st|nd|rd|th)\b)"
    r"|(?P<num>\d+(?:[,\u202f]\d{3})*(?:\.\d+)?|\.\d+)"
    rf"|(?P<words>(?:{_NUMBER_WORD})(?:(?:\s|-|\sand\s)(?:{_NUMBER_WORD}))*\b)"
    rf"|(?P<ordword>{'|'.join(_ORDINALS)})\b"
    rf"|(?P<vague>{'|'.join(_VAGUE)})\b)"
    r"(?:\s?(?P<scale>hundred|thousand|million|billion|trillion|bn|mn|tn|m|k)\b)?"
    r"(?:\s?(?P<pct>%|percent\b|per\scent\b))?"
)

_MONTHS = {
    "january": "january",
    "february": "february",
    "march": "march",
    "april": "april",
    "may": "may",
    "june": "june",
    "july": "july",
    "august": "august",
    "september": "september",
    "october": "october",
    "november": "november",
    "december": "december",
    "jan": "january",
    "feb": "february",
    "mar": "march",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "nov": "november",
    "dec": "december",
}
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.)"
)
_WEEKDAY = r"(?:[Mm]onday|[Tt]uesday|[Ww]ednesday|[Tt]hursday|[Ff]riday|[Ss]aturday|[Ss]unday)s?"
_PART_OF_DAY = r"(?:morning|afternoon|evening|night|overnight|weekend)"
_PERIOD = r"(?:morning|afternoon|evening|night|day|week|weekend|month|year|spring|summer|autumn|fall|winter)"
_DATE = re.compile(
    # One word-boundary test up front, so the alternatives run only where a word starts.
    r"\b(?:"
    + "|".join(
        [
            # 3 May 2005, May 3, 2005, December 19th, May 2005
            rf"(?:\b\d{{1,2}}(?:st|nd|rd|th)?\s(?:of\s)?{_MONTH}(?:,?\s\d{{4}})?)",
            rf"(?:\b{_MONTH}(?:\s\d{{1,2}}(?:st|nd|rd|th)?\b)?(?:,?\s\d{{4}})?)",
            rf"(?:\b(?:(?i:this|last|next|on|early|late|earlier|later)\s)?{_WEEKDAY}(?:\s{_PART_OF_DAY})?)",
            rf"(?i:\b(?:(?:earlier|later|late|early)\s)?(?:this|last|next|that|the\sprevious|the\sfollowing)\s{_PERIOD})",
            rf"(?i:\b(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|several|few)\s{_PERIOD}s?\s(?:ago|earlier|later|before|after))",
            r"(?i:\b(?:today|tonight|yesterday|tomorrow|recently|currently|now|midnight|noon|dawn)\b)",
            rf"(?i:\b{_PART_OF_DAY}\b)",
            r"(?:\b\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?(?:\s(?:GMT|UTC|[A-Z]{2,4}T))?)",
            r"(?:\b\d{1,2}\s?[ap]\.m\.)",
            r"(?:(?<![\d,.$])(?:1[89]\d{2}|20\d{2})(?![\d,]|\s?%))",
        ]
    )
    + ")"
)

_NEGATIONS = re.compile(
    r"(?i)\b(?:not(?!\s+only\b)|no|never|none|nobody|nothing|neither|nor|nowhere|cannot|without)\b|n['’]t\b"
)
_HEDGES = {
    # Doubt
    "reportedly": "doubt",
    "allegedly": "doubt",
    "alleged": "doubt",
    "apparently": "doubt",
    "possibly": "doubt",
    "possible": "doubt",
    "probably": "doubt",
    "likely": "doubt",
    "unlikely": "doubt",
    "may": "doubt",
    "might": "doubt",
    "could": "doubt",
    "perhaps": "doubt",
    "maybe": "doubt",
    "seemingly": "doubt",
    "seems": "doubt",
    "seem": "doubt",
    "seemed": "doubt",
    "appears": "doubt",
    "appear": "doubt",
    "purportedly": "doubt",
    "presumably": "doubt",
    "supposedly": "doubt",
    "unconfirmed": "doubt",
    "unverified": "doubt",
    "suspected": "doubt",
    "rumoured": "doubt",
    "rumored": "doubt",
    "believed": "doubt",
    "believe": "doubt",
    "believes": "doubt",
    "think": "doubt",
    "thinks": "doubt",
    "suspect": "doubt",
    "suspects": "doubt",
    "don't think": "doubt",
    "do not think": "doubt",
    "doesn't think": "doubt",
    "does not think": "doubt",
    "didn't think": "doubt",
    "did not think": "doubt",
    "i believe": "doubt",
    "we believe": "doubt",
    "i think": "doubt",
    "we think": "doubt",
    "i guess": "doubt",
    "in my opinion": "doubt",
    "thought to": "doubt",
    "said to": "doubt",
    "expected": "doubt",
    "estimated": "doubt",
    "according to": "sourced",
    "sources said": "sourced",
    "officials said": "sourced",
    "it is understood": "sourced",
    # Certainty
    "definitely": "certain",
    "certainly": "certain",
    "clearly": "certain",
    "undoubtedly": "certain",
    "officially": "certain",
    "in fact": "certain",
    "proven": "certain",
    "indeed": "certain",
}
_HEDGE_PHRASE = re.compile(
    r"(?i)\b(?:"
    + "|".join(sorted((re.escape(h).replace("'", "['’]") for h in _HEDGES if " " in h), key=len, reverse=True))
    + r")\b"
)
# Attribution verbs by the stance they give the reporter: "said" reports,
# "claimed" keeps a distance, "admitted" concedes. Forms that are mostly nouns
# ("reports", "claims", "states") are left out.
_STANCES = {
    "reports": "say says said saying stated stating tell tells told telling add adds added adding "
    "noted noting explain explains explained explaining commented remarked wrote writes "
    "announce announces announced announcing declare declares declared reported described",
    "distances": "claimed claiming asserts asserted insist insists insisted contend contends contended "
    "maintains maintained argue argues argued arguing allege alleges",
    "concedes": "admit admits admitted admitting acknowledge acknowledges acknowledged concede concedes "
    "conceded confess confessed",
    "denies": "deny denies denied denying reject rejects rejected disputed refute refutes refuted",
    "confirms": "confirm confirms confirmed confirming reveal reveals revealed disclose disclosed",
    "warns": "warn warns warned",
    "promises": "promised vow vows vowed pledged",
    "accuses": "accuse accuses accused blamed",
}
_STANCE = {verb: stance for stance, verbs in _STANCES.items() for verb in verbs.split()}

_MIN_QUOTE_WORDS = 3

# Capitalized words that name nothing: sentence openers, pronouns, titles.
_STOPWORDS = frozenset(
    """a an the and or but nor so yet for of to in on at by from with without into onto upon
    about above across after against along among around as before behind below beneath beside
    between beyond during except inside near off out outside over past since through throughout
    till toward towards under until up via within is are was were be been being am do does did
    has have had having will would shall should can could may might must it its it's this that
    these those he she they we i you me him her them us my his their our your who whom whose
    which what when where why how there here then than also not no yes all any both each few
    more most other some such only own same too very just now even still again ever however
    meanwhile one if while because although though whether either neither another many much""".split()
)
# Words that join the parts of one name ("Bank of England"); "and" is not one,
# since "Kyiv and Warsaw" are two names far more often than one.
_CONNECTORS = frozenset("of the for de del della da di la le van von der den du al bin bint el y &".split())
_TITLES = frozenset(
    """mr mrs ms miss dr prof sir dame lord lady president vice prime minister secretary senator
    sen rep representative governor gov mayor general gen colonel col lieutenant lt captain capt
    sergeant sgt commander admiral chief justice judge king queen prince princess pope bishop
    reverend rev father sister brother chairman chairwoman chair ceo director spokesman
    spokeswoman spokesperson minister ambassador commissioner deputy leader officer
    inspector detective constable chancellor premier mp""".split()
)
_WORDS = re.compile(r"\w+(?:['’]\w+)*")
_ENTITY_TOKEN = re.compile(r"[\w][\w'’.\-&]*")
_PRONOUNS = frozenset("he she they it we i you his her their its him them".split())


def _number_key(match: re.Match[str]) -> object:
    qualifier = _QUALIFIERS.get((match["qual"] or "").lower())
    currency = "$" if match["cur"] and "$" in match["cur"] else (match["cur"] or "").strip().upper()
    percent = bool(match["pct"])
    if match["ord"]:
        return ("ordinal", int(match["ord"][:-2]))
    if match["ordword"]:
        return ("ordinal", _ORDINALS.index(match["ordword"].lower()) + 1)
    if match["vague"]:
        return (qualifier, "many", _VAGUE[match["vague"].lower()], currency, percent)
    if match["num"]:
        value = float(match["num"].replace(",", "").replace("\u202f", ""))
    else:
        value = _spelled_value(match["words"].lower())
    scale = (match["scale"] or "").lower()
    value *= _SCALES.get(scale) or _SHORT_SCALES.get(scale, 1)
    return (qualifier, round(value, 6), currency, percent)


def _spelled_value(words: str) -> float:
    total, current = 0.0, 0.0
    for word in re.split(r"[\s-]+", words.replace(" and ", " ")):
        if word in ("a",):
            current = current or 1
        elif word in _UNITS:
            current += _UNITS.index(word)
        elif word in _TENS:
            current += 20 + 10 * _TENS.index(word)
        elif word == "dozen":
            current = (current or 1) * 12
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
    return total + current


def _date_key(text: str) -> str:
    words = re.findall(r"[a-z]+|\d+", text.lower())
    words = [_MONTHS.get(word, word) for word in words if word not in ("on", "the", "of", "st", "nd", "rd", "th")]
    return " ".join(word.rstrip("s") if word[:-1] in _WEEKDAYS else word for word in words)


def _counts(text: str, end: int) -> bool:
    """Whether a bare "one" ending at ``end`` counts something: it is followed by a content word."""
    following = _CONTENT_WORD.match(text, end + 1) if text[end : end + 1] == " " else None
    return following is not None and following.group().lower() not in _STOPWORDS


@dataclass(frozen=True)
class _Context:
    """What both versions together say about words: which are common nouns, which names."""

    lowercase_words: frozenset[str]
    inner_capitals: frozenset[str]
    aliases: dict[str, frozenset[str]]


_LOWERCASE_WORD = re.compile(r"\b[a-z][a-z'’\-]*\b")
# A capital after a lower-case word or a comma is not there to open a sentence.
_INNER_CAPITAL = re.compile(r"(?<=[a-z0-9,;] )[A-Z][\w'’\-]*")
_ACRONYM_AFTER = re.compile(
    r"([A-Z][\w'’.\-]*(?:\s+(?:of|for|and|the|on|de|[A-Z][\w'’.\-]*))*)\s*\(([A-Z][A-Za-z.&]{1,9})\)"
)
_ACRONYM_BEFORE = re.compile(r"\b([A-Z][A-Z.&]{1,9})\s*\(([A-Z][\w'’.\-]*(?:\s+[\w'’.\-]+)*?)\)")


def _context(*texts: str) -> _Context:
    lowercase_words: set[str] = set()
    inner_capitals: set[str] = set()
    aliases: dict[str, set[str]] = {}
    for text in texts:
        lowercase_words.update(_LOWERCASE_WORD.findall(text))
        inner_capitals.update(word.lower() for word in _INNER_CAPITAL.findall(text))
        pairs = [(m[1], m[2]) for m in _ACRONYM_AFTER.finditer(text)]
        pairs += [(m[2], m[1]) for m in _ACRONYM_BEFORE.finditer(text)]
        for long_form, acronym in pairs:
            short = _name_key(acronym)
            names = {_name_key(word) for word in long_form.split()} - _TITLES - _CONNECTORS - _STOPWORDS
            aliases.setdefault(short, set()).update(names)
            for name in names:
                aliases.setdefault(name, set()).add(short)
    return _Context(
        frozenset(lowercase_words),
        frozenset(inner_capitals),
        {key: frozenset(value) for key, value in aliases.items()},
    )


def _extract(text: str, sentences: Sequence[Sentence], context: _Context) -> list[_Signal]:
    """Every claim signal of one version, in text order."""
    signals: list[_Signal] = []
    taken: list[tuple[int, int]] = []
    for match in _DATE.finditer(text):
        if match.group() == "May" or not match.group().strip():
            continue  # the month alone is too often the modal verb's capital
        signals.append(_Signal("date", match.group(), match.start(), match.end(), _date_key(match.group())))
        taken.append((match.start(), match.end()))
    starts = [start for start, _ in taken]
    for match in _NUMBER.finditer(text):
        position = bisect_right(starts, match.start()) - 1
        if position >= 0 and taken[position][1] > match.start():
            continue
        if position + 1 < len(taken) and taken[position + 1][0] < match.end():
            continue
        if match.group().lower() == "one" and not _counts(text, match.end()):
            continue  # "asked for one", "one of the": a pronoun more than a count
        signals.append(_Signal("number", match.group(), match.start(), match.end(), _number_key(match)))
    for match in _NEGATIONS.finditer(text):
        signals.append(_Signal("negation", match.group(), match.start(), match.end(), "not"))
    phrase_ends: dict[int, int] = {}
    for match in _HEDGE_PHRASE.finditer(text):
        phrase = " ".join(match.group().lower().replace("’", "'").split())
        signals.append(_Signal("hedge", match.group(), match.start(), match.end(), _HEDGES[phrase] + ":" + phrase))
        phrase_ends[match.end()] = match.start()
    # Single-word cues are looked up word by word: faster than one long alternation.
    for match in _WORDS.finditer(text):
        word = match.group().lower()
        if word in _HEDGES and match.end() in phrase_ends:
            continue  # the last word of "I believe", "don't think": the phrase is the hedge
        if word in _HEDGES:
            signals.append(_Signal("hedge", match.group(), match.start(), match.end(), _HEDGES[word] + ":" + word))
        elif word in _STANCE:
            signals.append(_Signal("attribution", match.group(), match.start(), match.end(), _STANCE[word]))
    entities = _entities(sentences, context)
    signals += entities
    signals += _quotes(text, entities)
    signals.sort(key=lambda signal: (signal.start, signal.end))
    return signals


def _entities(sentences: Sequence[Sentence], context: _Context) -> list[_Signal]:
    """Capitalized phrases, minus the capitals that only open a sentence or a quote."""
    found: list[_Signal] = []
    for sentence in sentences:
        text = sentence.text
        for run in _NAME_RUN.finditer(text):
            phrase: list[re.Match[str]] = []
            connector: re.Match[str] | None = None  # "of" in "Bank of England", until a name follows
            tokens = list(_ENTITY_TOKEN.finditer(text, run.start(), run.end()))
            for position, token in enumerate(tokens):
                word = token.group().rstrip(".'’-")
                opens = text[: token.start()].rstrip()[-1:] in _OPENING_MARKS
                # "Vladimir Putin said": an opening capital followed by a name is part of it.
                named_next = position + 1 < len(tokens) and tokens[position + 1].group()[:1].isupper()
                if _is_name(word, opens and not named_next, context):
                    if phrase and connector:
                        phrase.append(connector)
                    phrase.append(token)
                    connector = None
                elif phrase and not connector and word.lower() in _CONNECTORS:
                    connector = token
                else:
                    if phrase:
                        found.append(_entity_signal(sentence, phrase, context))
                    phrase, connector = [], None
            if phrase:
                found.append(_entity_signal(sentence, phrase, context))
    return [signal for signal in found if signal.names]


# Where a capital may only mean "start of sentence or quotation" ("" is the sentence start).
_OPENING_MARKS = '"“‘(:—–-'
# Runs of capitalized words, possibly joined by connectors: the only places a name can be.
_NAME_RUN = re.compile(
    r"(?:[A-Z]|[a-z][A-Z])[\w'’.\-&]*(?:\s+(?:(?:"
    + "|".join(sorted(_CONNECTORS, key=len, reverse=True))
    + r")\s+)?(?:[A-Z]|[a-z][A-Z])[\w'’.\-&]*)*"
)


def _is_name(word: str, opens: bool, context: _Context) -> bool:
    if not word or not (word[0].isupper() or (len(word) > 1 and word[0].islower() and word[1].isupper())):
        return False
    lower = word.lower()
    if lower in _STOPWORDS or lower in _MONTHS or lower.rstrip("s") in _WEEKDAYS or word.isdigit():
        return False
    if opens and not (word.isupper() and len(word) > 1):
        # A capital that opens a sentence or quote is a name only when the text
        # also capitalizes the word elsewhere and never writes it in lower case:
        # "Police said" is not a name, "Kotunica said" is.
        return lower in context.inner_capitals and lower not in context.lowercase_words
    return True


def _entity_signal(sentence: Sentence, phrase: list[re.Match[str]], context: _Context) -> _Signal:
    raw = sentence.text[phrase[0].start() : phrase[-1].end()]
    text = raw.rstrip(".'’-")
    start = sentence.start + phrase[0].start()
    words = [match.group() for match in phrase if match.group().lower() not in _CONNECTORS]
    names = {_name_key(word) for word in words} - _TITLES - {""}
    if len(words) > 1:
        # "European Union" is also "EU".
        names.add("".join(word[0] for word in words).lower())
    for name in list(names):
        names |= context.aliases.get(name, frozenset())
    return _Signal("entity", text, start, start + len(text), frozenset(names), names=frozenset(names))


def _name_key(word: str) -> str:
    """A name word as compared: lower case, no possessive or dots, stemmed ("Russia"/"Russian")."""
    word = word.lower().rstrip(".'’-")
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
    word = word.replace(".", "")
    return word if word in _TITLES else _stem(word)


def _quotes(text: str, entities: Sequence[_Signal]) -> list[_Signal]:
    quotes = []
    for start, end in _quote_spans(text):
        inner = text[start + 1 : end - 1]
        words = re.findall(r"\w+", inner.lower())
        if len(words) < _MIN_QUOTE_WORDS:
            continue  # a scare-quoted term, not a quotation
        quotes.append(
            _Signal(
                "quote",
                inner,
                start,
                end,
                tuple(words),
                words=tuple(words),
                speaker=_speaker(text, start, end, entities),
            )
        )
    return quotes


_CLOSERS = {"“": "”", "‘": "’", '"': '"'}


def _quote_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of quotations, marks included, within one paragraph.

    A straight quote opens only after a space or bracket and before a
    non-space, and closes only after a non-space, so one stray mark does not
    turn the rest of the paragraph inside out.
    """
    for paragraph in re.finditer(r"[^\n]+", text):
        line, offset = paragraph.group(), paragraph.start()
        opening: tuple[int, str] | None = None
        for position, char in enumerate(line):
            if char not in _CLOSERS and (opening is None or char != opening[1]):
                continue
            before = line[position - 1] if position else " "
            after = line[position + 1] if position + 1 < len(line) else " "
            opens = char in _CLOSERS and (before.isspace() or before in "([{—–-:") and not after.isspace()
            if opening is not None and char == opening[1] and not before.isspace() and not after.isalnum():
                yield offset + opening[0], offset + position + 1
                opening = None
            elif opens and (opening is None or char == opening[1] == '"'):
                # A second opening straight quote means the first was never closed.
                opening = (position, _CLOSERS[char])


_SPEAKER_AFTER = re.compile(
    r"^[\s,:;—–-]*(?:(?P<verb1>\w+)\s+(?P<name1>[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*)*)"
    r"|(?P<name2>[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*)*|he|she|they|it)\s+(?P<verb2>\w+))"
)
_SPEAKER_BEFORE = re.compile(
    r"(?P<name>[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*)*|[Hh]e|[Ss]he|[Tt]hey)\s+(?P<verb>\w+)"
    r"(?:\s+\w+)?(?:\s+that)?\s*[,:]?\s*$"
)


def _speaker(text: str, start: int, end: int, entities: Sequence[_Signal]) -> str | None:
    """Who a quote is attributed to: '"...," Smith said', 'said Smith', 'Smith said: "..."'."""
    line_end = text.find("\n", end)
    after = text[end : line_end if line_end >= 0 else len(text)][:80]
    match = _SPEAKER_AFTER.match(after)
    if match:
        verb, name = (match["verb1"], match["name1"]) if match["verb1"] else (match["verb2"], match["name2"])
        if verb.lower() in _STANCE:
            return _clean_speaker(name)
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - 120) : start]
    match = _SPEAKER_BEFORE.search(before)
    if match and match["verb"].lower() in _STANCE:
        return _clean_speaker(match["name"])
    return None


def _clean_speaker(name: str) -> str:
    words = name.split()
    while words and words[0].lower() in _STOPWORDS - _PRONOUNS:
        words.pop(0)
    return " ".join(words).rstrip(".,") or name


# ---------------------------------------------------------------------------
# Versions and hunks


@dataclass(frozen=True)
class _Version:
    """One version's text with everything the comparison looks up in it."""

    text: str
    sentences: tuple[Sentence, ...]
    signals: tuple[_Signal, ...]
    by_sentence: tuple[tuple[_Signal, ...], ...]
    stems: frozenset[str]
    names: frozenset[str]
    counts: Counter[tuple[str, object]]


def _read(text: str, context: _Context) -> _Version:
    sentences = split_sentences(text)
    signals = _extract(text, sentences, context)
    starts = [sentence.start for sentence in sentences]
    buckets: list[list[_Signal]] = [[] for _ in sentences]
    for signal in signals:
        first = max(bisect_right(starts, signal.start) - 1, 0)
        last = max(bisect_right(starts, signal.end - 1) - 1, first)
        for index in range(first, min(last, len(sentences) - 1) + 1):
            buckets[index].append(signal)
    names = frozenset(name for signal in signals for name in signal.names)
    return _Version(
        text,
        sentences,
        tuple(signals),
        tuple(tuple(bucket) for bucket in buckets),
        frozenset(_stem(word) for word in set(_WORDS.findall(text.lower()))),
        names,
        Counter((signal.kind, signal.key) for signal in signals),
    )


def _stem(word: str) -> str:
    """A crude stem, enough to see "praised" and "praising" as the same word."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:6]


@dataclass
class _Draft:
    """A hunk being classified: spans, then reasons as the rules find them."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int
    reasons: list[Reason] = field(default_factory=list)

    def touches(self, side: str, start: int, end: int) -> bool:
        a, b = (self.old_start, self.old_end) if side == "old" else (self.new_start, self.new_end)
        if a == b or start == end:
            return start <= a <= end if a == b else a <= start <= b
        return start < b and a < end


def _diff_hunks(diff: WordDiff, old_offset: int, new_offset: int, old_text: str, new_text: str) -> list[_Draft]:
    """Runs of changed words with absolute spans, trimmed of surrounding whitespace."""
    drafts: list[_Draft] = []
    old_position, new_position = old_offset, new_offset
    current: _Draft | None = None
    for op, text in diff.ops:
        if op == EQUAL:
            current = None
            old_position += len(text)
            new_position += len(text)
            continue
        if current is None:
            current = _Draft(old_position, old_position, new_position, new_position)
            drafts.append(current)
        if op == DELETE:
            old_position += len(text)
            current.old_end = old_position
        elif op == INSERT:
            new_position += len(text)
            current.new_end = new_position
    kept = []
    for draft in drafts:
        old_span = _trim(old_text, draft.old_start, draft.old_end)
        new_span = _trim(new_text, draft.new_start, draft.new_end)
        if old_span[0] == old_span[1] and new_span[0] == new_span[1]:
            continue  # only whitespace changed
        # A side that was only whitespace keeps it: "a  b" → "a, b" replaced the spaces.
        draft.old_start, draft.old_end = old_span if old_span[0] < old_span[1] else (draft.old_start, draft.old_end)
        draft.new_start, draft.new_end = new_span if new_span[0] < new_span[1] else (draft.new_start, draft.new_end)
        kept.append(draft)
    return kept


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# ---------------------------------------------------------------------------
# Classification

_CONTENT_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_BOILERPLATE = re.compile(
    r"(?i)^\W*(?:advertisement|advert|sponsored|read more|related|share( this)?|photo|image|video|"
    r"click here|subscribe.*|sign up.*|continue reading|updated|(?:\(?(?:ap|afp|reuters)\)?))\W*$"
)
_SIGNAL_NAMES = {
    "number": "number",
    "date": "date or time",
    "negation": "negation",
    "hedge": "hedge",
    "attribution": "attribution verb",
}
_COUNTED_KINDS = ("number", "date", "negation", "hedge", "attribution")


def _classify_group(
    drafts: list[_Draft],
    old: _Version,
    new: _Version,
    old_signals: Sequence[_Signal],
    new_signals: Sequence[_Signal],
    need: tuple[int, int],
    synonym_senses: int | None,
) -> None:
    """Give every hunk of an aligned group its reasons (substantive or cosmetic).

    Form comes first: a hunk that only respells its words ("officialy" →
    "officially", "3" → "three", "PA" → "P.A.") is cosmetic whatever signal
    the respelling seems to touch. Then claim signals, then function words,
    then the content rule.
    """
    for kind in _COUNTED_KINDS:
        _counted_signal_reasons(kind, drafts, old, new, old_signals, new_signals)
    _entity_reasons(drafts, old, new, old_signals, new_signals)
    _quote_reasons(drafts, old, new, old_signals, new_signals)
    for draft in drafts:
        old_text = old.text[draft.old_start : draft.old_end]
        new_text = new.text[draft.new_start : draft.new_end]
        form = _form_reason(old_text, new_text)
        if form is not None:
            draft.reasons = [form]
        elif not any(reason.substantive for reason in draft.reasons):
            # Names swapped in a rewording were judged by the entity rule; the
            # content rule sees the other words. Inserted names are content.
            names_judged = bool(old_text.strip())
            draft.reasons.append(
                _wording_reason(
                    old_text,
                    new_text,
                    _without_names(old.text, draft.old_start, draft.old_end, old_signals, names_judged),
                    _without_names(new.text, draft.new_start, draft.new_end, new_signals, names_judged),
                    old.stems,
                    need,
                    synonym_senses,
                )
            )


def _without_names(text: str, start: int, end: int, signals: Sequence[_Signal], mask: bool) -> str:
    chars = list(text[start:end])
    for signal in signals if mask else ():
        if signal.kind == "entity" and signal.start < end and start < signal.end:
            for position in range(max(signal.start, start), min(signal.end, end)):
                chars[position - start] = " "
    return "".join(chars)


def _counted_signal_reasons(
    kind: str,
    drafts: list[_Draft],
    old: _Version,
    new: _Version,
    old_signals: Sequence[_Signal],
    new_signals: Sequence[_Signal],
) -> None:
    """Signals whose value is counted: a change is a value that lost or gained occurrences in a hunk."""
    olds = [signal for signal in old_signals if signal.kind == kind]
    news = [signal for signal in new_signals if signal.kind == kind]
    old_total, new_total = Counter(s.key for s in olds), Counter(s.key for s in news)
    old_touched = [(s, _touching(drafts, "old", s)) for s in olds]
    new_touched = [(s, _touching(drafts, "new", s)) for s in news]
    old_in = Counter(s.key for s, d in old_touched if d is not None)
    new_in = Counter(s.key for s, d in new_touched if d is not None)
    removed: dict[int, list[_Signal]] = {}
    added: dict[int, list[_Signal]] = {}
    for touched, inside, other_inside, total, other_total, document, other_document, out in (
        (old_touched, old_in, new_in, old_total, new_total, old.counts, new.counts, removed),
        (new_touched, new_in, old_in, new_total, old_total, new.counts, old.counts, added),
    ):
        # Only occurrences really gained or lost count: a number that moved
        # within the sentence, or sits both in and out of a hunk, did not
        # change; nor did a number or date that moved to another sentence.
        budget = {
            key: min(
                inside[key] - other_inside[key],
                total[key] - other_total[key],
                document[(kind, key)] - other_document[(kind, key)] if kind in ("number", "date") else len(touched),
            )
            for key in inside
        }
        for signal, draft in touched:
            if draft is not None and budget.get(signal.key, 0) > 0:
                budget[signal.key] -= 1
                out.setdefault(id(draft), []).append(signal)
    for draft in drafts:
        gone, came = removed.get(id(draft), []), added.get(id(draft), [])
        if kind == "attribution":
            draft.reasons += _attribution_reasons(gone, came)
            continue
        for position in range(max(len(gone), len(came))):
            before = gone[position] if position < len(gone) else None
            after = came[position] if position < len(came) else None
            draft.reasons.append(_signal_reason(kind, before, after))


def _attribution_reasons(gone: list[_Signal], came: list[_Signal]) -> list[Reason]:
    """A change of stance ("said" → "claimed") is substantive; adding or dropping a plain "said" is not."""
    reasons = []
    for position in range(max(len(gone), len(came))):
        before = gone[position] if position < len(gone) else None
        after = came[position] if position < len(came) else None
        neutral = all(s is None or s.key == "reports" for s in (before, after))
        if (before and after) or not neutral:
            reasons.append(_signal_reason("attribution", before, after))
        else:
            verb = before.text if before else after.text if after else ""
            change = "added" if after else "dropped"
            reasons.append(
                Reason(
                    "attribution",
                    f"plain attribution {change}: {verb}",
                    False,
                    before.text if before else None,
                    after.text if after else None,
                )
            )
    return reasons


def _touching(drafts: Sequence[_Draft], side: str, signal: _Signal) -> _Draft | None:
    return next((draft for draft in drafts if draft.touches(side, signal.start, signal.end)), None)


def _signal_reason(kind: str, before: _Signal | None, after: _Signal | None) -> Reason:
    name = _SIGNAL_NAMES[kind]
    if kind == "negation":
        text = (
            "negation added"
            if after and not before
            else "negation removed"
            if before and not after
            else "negation reworded"
        )
    elif kind == "hedge" and before and not after:
        text = f"hedge dropped: {before.text}"
    elif kind == "hedge" and after and not before:
        text = f"hedge added: {after.text}"
    elif before and after:
        text = f"{name} changed: {before.text} → {after.text}"
    elif after:
        text = f"{name} added: {after.text}"
    else:
        text = f"{name} removed: {before.text if before else ''}"
    return Reason(kind, text, True, before.text if before else None, after.text if after else None)


def _entity_reasons(
    drafts: list[_Draft], old: _Version, new: _Version, old_signals: Sequence[_Signal], new_signals: Sequence[_Signal]
) -> None:
    old_entities = [s for s in old_signals if s.kind == "entity"]
    new_entities = [s for s in new_signals if s.kind == "entity"]
    old_names = frozenset(name for s in old_entities for name in s.names)
    new_names = frozenset(name for s in new_entities for name in s.names)
    for draft in drafts:
        gone = [s for s in old_entities if draft.touches("old", s.start, s.end) and not _named(s, new_names)]
        came = [s for s in new_entities if draft.touches("new", s.start, s.end) and not _named(s, old_names)]
        if gone and came:
            draft.reasons.append(
                Reason("entity", f"entity changed: {gone[0].text} → {came[0].text}", True, gone[0].text, came[0].text)
            )
            continue
        for signal in came:
            if _named(signal, old.names):
                # "He" → "Kotunica", already named elsewhere: the reference is made explicit.
                draft.reasons.append(Reason("reference", f"named explicitly: {signal.text}", False, None, signal.text))
            else:
                draft.reasons.append(Reason("entity", f"entity added: {signal.text}", True, None, signal.text))
        for signal in gone:
            if _named(signal, new.names):
                draft.reasons.append(
                    Reason("reference", f"still named elsewhere: {signal.text}", False, signal.text, None)
                )
            else:
                draft.reasons.append(
                    Reason("entity", f"entity no longer mentioned: {signal.text}", True, signal.text, None)
                )


def _named(entity: _Signal, names: frozenset[str]) -> bool:
    """Whether any word of the entity's name is among ``names``, allowing "Iraq"/"Iraqi"."""
    for name in entity.names:
        if name in names:
            return True
        if len(name) >= 4 and any(
            other[:4] == name[:4] and (other.startswith(name) or name.startswith(other)) for other in names
        ):
            return True
    return False


def _quote_reasons(
    drafts: list[_Draft], old: _Version, new: _Version, old_signals: Sequence[_Signal], new_signals: Sequence[_Signal]
) -> None:
    """Quoted words of a named speaker changed, a quotation came or went, or its speaker changed."""
    old_quotes = [s for s in old_signals if s.kind == "quote"]
    new_quotes = [s for s in new_signals if s.kind == "quote"]
    for draft in drafts:
        old_text = old.text[draft.old_start : draft.old_end]
        new_text = new.text[draft.new_start : draft.new_end]
        # Unattributed quotation marks are as often titles or scare quotes as
        # speech, so edits inside them are judged as ordinary text.
        inside = [q for q in old_quotes if q.speaker and _inside(draft.old_start, draft.old_end, q)] + [
            q for q in new_quotes if q.speaker and _inside(draft.new_start, draft.new_end, q)
        ]
        if inside:
            draft.reasons.append(
                Reason("quote", f"words quoted from {inside[0].speaker} changed", True, old_text, new_text)
            )
            continue
        for quote in new_quotes:
            if _within(draft, "new", quote) and not any(_same_quote(quote, other) for other in old_quotes):
                draft.reasons.append(Reason("quote", _quote_text("quote added", quote), True, None, quote.text))
        for quote in old_quotes:
            if _within(draft, "old", quote) and not any(_same_quote(quote, other) for other in new_quotes):
                draft.reasons.append(Reason("quote", _quote_text("quote removed", quote), True, quote.text, None))
    for before in old_quotes:
        for after in new_quotes:
            if not _is_named(before.speaker) or not _is_named(after.speaker) or not _same_quote(before, after):
                continue  # "he" → "Smith" names the speaker, it does not change who spoke
            if _speaker_key(before.speaker) & _speaker_key(after.speaker):
                continue
            # The reason goes to the first hunk outside the quotation: the one naming the speaker.
            outside = next((d for d in drafts if not (after.start <= d.new_start and d.new_end <= after.end)), None)
            if outside is not None:
                outside.reasons.append(
                    Reason(
                        "quote",
                        f"quote now attributed to {after.speaker} instead of {before.speaker}",
                        True,
                        before.speaker,
                        after.speaker,
                    )
                )


def _inside(start: int, end: int, quote: _Signal) -> bool:
    """Whether a hunk changes words between the quotation marks (the marks themselves may go with them)."""
    first, last = quote.start + 1, quote.end - 1
    return first <= start < last if start == end else start < last and first < end and start >= quote.start


def _is_named(speaker: str | None) -> bool:
    return speaker is not None and speaker.lower() not in _PRONOUNS


def _within(draft: _Draft, side: str, signal: _Signal) -> bool:
    """Most of the signal lies inside the hunk."""
    a, b = (draft.old_start, draft.old_end) if side == "old" else (draft.new_start, draft.new_end)
    overlap = min(b, signal.end) - max(a, signal.start)
    return overlap > (signal.end - signal.start) / 2


def _same_quote(a: _Signal, b: _Signal) -> bool:
    return bool(Indel.normalized_similarity(a.words, b.words) >= 0.8)


def _speaker_key(speaker: str | None) -> frozenset[str]:
    return frozenset(_name_key(word) for word in (speaker or "").split()) - _TITLES


def _quote_text(what: str, quote: _Signal) -> str:
    said = f", attributed to {quote.speaker}" if quote.speaker else ""
    return f"{what}: “{_shorten(quote.text)}”{said}"


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# Function words that carry no claim of their own; negations are not among them.
_FUNCTION_WORDS = _STOPWORDS - {"not", "no", "nor", "neither", "never", "without"}


def _canonical_words(text: str) -> list[str]:
    """Words with numbers and month names in one spelling, so "3"/"three" and "Mar."/"March" agree."""
    words = []
    for word in _CONTENT_WORD.findall(text.lower()):
        word = _MONTHS.get(word, word)
        if word in ("a", "an"):
            word = "1"
        elif word in _UNITS:
            word = str(_UNITS.index(word))
        elif word in _TENS:
            word = str(20 + 10 * _TENS.index(word))
        elif word in _ORDINALS:
            word = str(_ORDINALS.index(word) + 1)
        elif re.fullmatch(r"\d+(?:st|nd|rd|th)", word):
            word = word[:-2]
        words.append(word)
    return words


def _form_reason(old_text: str, new_text: str) -> Reason | None:
    """The cosmetic reason when a hunk changes only how its words are written, else None."""
    if _letters(old_text) == _letters(new_text):
        if old_text.lower() == new_text.lower():
            return Reason("case", "capitalization changed", False, old_text, new_text)
        return Reason("punctuation", "punctuation or spacing changed", False, old_text or None, new_text or None)
    old_words, new_words = _canonical_words(old_text), _canonical_words(new_text)
    if old_words == new_words:
        return Reason("spelling", "same words written another way", False, old_text, new_text)
    gone = [word for word in old_words if word not in new_words and word not in _FUNCTION_WORDS]
    came = [word for word in new_words if word not in old_words and word not in _FUNCTION_WORDS]
    if gone and len(gone) == len(came) and all(_variant(a, b) for a, b in zip(gone, came, strict=True)):
        return Reason("spelling", "spelling or inflection changed", False, old_text, new_text)
    return None


def _letters(text: str) -> str:
    return "".join(char for char in text.lower() if char.isalnum())


def _variant(a: str, b: str) -> bool:
    """Two spellings or inflections of one word: "officialy"/"officially", "licence"/"license"."""
    if _stem(a) == _stem(b):
        return True
    return min(len(a), len(b)) >= 4 and Indel.normalized_similarity(a, b) >= 0.8


def _content_words(text: str) -> list[str]:
    """Words that can carry content, less attribution verbs and hedges, which their own rules judge."""
    return [
        word
        for word in _CONTENT_WORD.findall(text.lower())
        if word not in _FUNCTION_WORDS and word not in _STANCE and word not in _HEDGES
    ]


@dataclass(frozen=True)
class Rules:
    """When a rewording that swaps content words counts as new content.

    A swap whose every new word shares a WordNet synset with a word it
    replaced ("found" → "discovered") is a rewording, through each word's
    ``synonym_senses`` most frequent senses (``None``: no synonym test). Other
    swaps are judged by counting words, since "prison" → "jail" (which
    WordNet keeps apart) and "town" → "city" look alike without meaning: the
    content words brought in (``rewording_words``), or those the old version
    never used anywhere (``novel_words``), which are seldom a paraphrase of
    what it said.
    ``lede_words`` replaces ``rewording_words`` in the first sentence
    (``None``: no difference). A Markdown heading, like a headline, changes
    with any content word. The shipped values (``RULES``) are the ones
    ``benchmarks/claims_fit.py`` chooses on labelled edits.
    """

    rewording_words: int = 2
    novel_words: int = 1
    lede_words: int | None = 1
    synonym_senses: int | None = 2


RULES = Rules()


def _wording_reason(
    old_text: str,
    new_text: str,
    old_words_text: str,
    new_words_text: str,
    old_stems: frozenset[str],
    need: tuple[int, int],
    synonym_senses: int | None,
) -> Reason:
    """No claim signal changed: judge the hunk by the content words it brings in or takes out.

    ``old_words_text`` and ``new_words_text`` are the hunk's texts with the
    names the entity rule already judged blanked out; ``need`` is how many
    content words, and how many words new to the old version, make a rewording
    substantive, unless all are synonyms of words taken out within
    ``synonym_senses`` (see ``Rules``).
    """
    old_or_none, new_or_none = old_text or None, new_text or None
    old_words, new_words = _content_words(old_text), _content_words(new_text)
    if not old_words and old_text.strip():
        # "it" → "the coalition", "the" → "their": a function word spelled out.
        return Reason("reference", f"reference spelled out: {new_text}", False, old_or_none, new_or_none)
    came, gone = _word_changes(old_words, new_words)
    if not came:
        if gone:
            text = f"words dropped: {' '.join(gone[:8])}"
        else:
            text = "same words in another order" if old_words else "only function words changed"
        return Reason("wording", text, False, old_or_none, new_or_none)
    if not gone:
        # Nothing taken out, something put in: "killed" → "killed in Sunderland".
        return Reason("content", f"words added: {' '.join(came[:8])}", True, old_or_none, new_or_none)
    came, gone = _word_changes(_content_words(old_words_text), _content_words(new_words_text))
    if synonym_senses is not None and came and gone:
        pairs = _synonym_pairs(came, gone, synonym_senses)
        if pairs is not None:
            # Every word brought in means what a word taken out meant: "found" → "discovered".
            text = "; ".join(pairs)
            return Reason("synonym", text, False, old_or_none, new_or_none)
    if len(came) >= need[0]:
        return Reason("content", f"new content: {' '.join(came[:8])}", True, old_or_none, new_or_none)
    novel = [word for word in came if _stem(word) not in old_stems]
    if novel and len(novel) >= need[1]:
        return Reason("content", f"reworded with new words: {old_text} → {new_text}", True, old_or_none, new_or_none)
    return Reason("wording", f"reworded: {old_text} → {new_text}", False, old_or_none, new_or_none)


def _synonym_pairs(came: list[str], gone: list[str], senses: int) -> list[str] | None:
    """Each word brought in, paired with a word taken out that WordNet gives the same meaning ("found → discovered").

    ``None`` when some word brought in has no such partner. A partner that is
    the same lemma is an inflection the crude stem missed ("make" → "making").
    """
    pairs = []
    for word in came:
        partner = next((old for old in gone if are_synonyms(old, word, senses)), None)
        if partner is None:
            return None
        same = not lemmas(partner).isdisjoint(lemmas(word))
        pairs.append(f"{'inflection' if same else 'synonym'}: {partner} → {word}")
    return list(dict.fromkeys(pairs))


def _word_changes(old_words: list[str], new_words: list[str]) -> tuple[list[str], list[str]]:
    """Content words brought in and taken out, compared by stem."""
    old_stems = {_stem(word) for word in old_words}
    new_stems = {_stem(word) for word in new_words}
    came = [word for word in new_words if _stem(word) not in old_stems]
    gone = [word for word in old_words if _stem(word) not in new_stems]
    return came, gone


# ---------------------------------------------------------------------------
# Comparison


def compare(
    old: str,
    new: str,
    *,
    old_title: str | None = None,
    new_title: str | None = None,
    old_links: Sequence[str] | None = None,
    new_links: Sequence[str] | None = None,
    rules: Rules = RULES,
) -> Comparison:
    """Compare two versions of an article: aligned sentence changes, each classified, and a coverage summary.

    Texts are used as given (spans index into them); canonical text from
    ``archive.normalize`` gives the cleanest diffs. Titles and links only feed
    the coverage summary. ``rules`` are the content rule's thresholds (for
    fitting them; the default is the fitted ``RULES``).
    """
    context = _context(old, new)
    before, after = _read(old, context), _read(new, context)
    changes = _changes(before, after, align(before.sentences, after.sentences), rules)
    headline = None
    if old_title is not None and new_title is not None:
        headline = old_title != new_title and _headline_substantive(old_title, new_title, rules)
    summary = _coverage(before, after, changes, old_title, new_title, headline, old_links, new_links)
    return Comparison(changes, summary)


def coverage(
    old: str,
    new: str,
    *,
    old_title: str | None = None,
    new_title: str | None = None,
    old_links: Sequence[str] | None = None,
    new_links: Sequence[str] | None = None,
) -> Coverage:
    """The coverage summary of two versions alone (see ``Coverage``)."""
    return compare(
        old, new, old_title=old_title, new_title=new_title, old_links=old_links, new_links=new_links
    ).coverage


def _changes(old: _Version, new: _Version, matches: Sequence[Match], rules: Rules) -> tuple[Change, ...]:
    departures = _departures(new, matches)
    changes = []
    old_anchor = new_anchor = 0  # end of the last sentence that stayed in place, on each side
    for match in matches:
        before = _excerpt(old, match.old)
        after = _excerpt(new, match.new)
        if before is None and after is not None:
            change = _added_or_removed(ChangeKind.ADDED, after, new, old, _gap(old.text, old_anchor))
        elif after is None and before is not None:
            change = _added_or_removed(ChangeKind.REMOVED, before, old, new, _gap(new.text, new_anchor))
        elif before is not None and after is not None:
            landing = departure = None
            if match.moved:
                landing = _gap(old.text, old_anchor)
                departure = departures[match.old[0]]
            change = _aligned(match, before, after, old, new, landing, departure, rules)
        else:
            continue
        if before is not None and not match.moved:
            old_anchor = before.end
        if after is not None and not match.moved:
            new_anchor = after.end
        changes.append(change)
    return tuple(changes)


def _departures(new: _Version, matches: Sequence[Match]) -> dict[int, tuple[int, int]]:
    """For each moved group, the gap in the new text at the place it left."""
    gaps = {}
    anchor = 0
    for match in sorted((m for m in matches if m.old), key=lambda m: m.old[0]):
        if match.moved:
            gaps[match.old[0]] = _gap(new.text, anchor)
        elif match.new:
            anchor = new.sentences[match.new[-1]].end
    return gaps


def _excerpt(version: _Version, indices: tuple[int, ...]) -> Excerpt | None:
    if not indices:
        return None
    first, last = version.sentences[indices[0]], version.sentences[indices[-1]]
    return Excerpt(version.text[first.start : last.end], first.start, last.end, indices, first.paragraph)


def _gap(text: str, anchor: int) -> tuple[int, int]:
    """The whitespace after ``anchor``: where a sentence was inserted into, or removed from, a version."""
    end = anchor
    while end < len(text) and text[end].isspace():
        end += 1
    return anchor, end


def _added_or_removed(
    kind: ChangeKind, excerpt: Excerpt, version: _Version, other: _Version, gap: tuple[int, int]
) -> Change:
    signals = list(dict.fromkeys(s for index in excerpt.sentences for s in version.by_sentence[index]))
    reason = _whole_sentence_reason(kind, excerpt.text, signals, version, other)
    gap_text = other.text[slice(*gap)]
    if kind == ChangeKind.ADDED:
        hunk = Hunk(*gap, excerpt.start, excerpt.end, gap_text, excerpt.text, reason.substantive, (reason,))
        return Change(kind, reason.substantive, (reason,), None, excerpt, True, None, (hunk,))
    hunk = Hunk(excerpt.start, excerpt.end, *gap, excerpt.text, gap_text, reason.substantive, (reason,))
    return Change(kind, reason.substantive, (reason,), excerpt, None, True, None, (hunk,))


def _whole_sentence_reason(
    kind: ChangeKind, text: str, signals: Sequence[_Signal], version: _Version, other: _Version
) -> Reason:
    """Why an added or removed sentence is, or is not, a change of claim.

    An added sentence is a new claim unless it holds no content ("Advertisement").
    A removed sentence is a claim withdrawn when it takes a fact with it: a
    number, date, name or quotation the new version no longer has, or a denial,
    admission or other non-neutral attribution. Removed sentences without
    such a fact are mostly trimmed commentary or repetition.
    """
    verb = "added" if kind == ChangeKind.ADDED else "removed"
    old_text, new_text = (None, text) if kind == ChangeKind.ADDED else (text, None)
    if _BOILERPLATE.match(text) or (
        len(_CONTENT_WORD.findall(text)) < 2 and not any(s.kind in ("number", "date", "quote") for s in signals)
    ):
        return Reason("boilerplate", f"{verb} text carries no claim", False, old_text, new_text)
    facts = signals if kind == ChangeKind.ADDED else [s for s in signals if _lost(s, version, other)]
    kinds = sorted({_SIGNAL_NAMES.get(s.kind, s.kind) for s in facts if s.kind != "negation"})
    detail = f" (with {', '.join(kinds)})" if kinds else ""
    if kind == ChangeKind.REMOVED and not facts:
        return Reason("removed", f"sentence removed, its facts kept: {_shorten(text)}", False, old_text, new_text)
    return Reason(str(kind), f"sentence {verb}{detail}: {_shorten(text)}", True, old_text, new_text)


def _lost(signal: _Signal, version: _Version, other: _Version) -> bool:
    """Whether a fact of ``version`` is missing from ``other``."""
    if signal.kind in ("number", "date"):
        return other.counts[(signal.kind, signal.key)] < version.counts[(signal.kind, signal.key)]
    if signal.kind == "entity":
        return not _named(signal, other.names)
    if signal.kind == "quote":
        return not any(_same_quote(signal, s) for s in other.signals if s.kind == "quote")
    return signal.kind == "attribution" and signal.key != "reports"


def _aligned(
    match: Match,
    before: Excerpt,
    after: Excerpt,
    old: _Version,
    new: _Version,
    landing: tuple[int, int] | None,
    departure: tuple[int, int] | None,
    rules: Rules,
) -> Change:
    if len(match.old) > 1:
        kind = ChangeKind.MERGED
    elif len(match.new) > 1:
        kind = ChangeKind.SPLIT
    elif match.moved:
        kind = ChangeKind.MOVED
    elif before.text == after.text:
        kind = ChangeKind.UNCHANGED
    else:
        kind = ChangeKind.EDITED
    edited = before.text != after.text
    extra: list[Reason] = []
    hunks: list[Hunk] = []
    if landing is not None and departure is not None:
        # Moving a sentence does not change its claims, so both ends of the move
        # are cosmetic; any edit made on the way is classified by its own hunks.
        moved = Reason("moved", f"moved from sentence {match.old[0] + 1} to {match.new[0] + 1}", False)
        extra.append(moved)
        hunks.append(
            Hunk(before.start, before.end, *departure, before.text, new.text[slice(*departure)], False, (moved,))
        )
        hunks.append(Hunk(*landing, after.start, after.end, old.text[slice(*landing)], after.text, False, (moved,)))
    if kind in (ChangeKind.SPLIT, ChangeKind.MERGED):
        extra.append(Reason(str(kind), f"{len(match.old)} sentence(s) became {len(match.new)}", False))
    if not edited:
        return Change(kind, False, tuple(extra), before, after, False, None, tuple(hunks))
    diff = word_diff(before.text, after.text)
    drafts = _diff_hunks(diff, before.start, after.start, old.text, new.text)
    old_signals = list(dict.fromkeys(s for index in match.old for s in old.by_sentence[index]))
    new_signals = list(dict.fromkeys(s for index in match.new for s in new.by_sentence[index]))
    _classify_group(drafts, old, new, old_signals, new_signals, _need(match, old, rules), rules.synonym_senses)
    hunks += [
        Hunk(
            d.old_start,
            d.old_end,
            d.new_start,
            d.new_end,
            old.text[d.old_start : d.old_end],
            new.text[d.new_start : d.new_end],
            any(reason.substantive for reason in d.reasons),
            _unique(d.reasons),
        )
        for d in drafts
    ]
    reasons = _unique([reason for hunk in hunks for reason in hunk.reasons] + extra)
    substantive = any(hunk.substantive for hunk in hunks)
    return Change(kind, substantive, reasons, before, after, True, diff, tuple(hunks))


def _need(match: Match, old: _Version, rules: Rules) -> tuple[int, int]:
    """How many content words, and words new to the article, make a rewording in this group substantive."""
    if any(old.sentences[index].text.startswith("#") for index in match.old):
        return 1, 1  # a heading is a headline: every content word of it is a claim
    if 0 in match.old and rules.lede_words is not None:
        return rules.lede_words, min(rules.lede_words, rules.novel_words)
    return rules.rewording_words, rules.novel_words


def _headline_substantive(old_title: str, new_title: str, rules: Rules) -> bool:
    """A headline is a claim in a few words: any content word it gains or loses changes it.

    Title case makes every word look like a name, so the entity rule cannot
    tell "Putin's Post-Trump Tantrum" from "… Standoff"; a respelling
    ("Tantrum" → "Tantrums") is still cosmetic.
    """
    if compare(old_title, new_title, rules=rules).substantive_changes:
        return True
    came, gone = _word_changes(_content_words(old_title), _content_words(new_title))
    return bool(came or gone) and _form_reason(old_title, new_title) is None


def _unique(reasons: Iterable[Reason]) -> tuple[Reason, ...]:
    """Reasons without repeats, substantive ones first."""
    unique = list(dict.fromkeys(reasons))
    return tuple(sorted(unique, key=lambda reason: not reason.substantive))


# ---------------------------------------------------------------------------
# Coverage


def _coverage(
    old: _Version,
    new: _Version,
    changes: Sequence[Change],
    old_title: str | None,
    new_title: str | None,
    headline_substantive: bool | None,
    old_links: Sequence[str] | None,
    new_links: Sequence[str] | None,
) -> Coverage:
    lede = [change for change in changes if change.kind != ChangeKind.UNCHANGED and _in_lede(change)]
    old_lede = _first_paragraph(old)
    new_lede = _first_paragraph(new)
    words_added = words_removed = 0
    for change in changes:
        if change.diff is not None:
            words_added += change.diff.words_added
            words_removed += change.diff.words_removed
        elif change.kind == ChangeKind.ADDED and change.new:
            words_added += count_words(change.new.text)
        elif change.kind == ChangeKind.REMOVED and change.old:
            words_removed += count_words(change.old.text)
    old_quotes = [s for s in old.signals if s.kind == "quote"]
    new_quotes = [s for s in new.signals if s.kind == "quote"]
    old_sources, new_sources = _sources(old), _sources(new)
    links_added = links_removed = None
    if old_links is not None and new_links is not None:
        links_added = tuple(dict.fromkeys(link for link in new_links if link not in set(old_links)))
        links_removed = tuple(dict.fromkeys(link for link in old_links if link not in set(new_links)))
    return Coverage(
        headline_changed=None if old_title is None or new_title is None else old_title != new_title,
        headline_substantive=headline_substantive,
        old_headline=old_title,
        new_headline=new_title,
        lede_changed=old_lede != new_lede,
        lede_substantive=any(change.substantive for change in lede),
        words_added=words_added,
        words_removed=words_removed,
        sentences_added=sum(change.kind == ChangeKind.ADDED for change in changes),
        sentences_removed=sum(change.kind == ChangeKind.REMOVED for change in changes),
        quotes_added=tuple(
            Quote(q.text, q.speaker) for q in new_quotes if not any(_same_quote(q, o) for o in old_quotes)
        ),
        quotes_dropped=tuple(
            Quote(q.text, q.speaker) for q in old_quotes if not any(_same_quote(q, n) for n in new_quotes)
        ),
        sources_added=_names_missing(new_sources, old_sources),
        sources_dropped=_names_missing(old_sources, new_sources),
        entities_added=_names_missing(_entity_names(new), _entity_names(old)),
        entities_dropped=_names_missing(_entity_names(old), _entity_names(new)),
        links_added=links_added,
        links_removed=links_removed,
    )


def _in_lede(change: Change) -> bool:
    return (change.old is not None and change.old.paragraph == 0) or (
        change.new is not None and change.new.paragraph == 0
    )


def _first_paragraph(version: _Version) -> str:
    return version.text.split("\n", 1)[0]


def _entity_names(version: _Version) -> list[tuple[str, frozenset[str]]]:
    return [(s.text, s.names) for s in version.signals if s.kind == "entity"]


def _sources(version: _Version) -> list[tuple[str, frozenset[str]]]:
    """Who the version cites: quote speakers and names next to an attribution verb or "according to"."""
    sources = [
        (s.speaker, _speaker_key(s.speaker))
        for s in version.signals
        if s.kind == "quote" and s.speaker and _is_named(s.speaker)
    ]
    entities = [s for s in version.signals if s.kind == "entity"]
    starts = [entity.start for entity in entities]
    for cue in version.signals:
        if cue.kind != "attribution" and cue.key != "sourced:according to":
            continue
        # "Smith said", "said Smith", "according to Smith": a name within a few words.
        first = bisect_left(starts, cue.start - 40)
        for entity in entities[first : bisect_right(starts, cue.end + 4)]:
            between = version.text[min(entity.end, cue.end) : max(entity.start, cue.start)]
            if len(between) <= 4 or not between.strip(" ,"):
                sources.append((entity.text, entity.names))
    return [(name, key) for name, key in sources if key]


def _names_missing(
    names: Sequence[tuple[str, frozenset[str]]], others: Sequence[tuple[str, frozenset[str]]]
) -> tuple[str, ...]:
    """Names from ``names`` that share no name word with any of ``others``, first spelling kept."""
    known = frozenset(word for _, key in others for word in key)
    missing: dict[frozenset[str], str] = {}
    for name, key in names:
        if not key & known and key not in missing:
            missing[key] = name
    return tuple(missing.values())
