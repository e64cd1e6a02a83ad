"""The verdict on a hunk: substantive or cosmetic, and the reasons why.

A hunk is *substantive* when it changes a claim signal (``archive.compare.signals``: a
number, a date or time, a named entity, a direct quote or who said it, a
negation, a hedge, an attribution verb) or when it brings in content words
the old version never used. It is *cosmetic* when it only fixes spelling,
punctuation or case, rewrites a number or date in another form, or swaps
function words, words the text already had, or words for their synonyms
(``archive.compare.synonyms``). Added and removed sentences are judged whole.
``Rules`` holds the only thresholds fitted on labelled edits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA, Indel

from archive.compare.changes import ChangeKind, Reason, shorten
from archive.compare.signals import (
    CONTENT_WORD,
    HEDGES,
    STANCE,
    STOPWORDS,
    Signal,
    VersionText,
    canonical_words,
    is_named,
    named_in,
    same_quote,
    speaker_key,
    stem,
)
from archive.compare.synonyms import are_synonyms, is_past_tense, lemmas
from archive.compare.words import DELETE, EQUAL, INSERT, WordDiff

__all__ = [
    "Rules",
    "RULES",
    "Draft",
    "diff_hunks",
    "classify_group",
    "whole_sentence_reason",
    "form_reason",
    "content_words",
    "word_changes",
    "rewrite_reasons",
]


# ---------------------------------------------------------------------------
# Hunks


@dataclass
class Draft:
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


def diff_hunks(diff: WordDiff, old_offset: int, new_offset: int, old_text: str, new_text: str) -> list[Draft]:
    """Runs of changed words with absolute spans, trimmed of surrounding whitespace."""
    drafts: list[Draft] = []
    old_position, new_position = old_offset, new_offset
    current: Draft | None = None
    for op, text in diff.ops:
        if op == EQUAL:
            current = None
            old_position += len(text)
            new_position += len(text)
            continue
        if current is None:
            current = Draft(old_position, old_position, new_position, new_position)
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
    "plan": "plan",
}
_COUNTED_KINDS = ("number", "date", "negation", "hedge", "plan", "attribution")


def classify_group(
    drafts: list[Draft],
    old: VersionText,
    new: VersionText,
    old_signals: Sequence[Signal],
    new_signals: Sequence[Signal],
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
        form = form_reason(old_text, new_text)
        if form is not None:
            draft.reasons = [form]
        elif not any(reason.substantive for reason in draft.reasons):
            # Names swapped in a rewording were judged by the entity rule; the
            # content rule sees the other words. Inserted names are content.
            names_judged = bool(old_text.strip())
            old_words_text = _without_names(
                old.text, draft.old_start, draft.old_end, old_signals, names_judged, new.names
            )
            new_words_text = _without_names(
                new.text, draft.new_start, draft.new_end, new_signals, names_judged, old.names
            )
            moved_in = _without_moved_quotes(new_words_text, draft.new_start, new_signals, old.quotes)
            moved_quote = moved_in != new_words_text
            draft.reasons.append(
                _wording_reason(
                    old_text,
                    new_text,
                    _without_moved_quotes(old_words_text, draft.old_start, old_signals, new.quotes),
                    moved_in,
                    (old.stem_counts, new.stem_counts),
                    need,
                    synonym_senses,
                    moved_quote,
                )
            )


def _without_moved_quotes(text: str, start: int, signals: Sequence[Signal], other_quotes: Sequence[Signal]) -> str:
    """``text`` (the hunk's, from ``start``) with the quotations blanked that the other version has elsewhere."""
    chars = list(text)
    end = start + len(text)
    for quote in signals:
        if quote.kind == "quote" and quote.start < end and start < quote.end:
            whole = start <= quote.start and quote.end <= end
            if whole and any(same_quote(quote, other) for other in other_quotes):
                for position in range(max(quote.start, start), min(quote.end, end)):
                    chars[position - start] = " "
    return "".join(chars)


def _without_names(
    text: str, start: int, end: int, signals: Sequence[Signal], mask: bool, other_names: frozenset[str]
) -> str:
    """The hunk's text with judged names blanked: all of them when ``mask``, else those the other version names."""
    chars = list(text[start:end])
    for signal in signals:
        # An inserted name is content, even one known elsewhere ("killed in Sunderland"); the
        # first name added to a name that was there ("Putin" → "Vladimir Putin") is not.
        inserted = text[max(signal.start, start) : min(signal.end, end)]
        known = speaker_key(inserted)
        if not mask and not ((signal.start < start or signal.end > end) and known and known <= other_names):
            continue
        if signal.kind == "entity" and signal.start < end and start < signal.end:
            for position in range(max(signal.start, start), min(signal.end, end)):
                chars[position - start] = " "
    return "".join(chars)


def _counted_signal_reasons(
    kind: str,
    drafts: list[Draft],
    old: VersionText,
    new: VersionText,
    old_signals: Sequence[Signal],
    new_signals: Sequence[Signal],
) -> None:
    """Signals whose value is counted: a change is a value that lost or gained occurrences in a hunk."""
    olds = [signal for signal in old_signals if signal.kind == kind]
    news = [signal for signal in new_signals if signal.kind == kind]
    old_total, new_total = Counter(s.key for s in olds), Counter(s.key for s in news)
    old_touched = [(s, _touching(drafts, "old", s)) for s in olds]
    new_touched = [(s, _touching(drafts, "new", s)) for s in news]
    old_in = Counter(s.key for s, d in old_touched if d is not None)
    new_in = Counter(s.key for s, d in new_touched if d is not None)
    removed: dict[int, list[Signal]] = {}
    added: dict[int, list[Signal]] = {}
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
        if kind == "plan":
            # "will open" → "opened": a plan now told as done (or the reverse); "will close" →
            # "closes" is the same plan in the present tense.
            gone = gone if _past(new.text[draft.new_start : draft.new_end]) else []
            came = came if _past(old.text[draft.old_start : draft.old_end]) else []
        if kind in ("hedge", "negation") and gone and not came and _clause_dropped(draft, old, new):
            # ", that could have fed the hungry," dropped: the hedge went with the words it qualified,
            # which the content rule judges as dropped words; "reportedly" dropped alone is a change.
            text = f"{_SIGNAL_NAMES[kind]} dropped with its clause: {gone[0].text}"
            draft.reasons.append(Reason(kind, text, False, gone[0].text, None))
            continue
        for position in range(max(len(gone), len(came))):
            before = gone[position] if position < len(gone) else None
            after = came[position] if position < len(came) else None
            draft.reasons.append(_signal_reason(kind, before, after))


def _clause_dropped(draft: Draft, old: VersionText, new: VersionText) -> bool:
    """Whether a hunk only takes out a clause: two or more content words beside its hedges and negations."""
    if CONTENT_WORD.search(new.text, draft.new_start, draft.new_end):
        return False
    words = content_words(old.text[draft.old_start : draft.old_end])
    return len([word for word in words if not _NEGATION.fullmatch(word)]) >= 2


_NEGATION = re.compile(r"not|no|nor|neither|never|none|nobody|nothing|nowhere|cannot|without|\w*n['’]t")


def _past(text: str) -> bool:
    return any(is_past_tense(word) for word in CONTENT_WORD.findall(text.lower()))


def _attribution_reasons(gone: list[Signal], came: list[Signal]) -> list[Reason]:
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


def _touching(drafts: Sequence[Draft], side: str, signal: Signal) -> Draft | None:
    return next((draft for draft in drafts if draft.touches(side, signal.start, signal.end)), None)


def _signal_reason(kind: str, before: Signal | None, after: Signal | None) -> Reason:
    name = _SIGNAL_NAMES[kind]
    if kind == "negation":
        text = (
            "negation added"
            if after and not before
            else "negation removed"
            if before and not after
            else "negation reworded"
        )
    elif kind == "plan":
        # "will open" → "opened": what was announced is now reported as done, or the reverse.
        text = (
            f"plan stated as done: {before.text}"
            if before and not after
            else f"now a plan: {after.text if after else ''}"
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
    drafts: list[Draft],
    old: VersionText,
    new: VersionText,
    old_signals: Sequence[Signal],
    new_signals: Sequence[Signal],
) -> None:
    old_entities = [s for s in old_signals if s.kind == "entity"]
    new_entities = [s for s in new_signals if s.kind == "entity"]
    old_names = frozenset(name for s in old_entities for name in s.names)
    new_names = frozenset(name for s in new_entities for name in s.names)
    for draft in drafts:
        gone = [s for s in old_entities if draft.touches("old", s.start, s.end) and not named_in(s, new_names)]
        came = [s for s in new_entities if draft.touches("new", s.start, s.end) and not named_in(s, old_names)]
        if not gone and not came:
            swapped = _swapped_name(draft, old_entities, new_entities, old.names, new.names)
            gone, came = ([swapped[0]], [swapped[1]]) if swapped else ([], [])
            if not swapped:
                draft.reasons += _other_names(draft, old_entities, new_entities)
        if gone and came:
            draft.reasons.append(
                Reason("entity", f"entity changed: {gone[0].text} → {came[0].text}", True, gone[0].text, came[0].text)
            )
            continue
        for signal in came:
            if named_in(signal, old.names):
                # "He" → "Kotunica", already named elsewhere: the reference is made explicit.
                draft.reasons.append(Reason("reference", f"named explicitly: {signal.text}", False, None, signal.text))
            else:
                draft.reasons.append(Reason("entity", f"entity added: {signal.text}", True, None, signal.text))
        for signal in gone:
            if named_in(signal, new.names):
                draft.reasons.append(
                    Reason("reference", f"still named elsewhere: {signal.text}", False, signal.text, None)
                )
            else:
                draft.reasons.append(
                    Reason("entity", f"entity no longer mentioned: {signal.text}", True, signal.text, None)
                )


def _other_names(draft: Draft, old_entities: Sequence[Signal], new_entities: Sequence[Signal]) -> list[Reason]:
    """A place or organization called by another of its names ("Great Britain" → "the United Kingdom")."""
    for before in (s for s in old_entities if draft.touches("old", s.start, s.end)):
        for after in (s for s in new_entities if draft.touches("new", s.start, s.end)):
            shared = before.names & after.names
            if shared and all(name.startswith("#") for name in shared):
                text = f"another name for the same place or body: {before.text} → {after.text}"
                return [Reason("reference", text, False, before.text, after.text)]
    return []


def _swapped_name(
    draft: Draft,
    old_entities: Sequence[Signal],
    new_entities: Sequence[Signal],
    old_names: frozenset[str],
    new_names: frozenset[str],
) -> tuple[Signal, Signal] | None:
    """A word swapped inside a longer name: "Institute for Peace Studies" → "… Conflict Studies".

    Such names share words, so neither looks new; but each has one word the
    other lacks and the other version never names, unlike "Putin" → "Vladimir
    Putin" or a name reworded whole.
    """
    for before in (s for s in old_entities if len(s.words) > 1 and draft.touches("old", s.start, s.end)):
        for after in (s for s in new_entities if len(s.words) > 1 and draft.touches("new", s.start, s.end)):
            lost = set(before.words) - set(after.words) - new_names
            gained = set(after.words) - set(before.words) - old_names
            if len(lost) == len(gained) == 1 and len(before.words) == len(after.words) > len(lost):
                return before, after
    return None


def _quote_reasons(
    drafts: list[Draft],
    old: VersionText,
    new: VersionText,
    old_signals: Sequence[Signal],
    new_signals: Sequence[Signal],
) -> None:
    """Quoted words of a named speaker changed, a quotation came or went, or its speaker changed."""
    old_quotes = [s for s in old_signals if s.kind == "quote"]
    new_quotes = [s for s in new_signals if s.kind == "quote"]
    for draft in drafts:
        old_text = old.text[draft.old_start : draft.old_end]
        new_text = new.text[draft.new_start : draft.new_end]
        # Unattributed quotation marks are as often titles or scare quotes as
        # speech, so edits inside them are judged as ordinary text.
        # Only words count: '…team .' → '…team ," he said' closes the quotation, its words kept.
        inside = [q for q in old_quotes if q.speaker and _inside(old.text, draft.old_start, draft.old_end, q)] + [
            q for q in new_quotes if q.speaker and _inside(new.text, draft.new_start, draft.new_end, q)
        ]
        if inside:
            draft.reasons.append(
                Reason("quote", f"words quoted from {inside[0].speaker} changed", True, old_text, new_text)
            )
            continue
        # A quotation the other version still has, anywhere, moved; it did not come or go.
        for quote in new_quotes:
            if _within(draft, "new", quote) and not any(same_quote(quote, other) for other in old.quotes):
                draft.reasons.append(Reason("quote", _quote_text("quote added", quote), True, None, quote.text))
        for quote in old_quotes:
            if _within(draft, "old", quote) and not any(same_quote(quote, other) for other in new.quotes):
                draft.reasons.append(Reason("quote", _quote_text("quote removed", quote), True, quote.text, None))
    for before in old_quotes:
        for after in new_quotes:
            if before.speaker is None and is_named(after.speaker) and same_quote(before, after):
                # Unless the old paragraph named the speaker in a way the pattern did not read.
                paragraph = old.text[old.text.rfind("\n", 0, before.start) + 1 : old.text.find("\n", before.end)]
                if not speaker_key(after.speaker) & speaker_key(paragraph):
                    _speaker_named(drafts, after)
                continue
            if not is_named(before.speaker) or not is_named(after.speaker) or not same_quote(before, after):
                continue  # "he" → "Smith" names the speaker, it does not change who spoke
            if speaker_key(before.speaker) & speaker_key(after.speaker) or _same_name(before.speaker, after.speaker):
                continue  # "President" → "President": a title alone has no key, but it is the same speaker
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


def _speaker_named(drafts: Sequence[Draft], quote: Signal) -> None:
    """A quotation no one said becomes someone's: the claim is now theirs (an attribution change)."""
    outside = next((d for d in drafts if not (quote.start <= d.new_start and d.new_end <= quote.end)), None)
    if outside is not None:
        outside.reasons.append(
            Reason("attribution", f"quote now attributed to {quote.speaker}", True, None, quote.speaker)
        )


def _inside(text: str, start: int, end: int, quote: Signal) -> bool:
    """Whether a hunk changes words between the quotation marks (the marks themselves may go with them)."""
    first, last = quote.start + 1, quote.end - 1
    if start == end:
        return first <= start < last
    changed = text[max(start, first) : min(end, last)]
    return start < last and first < end and start >= quote.start and any(char.isalnum() for char in changed)


def _same_name(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.casefold() == b.casefold()


def _within(draft: Draft, side: str, signal: Signal) -> bool:
    """Most of the signal lies inside the hunk."""
    a, b = (draft.old_start, draft.old_end) if side == "old" else (draft.new_start, draft.new_end)
    overlap = min(b, signal.end) - max(a, signal.start)
    return overlap > (signal.end - signal.start) / 2


def _quote_text(what: str, quote: Signal) -> str:
    said = f", attributed to {quote.speaker}" if quote.speaker else ""
    return f"{what}: “{shorten(quote.text)}”{said}"


# Function words that carry no claim of their own; negations are not among them.
_FUNCTION_WORDS = STOPWORDS - {"not", "no", "nor", "neither", "never", "without"}


# Function words a respelling may add or drop; not "will", or "will open" → "opened" would be one.
_RESPELLABLE = _FUNCTION_WORDS - {"will", "would", "shall"}


def form_reason(old_text: str, new_text: str) -> Reason | None:
    """The cosmetic reason when a hunk changes only how its words are written, else None."""
    if _letters(old_text) == _letters(new_text):
        if old_text.lower() == new_text.lower():
            return Reason("case", "capitalization changed", False, old_text, new_text)
        return Reason("punctuation", "punctuation or spacing changed", False, old_text or None, new_text or None)
    old_words, new_words = canonical_words(old_text), canonical_words(new_text)
    if old_words == new_words:
        return Reason("spelling", "same words written another way", False, old_text, new_text)
    gone = [word for word in old_words if word not in new_words and word not in _RESPELLABLE]
    came = [word for word in new_words if word not in old_words and word not in _RESPELLABLE]
    if gone and len(gone) == len(came) and all(_variant(a, b) for a, b in zip(gone, came, strict=True)):
        return Reason("spelling", "spelling or inflection changed", False, old_text, new_text)
    if _negation_respelled(gone, came) or _negation_respelled(came, gone):
        return Reason("wording", f"negation written another way: {old_text} → {new_text}", False, old_text, new_text)
    return None


# Prefixes that negate a word: "insufficient" is "not sufficient", "unable" is "not able".
_NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "non", "dis")


def _negation_respelled(one: list[str], other: list[str]) -> bool:
    """``one`` is a prefixed word that ``other`` writes as "not" and the word: "insufficient" / "not sufficient"."""
    if len(one) != 1 or len(other) != 2 or other[0] != "not":
        return False
    word = other[1]
    return any(one[0] == prefix + word or one[0] == prefix + "-" + word for prefix in _NEGATING_PREFIXES)


def _letters(text: str) -> str:
    return "".join(char for char in text.lower() if char.isalnum())


def _variant(a: str, b: str) -> bool:
    """Two spellings or inflections of one word: "officialy"/"officially", "licence"/"license"."""
    if stem(a) == stem(b):
        return True
    if min(len(a), len(b)) >= 4 and Indel.normalized_similarity(a, b) >= 0.8:
        return True
    # One slip of the keys ("twon", "nto") in a word no dictionary knows: a typo fixed, even where
    # the fix now reads as a signal ("did nto attend" → "did not attend").
    return OSA.distance(a, b) <= 1 and min(len(a), len(b)) >= 3 and _unknown(a) and not _unknown(b)


def _unknown(word: str) -> bool:
    return word not in STOPWORDS and not word.isdigit() and not lemmas(word)


def content_words(text: str) -> list[str]:
    """Words that can carry content, less attribution verbs and hedges, which their own rules judge."""
    return [
        word
        for word in CONTENT_WORD.findall(text.lower())
        if word not in _FUNCTION_WORDS and word not in STANCE and word not in HEDGES
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
    ``benchmarks/claims_fit.py`` chooses on labelled edits. ``weights``: the
    learned second opinion (``archive.compare.weights``) confirms or overrules
    the content rule's verdicts, as shipped (``False`` for the rules alone,
    which is what the weights were trained on).
    """

    rewording_words: int = 2
    novel_words: int = 1
    lede_words: int | None = 1
    synonym_senses: int | None = 2
    rewrite_words: int = 1
    weights: bool = True


RULES = Rules()


def _wording_reason(
    old_text: str,
    new_text: str,
    old_words_text: str,
    new_words_text: str,
    counts: tuple[Counter[str], Counter[str]],
    need: tuple[int, int],
    synonym_senses: int | None,
    moved_quote: bool = False,
) -> Reason:
    """No claim signal changed: judge the hunk by the content words it brings in or takes out.

    ``old_words_text`` and ``new_words_text`` are the hunk's texts with the
    names the entity rule already judged blanked out; ``need`` is how many
    content words, and how many words new to the old version, make a rewording
    substantive, unless all are synonyms of words taken out within
    ``synonym_senses`` (see ``Rules``).
    """
    old_or_none, new_or_none = old_text or None, new_text or None
    old_words, new_words = content_words(old_text), content_words(new_text)
    if not old_words and any(char.isalpha() for char in old_text):
        # "it" → "the coalition", "the" → "their": a function word spelled out.
        return Reason("reference", f"reference spelled out: {new_text}", False, old_or_none, new_or_none)
    came, gone = word_changes(old_words, new_words)
    if not came:
        if gone:
            text = f"words dropped: {' '.join(gone[:8])}"
        else:
            text = "same words in another order" if old_words else "only function words changed"
        return Reason("wording", text, False, old_or_none, new_or_none)
    named = came
    came, gone_unnamed = word_changes(content_words(old_words_text), content_words(new_words_text))
    if not gone and not came and not old_text.strip():
        # "Putin" → "Vladimir Putin": a name the other version already gives, in full.
        return Reason("reference", f"named in full: {' '.join(named[:8])}", False, old_or_none, new_or_none)
    if not came and moved_quote:
        # All it brings in is a quotation the old version had elsewhere: moved, not new.
        return Reason("wording", f"quotation moved here: {shorten(new_text)}", False, old_or_none, new_or_none)
    if not came:
        # "to be forced into standing" → "Blunkett's has been forced to stand": besides names,
        # which the entity rule judged, it brings in no word the hunk did not have.
        return Reason("wording", f"no new words besides names: {new_text}", False, old_or_none, new_or_none)
    if not gone:
        # Nothing taken out, something put in: "killed" → "killed in Sunderland".
        return Reason("content", f"words added: {' '.join(came[:8])}", True, old_or_none, new_or_none)
    gone = gone_unnamed
    if synonym_senses is not None and came and gone:
        pairs = _synonym_pairs(came, gone, synonym_senses)
        if pairs is not None:
            # Every word brought in means what a word taken out meant: "found" → "discovered".
            text = "; ".join(pairs)
            return Reason("synonym", text, False, old_or_none, new_or_none)
    old_counts, new_counts = counts
    if came and gone and all(new_counts[stem(word)] <= old_counts[stem(word)] for word in came):
        # Each word it brings in is used no more often in the new version than in the old: moved
        # from another sentence ("the roads" → "the flooded roads" where a sentence on the floods was cut).
        return Reason("wording", f"words moved from elsewhere: {' '.join(came[:8])}", False, old_or_none, new_or_none)
    if len(came) >= need[0]:
        return Reason("content", f"new content: {' '.join(came[:8])}", True, old_or_none, new_or_none)
    novel = [word for word in came if stem(word) not in old_counts]
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


def word_changes(old_words: list[str], new_words: list[str]) -> tuple[list[str], list[str]]:
    """Content words brought in and taken out, compared by stem."""
    old_stems = {stem(word) for word in old_words}
    new_stems = {stem(word) for word in new_words}
    came = [word for word in new_words if stem(word) not in old_stems]
    gone = [word for word in old_words if stem(word) not in new_stems]
    return came, gone


# ---------------------------------------------------------------------------
# Added and removed sentences


def whole_sentence_reason(
    kind: ChangeKind, text: str, signals: Sequence[Signal], version: VersionText, other: VersionText
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
        len(CONTENT_WORD.findall(text)) < 2 and not any(s.kind in ("number", "date", "quote") for s in signals)
    ):
        return Reason("boilerplate", f"{verb} text carries no claim", False, old_text, new_text)
    facts = signals if kind == ChangeKind.ADDED else [s for s in signals if _lost(s, version, other)]
    kinds = sorted({_SIGNAL_NAMES.get(s.kind, s.kind) for s in facts if s.kind != "negation"})
    detail = f" (with {', '.join(kinds)})" if kinds else ""
    if kind == ChangeKind.REMOVED and not facts:
        return Reason("removed", f"sentence removed, its facts kept: {shorten(text)}", False, old_text, new_text)
    return Reason(str(kind), f"sentence {verb}{detail}: {shorten(text)}", True, old_text, new_text)


def _lost(signal: Signal, version: VersionText, other: VersionText) -> bool:
    """Whether a fact of ``version`` is missing from ``other``."""
    if signal.kind in ("number", "date"):
        return other.counts[(signal.kind, signal.key)] < version.counts[(signal.kind, signal.key)]
    if signal.kind == "entity":
        return not named_in(signal, other.names)
    if signal.kind == "quote":
        return not any(same_quote(signal, s) for s in other.signals if s.kind == "quote")
    return signal.kind == "attribution" and signal.key != "reports"


# ---------------------------------------------------------------------------
# Rewrites


def rewrite_reasons(
    old_text: str,
    new_text: str,
    old_signals: Sequence[Signal],
    new_signals: Sequence[Signal],
    old: VersionText,
    new: VersionText,
    novel_words: int,
) -> list[Reason]:
    """Sentences replaced by others in the same place, judged as one change: the old claims against the new.

    Substantive when a fact is lost or gained (a number, date, name or
    quotation the other version lacks), a negation, hedge or stance
    changes, or the new text brings in at least ``novel_words`` content
    words the old version never used. Otherwise the same claims were
    reworded.
    """
    reasons: list[Reason] = []
    for signal in old_signals:
        if signal.kind in ("number", "date", "entity", "quote") and _lost(signal, old, new):
            reasons.append(_fact_reason(signal, "removed"))
    for signal in new_signals:
        if signal.kind in ("number", "date", "entity", "quote") and _lost(signal, new, old):
            reasons.append(_fact_reason(signal, "added"))
    for kind in ("negation", "hedge"):
        before = Counter(s.key for s in old_signals if s.kind == kind)
        after = Counter(s.key for s in new_signals if s.kind == kind)
        if before != after:
            gone = next((s for s in old_signals if s.kind == kind and before[s.key] > after[s.key]), None)
            came = next((s for s in new_signals if s.kind == kind and after[s.key] > before[s.key]), None)
            reasons.append(_signal_reason(kind, gone, came))
    stances = [
        Counter(s.key for s in signals if s.kind == "attribution" and s.key != "reports")
        for signals in (old_signals, new_signals)
    ]
    if stances[0] != stances[1]:
        gone = next((s for s in old_signals if s.kind == "attribution" and s.key not in stances[1]), None)
        came = next((s for s in new_signals if s.kind == "attribution" and s.key not in stances[0]), None)
        reasons.append(_signal_reason("attribution", gone, came))
    novel, _ = word_changes(content_words(old_text), list(dict.fromkeys(content_words(new_text))))
    if len(novel) >= novel_words:
        reasons.append(Reason("content", f"rewritten with new content: {' '.join(novel[:8])}", True))
    if not reasons:
        reasons.append(Reason("rewritten", f"rewritten, its claims kept: {shorten(new_text)}", False))
    return reasons


def _fact_reason(signal: Signal, change: str) -> Reason:
    name = {"entity": "entity", "quote": "quote"}.get(signal.kind) or _SIGNAL_NAMES[signal.kind]
    before, after = (signal.text, None) if change == "removed" else (None, signal.text)
    return Reason(signal.kind, f"{name} {change}: {shorten(signal.text)}", True, before, after)
