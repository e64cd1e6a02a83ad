"""Claim signals: the spans of a version that carry a claim, with the value compared across versions.

A signal is a number (with its qualifier and unit), a date or time, a named
entity, a direct quotation and who said it, a negation, a hedge, a plan
("will open"), or an attribution verb. ``read_version`` finds them once per version, for
``archive.compare.verdict`` to judge the hunks that touch them and ``archive.compare.claims``
to summarize what the coverage gained and lost.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Indel

from archive.compare.sentences import Sentence, split_sentences
from archive.compare.synonyms import name_groups

__all__ = [
    "Signal",
    "Context",
    "context_of",
    "VersionText",
    "read_version",
    "stem",
    "canonical_words",
    "named_in",
    "same_quote",
    "is_named",
    "speaker_key",
    "CONTENT_WORD",
    "STOPWORDS",
    "STANCE",
    "HEDGES",
]


@dataclass(frozen=True)
class Signal:
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
            # "now" is left out: "is now closed" stresses a state more often than it dates one.
            r"(?i:\b(?:today|tonight|yesterday|tomorrow|recently|currently|midnight|noon|dawn)\b)",
            rf"(?i:\b{_PART_OF_DAY}\b)",
            r"(?:\b\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?(?:\s(?:GMT|UTC|[A-Z]{2,4}T))?)",
            r"(?:\b\d{1,2}\s?[ap]\.m\.)",
            r"(?:(?<![\d,.$])(?:1[89]\d{2}|20\d{2})(?![\d,]|\s?%))",
        ]
    )
    + ")"
)

# A plan or prediction ("will open", "plans to", "is set to") that a later version may report as done
# ("opened"). "would" is "will" in reported speech, so all have one key. They are found word by word
# in ``_extract``: a verb must follow, and "will" after a determiner is the noun.
_PLAN_MODALS = frozenset("will would shall".split())
_PLAN_VERBS = frozenset("plan plans planned planning intend intends".split())
_PLAN_STATES = frozenset("going set scheduled due".split())
_BE = frozenset("is are was were be".split())
_NOT_A_PLAN = frozenset("the his her their a free good political".split())
_VERB_AFTER = re.compile(r"\s+(?:(?:not|also|now|soon)\s+)?[a-z]")
_TO_VERB = re.compile(r"\s+to\s+[a-z]")
# "the network projects Smith will win": a projection verb is a hedge when a claim, not a noun, follows.
_PROJECTIONS = frozenset("projects project projected predicts predicted forecasts forecast estimates".split())
_NOT_A_PROJECTION = frozenset("the these its their new housing other".split())
_CLAIM_AFTER = re.compile(r"\s+(?:that\b|[A-Z]|the\b|a\b|an\b|it\b|he\b|she\b|they\b|\d)")
_NEGATIONS = re.compile(
    r"(?i)\b(?:not(?!\s+only\b)|no|never|none|nobody|nothing|neither|nor|nowhere|cannot|without)\b|n['’]t\b"
)
HEDGES = {
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
    + "|".join(sorted((re.escape(h).replace("'", "['’]") for h in HEDGES if " " in h), key=len, reverse=True))
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
STANCE = {verb: stance for stance, verbs in _STANCES.items() for verb in verbs.split()}

_MIN_QUOTE_WORDS = 3

# Capitalized words that name nothing: sentence openers, pronouns, titles.
STOPWORDS = frozenset(
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
CONTENT_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ENTITY_TOKEN = re.compile(r"[\w][\w'’.\-&]*")
_PRONOUNS = frozenset("he she they it we i you his her their its him them".split())


def _number_key(match: re.Match[str]) -> object:
    qualifier = _QUALIFIERS.get((match["qual"] or "").lower())
    currency = "$" if match["cur"] and "$" in match["cur"] else (match["cur"] or "").strip().upper()
    percent = bool(match["pct"])
    # An ordinal counts like its cardinal: "lap 3" and "the third lap" are one value.
    if match["ord"]:
        return (None, float(match["ord"][:-2]), currency, percent)
    if match["ordword"]:
        return (None, float(_ORDINALS.index(match["ordword"].lower()) + 1), currency, percent)
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
    # "a week earlier" and "one week earlier", "two days ago" and "2 days ago" are one date.
    words = ["1" if word in ("a", "an") else str(_UNITS.index(word)) if word in _UNITS else word for word in words]
    return " ".join(word.rstrip("s") if word[:-1] in _WEEKDAYS else word for word in words)


def canonical_words(text: str) -> list[str]:
    """Words with numbers and month names in one spelling, so "3"/"three" and "Mar."/"March" agree."""
    words = []
    for word in CONTENT_WORD.findall(text.lower()):
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


@dataclass(frozen=True)
class Context:
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


def context_of(*texts: str) -> Context:
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
            names = {_name_key(word) for word in long_form.split()} - _TITLES - _CONNECTORS - STOPWORDS
            aliases.setdefault(short, set()).update(names)
            for name in names:
                aliases.setdefault(name, set()).add(short)
    return Context(
        frozenset(lowercase_words),
        frozenset(inner_capitals),
        {key: frozenset(value) for key, value in aliases.items()},
    )


def _extract(text: str, context: Context) -> list[Signal]:
    """The claim signals of one sentence but its quotations, which may span sentences (see ``read_version``)."""
    signals: list[Signal] = []
    taken: list[tuple[int, int]] = []
    for match in _DATE.finditer(text):
        if match.group() == "May" or not match.group().strip():
            continue  # the month alone is too often the modal verb's capital
        signals.append(Signal("date", match.group(), match.start(), match.end(), _date_key(match.group())))
        taken.append((match.start(), match.end()))
    starts = [start for start, _ in taken]
    for match in _NUMBER.finditer(text):
        position = bisect_right(starts, match.start()) - 1
        if position >= 0 and taken[position][1] > match.start():
            continue
        if position + 1 < len(taken) and taken[position + 1][0] < match.end():
            continue
        if match.group().lower() == "one":
            continue  # "one of the", "one new library": an article or pronoun more than a count
        signals.append(Signal("number", match.group(), match.start(), match.end(), _number_key(match)))
    for match in _NEGATIONS.finditer(text):
        signals.append(Signal("negation", match.group(), match.start(), match.end(), "not"))
    phrase_ends: dict[int, int] = {}
    for match in _HEDGE_PHRASE.finditer(text):
        phrase = " ".join(match.group().lower().replace("’", "'").split())
        signals.append(Signal("hedge", match.group(), match.start(), match.end(), HEDGES[phrase] + ":" + phrase))
        phrase_ends[match.end()] = match.start()
    # Single-word cues are looked up word by word: faster than one long alternation.
    previous = ""
    for match in _WORDS.finditer(text):
        word, before = match.group().lower(), previous
        previous = word
        if word in _PLAN_MODALS or word in _PLAN_VERBS or (word in _PLAN_STATES and before in _BE):
            after = _VERB_AFTER if word in _PLAN_MODALS else _TO_VERB
            if before not in _NOT_A_PLAN and after.match(text, match.end()):
                signals.append(Signal("plan", match.group(), match.start(), match.end(), "future"))
            continue
        if word in _PROJECTIONS and before not in _NOT_A_PROJECTION and _CLAIM_AFTER.match(text, match.end()):
            signals.append(Signal("hedge", match.group(), match.start(), match.end(), "doubt:projection"))
            continue
        if word in HEDGES and match.end() in phrase_ends:
            continue  # the last word of "I believe", "don't think": the phrase is the hedge
        if word == "may" and _within_taken(taken, starts, match.start()):
            continue  # "16 May 2005", "May 15": the month of a date, not the modal verb
        if word in HEDGES:
            signals.append(Signal("hedge", match.group(), match.start(), match.end(), HEDGES[word] + ":" + word))
        elif word in STANCE:
            signals.append(Signal("attribution", match.group(), match.start(), match.end(), STANCE[word]))
    return signals + _entities(text, context)


def _within_taken(taken: Sequence[tuple[int, int]], starts: Sequence[int], position: int) -> bool:
    """Whether ``position`` lies inside one of the spans ``taken`` (sorted, ``starts`` their starts)."""
    index = bisect_right(starts, position) - 1
    return index >= 0 and position < taken[index][1]


def _entities(text: str, context: Context) -> list[Signal]:
    """Capitalized phrases of one sentence, minus the capitals that only open a sentence or a quote."""
    found: list[Signal] = []
    if text:
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
                        found.append(_entity_signal(text, phrase, context))
                    phrase, connector = [], None
            if phrase:
                found.append(_entity_signal(text, phrase, context))
    return [signal for signal in found if signal.names]


# Where a capital may only mean "start of sentence or quotation" ("" is the sentence start).
_OPENING_MARKS = '"“‘(:—–-'
# Runs of capitalized words, possibly joined by connectors: the only places a name can be.
_NAME_RUN = re.compile(
    r"(?:[A-Z]|[a-z][A-Z])[\w'’.\-&]*(?:\s+(?:(?:"
    + "|".join(sorted(_CONNECTORS, key=len, reverse=True))
    + r")\s+)?(?:[A-Z]|[a-z][A-Z])[\w'’.\-&]*)*"
)


def _is_name(word: str, opens: bool, context: Context) -> bool:
    if not word or not (word[0].isupper() or (len(word) > 1 and word[0].islower() and word[1].isupper())):
        return False
    lower = word.lower()
    if word.isupper() and len(word) > 1:
        return True  # "US", "IT": an acronym, not the pronoun or the word it spells
    if lower in STOPWORDS or lower in _MONTHS or lower.rstrip("s") in _WEEKDAYS or word.isdigit():
        return False
    if opens and not (word.isupper() and len(word) > 1):
        # A capital that opens a sentence or quote is a name only when the text
        # also capitalizes the word elsewhere and never writes it in lower case:
        # "Police said" is not a name, "Kotunica said" is.
        return lower in context.inner_capitals and lower not in context.lowercase_words
    return True


def _entity_signal(sentence: str, phrase: list[re.Match[str]], context: Context) -> Signal:
    raw = sentence[phrase[0].start() : phrase[-1].end()]
    text = raw.rstrip(".'’-")
    start = phrase[0].start()
    words = [match.group() for match in phrase if match.group().lower() not in _CONNECTORS]
    names = {_name_key(word) for word in words} - _TITLES - {""}
    spelled = tuple(sorted(names))
    if len(words) > 1:
        # "European Union" is also "EU".
        names.add("".join(word[0] for word in words).lower())
    for name in list(names):
        names |= context.aliases.get(name, frozenset())
    # "Great Britain" / "the United Kingdom", "American" / "United States": one place by WordNet's names.
    names |= {f"#{group}#" for group in name_groups(" ".join(words))}
    return Signal("entity", text, start, start + len(text), frozenset(names), names=frozenset(names), words=spelled)


def _name_key(word: str) -> str:
    """A name word as compared: lower case, no possessive or dots, stemmed ("Russia"/"Russian")."""
    word = word.lower().rstrip(".'’-")
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
    word = word.replace(".", "")
    if not word.isascii():
        # "Vučić" and "Vucic" are one name, spelled with and without its accents.
        word = "".join(char for char in unicodedata.normalize("NFKD", word) if not unicodedata.combining(char))
    return word if word in _TITLES else stem(word)


def _quotes(text: str) -> list[Signal]:
    quotes = []
    for start, end in _quote_spans(text):
        inner = text[start + 1 : end - 1]
        words = re.findall(r"\w+", inner.lower())
        if len(words) < _MIN_QUOTE_WORDS:
            continue  # a scare-quoted term, not a quotation
        quotes.append(
            Signal(
                "quote",
                inner,
                start,
                end,
                tuple(words),
                words=tuple(words),
                speaker=_speaker(text, start, end),
            )
        )
    return quotes


_PARAGRAPH = re.compile(r"[^\n]+")
_CLOSERS = {"“": "”", "‘": "’", '"': '"'}


def _quote_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of quotations, marks included, within one paragraph.

    A straight quote opens only after a space or bracket and before a
    non-space, and closes only after a non-space, so one stray mark does not
    turn the rest of the paragraph inside out.
    """
    for paragraph in _PARAGRAPH.finditer(text):
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


_SPEAKER_AFTER = re.compile(r"^[\s,:;—–-]*(?P<verb1>\w+)\s+(?P<name1>[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*)*)")
_SPEAKER_NAME_FIRST = re.compile(
    r"^[\s,:;—–-]*(?P<name2>[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*)*|he|she|they|it)\s+(?P<verb2>\w+)"
)
_SPEAKER_BEFORE = re.compile(
    r"(?P<name>[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*)*|[Hh]e|[Ss]he|[Tt]hey)\s+(?P<verb>\w+)"
    r"(?:\s+\w+)?(?:\s+that)?\s*[,:]?\s*$"
)


def _speaker(text: str, start: int, end: int) -> str | None:
    """Who a quote is attributed to: '"...," Smith said', 'said Smith', 'Smith said: "..."'."""
    line_end = text.find("\n", end)
    after = text[end : line_end if line_end >= 0 else len(text)][:80]
    # '," said Smith' or '," Mayor Ann Holt said': each reading is tried, since "Mayor" is no verb.
    for pattern, verb_group, name_group in (
        (_SPEAKER_AFTER, "verb1", "name1"),
        (_SPEAKER_NAME_FIRST, "verb2", "name2"),
    ):
        match = pattern.match(after)
        if match and match[verb_group].lower() in STANCE:
            return _clean_speaker(match[name_group])
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - 120) : start]
    match = _SPEAKER_BEFORE.search(before)
    if match and match["verb"].lower() in STANCE:
        return _clean_speaker(match["name"])
    return None


def _clean_speaker(name: str) -> str:
    words = name.split()
    while words and words[0].lower() in STOPWORDS - _PRONOUNS:
        words.pop(0)
    return " ".join(words).rstrip(".,") or name


# ---------------------------------------------------------------------------
# Comparing signals across versions


def named_in(entity: Signal, names: frozenset[str]) -> bool:
    """Whether any word of the entity's name is among ``names``, allowing "Iraq"/"Iraqi"."""
    for name in entity.names:
        if name in names:
            return True
        if len(name) >= 4 and any(
            other[:4] == name[:4] and (other.startswith(name) or name.startswith(other)) for other in names
        ):
            return True
    return False


def is_named(speaker: str | None) -> bool:
    return speaker is not None and speaker.lower() not in _PRONOUNS


def same_quote(a: Signal, b: Signal) -> bool:
    return bool(Indel.normalized_similarity(a.words, b.words) >= 0.8)


def speaker_key(speaker: str | None) -> frozenset[str]:
    return frozenset(_name_key(word) for word in (speaker or "").split()) - _TITLES


# ---------------------------------------------------------------------------
# Versions


@dataclass(frozen=True)
class VersionText:
    """One version's text with everything the comparison looks up in it."""

    text: str
    sentences: tuple[Sentence, ...]
    signals: tuple[Signal, ...]
    by_sentence: tuple[tuple[Signal, ...], ...]
    stems: frozenset[str]
    names: frozenset[str]
    counts: Counter[tuple[str, object]]
    quotes: tuple[Signal, ...]
    stem_counts: Counter[str]


def read_version(text: str, context: Context, seen: dict[tuple[str, str], list[Signal]] | None = None) -> VersionText:
    """Split ``text`` into sentences and find its signals, sentence by sentence and quotations by paragraph.

    A signal depends only on its sentence's text (a quotation on its
    paragraph's) and the ``context``: ``seen`` (text → its signals, offsets
    from its start) lets the second version of a pair reuse those of every
    sentence and paragraph the first already had, most of a long article.
    """
    sentences = split_sentences(text)
    seen = {} if seen is None else seen
    pieces = [(("sentence", sentence.text), sentence.start) for sentence in sentences]
    pieces += [(("paragraph", paragraph.group()), paragraph.start()) for paragraph in _PARAGRAPH.finditer(text)]
    signals: list[Signal] = []
    for key, offset in pieces:
        found = seen.get(key)
        if found is None:
            found = seen[key] = _extract(key[1], context) if key[0] == "sentence" else _quotes(key[1])
        signals += [
            Signal(s.kind, s.text, s.start + offset, s.end + offset, s.key, s.names, s.words, s.speaker) for s in found
        ]
    signals.sort(key=lambda signal: (signal.start, signal.end))
    starts = [sentence.start for sentence in sentences]
    buckets: list[list[Signal]] = [[] for _ in sentences]
    for signal in signals:
        first = max(bisect_right(starts, signal.start) - 1, 0)
        last = max(bisect_right(starts, signal.end - 1) - 1, first)
        for index in range(first, min(last, len(sentences) - 1) + 1):
            buckets[index].append(signal)
    names = frozenset(name for signal in signals for name in signal.names)
    stem_counts: Counter[str] = Counter()
    for word, count in Counter(_WORDS.findall(text.lower())).items():
        stem_counts[stem(word)] += count
    return VersionText(
        text,
        sentences,
        tuple(signals),
        tuple(tuple(bucket) for bucket in buckets),
        frozenset(stem_counts),
        names,
        Counter((signal.kind, signal.key) for signal in signals),
        tuple(signal for signal in signals if signal.kind == "quote"),
        stem_counts,
    )


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude stem, enough to see "praised" and "praising" as the same word."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:6]
