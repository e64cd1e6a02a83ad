"""Claims tracked across versions: what changed, and whether the change touches a claim.

``compare(old, new)`` aligns the sentences of two versions (``archive.compare.align``),
diffs each aligned group word by word, and cuts every change into hunks: runs
of changed words. Each hunk is classified on its own, because a sentence can
carry a changed number next to a fixed typo, and only the first is news.

This module assembles the comparison and its coverage summary, the public
entry points. The claim signals are found by ``archive.compare.signals``, each hunk is
judged by ``archive.compare.verdict``, and the result model (``archive.compare.changes``) is
re-exported here. ``docs/claims.md`` documents the rules and the JSON shape.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

from archive.compare.align import Match, align
from archive.compare.changes import Change, ChangeKind, Comparison, Coverage, Excerpt, Hunk, Quote, Reason
from archive.compare.furniture import DATELINE, dateline_end, first_sentence, furniture_reason, is_credit, notice_reason
from archive.compare.signals import Signal, VersionText, context_of, is_named, read_version, same_quote, speaker_key
from archive.compare.verdict import (
    RULES,
    Rules,
    classify_group,
    content_words,
    diff_hunks,
    form_reason,
    rewrite_reasons,
    whole_sentence_reason,
    word_changes,
)
from archive.compare.weights import shipped, weigh
from archive.compare.words import DELETE, INSERT, WordDiff, count_words, word_diff

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
    ``archive.capture.normalize`` gives the cleanest diffs. Titles and links only feed
    the coverage summary. ``rules`` are the content rule's thresholds (for
    fitting them; the default is the fitted ``RULES``).
    """
    context = context_of(old, new)
    seen: dict[tuple[str, str], list[Signal]] = {}  # sentences both versions share are read once
    before, after = read_version(old, context, seen), read_version(new, context, seen)
    changes = _changes(before, after, _notices_apart(align(before.sentences, after.sentences), after), rules)
    if rules.weights:
        changes = weigh(changes, before, after, (first_sentence(before), first_sentence(after)), shipped())
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


def _changes(old: VersionText, new: VersionText, matches: Sequence[Match], rules: Rules) -> tuple[Change, ...]:
    departures = _departures(new, matches)
    lede = first_sentence(old)
    changes = []
    old_anchor = new_anchor = 0  # end of the last sentence that stayed in place, on each side
    for match in matches:
        before = _excerpt(old, match.old)
        after = _excerpt(new, match.new)
        if before is None and after is not None:
            change = _added_or_removed(ChangeKind.ADDED, after, new, old, _gap(old.text, old_anchor))
        elif after is None and before is not None:
            change = _added_or_removed(ChangeKind.REMOVED, before, old, new, _gap(new.text, new_anchor))
        elif before is not None and after is not None and match.rewritten:
            change = _rewritten(match, before, after, old, new, rules)
        elif before is not None and after is not None:
            landing = departure = None
            if match.moved:
                landing = _gap(old.text, old_anchor)
                departure = departures[match.old[0]]
            change = _aligned(match, before, after, old, new, landing, departure, lede, rules)
        else:
            continue
        change = _as_notice(change)
        if before is not None and not match.moved:
            old_anchor = before.end
        if after is not None and not match.moved:
            new_anchor = after.end
        changes.append(change)
    return tuple(changes)


def _notices_apart(matches: Sequence[Match], new: VersionText) -> list[Match]:
    """Take notices out of rewrites: "Correction: …" does not replace the sentence before it."""
    result: list[Match] = []
    for match in matches:
        notices = [j for j in match.new if match.rewritten and _is_notice(new.sentences[j].text)]
        if not notices:
            result.append(match)
            continue
        rest = tuple(j for j in match.new if j not in notices)
        if rest:
            result.append(dataclasses.replace(match, new=rest))
        else:
            result += [Match((i,), (), 0.0) for i in match.old]
        result += [Match((), (j,), 0.0) for j in notices]
    return result


def _is_notice(text: str) -> bool:
    reason = notice_reason(text)
    return reason is not None and reason.substantive


def _as_notice(change: Change) -> Change:
    """A change that brings in a correction or update notice becomes a ``notice``; a bare update stamp is cosmetic,
    and so is a change confined to page furniture (``_as_furniture``)."""
    if change.substantive:
        change = _as_furniture(change)
    if change.new is None or change.kind in (ChangeKind.UNCHANGED, ChangeKind.MOVED, ChangeKind.REMOVED):
        return change
    reason = notice_reason(change.new.text)
    if reason is None:
        return change
    if not reason.substantive:
        if change.kind != ChangeKind.ADDED:
            return change
        hunks = tuple(dataclasses.replace(hunk, substantive=False, reasons=(reason,)) for hunk in change.hunks)
        return dataclasses.replace(change, substantive=False, reasons=(reason,), hunks=hunks)
    hunks = tuple(
        dataclasses.replace(hunk, substantive=True, reasons=_unique((reason, *hunk.reasons))) for hunk in change.hunks
    )
    return dataclasses.replace(
        change, kind=ChangeKind.NOTICE, substantive=True, reasons=_unique((reason, *change.reasons)), hunks=hunks
    )


def _as_furniture(change: Change) -> Change:
    """Cosmetic when its old and new sentences are all page furniture (bylines, credits, time stamps, copyright and
    "Read more" lines): what its rules found stays listed, marked cosmetic, after the reason that overrules them."""
    sides = [excerpt.text for excerpt in (change.old, change.new) if excerpt is not None]
    reasons = [furniture_reason(text) for text in sides]
    reason = reasons[-1] if reasons else None
    if reason is None or None in reasons:
        return change
    overruled = [dataclasses.replace(found, substantive=False) for found in change.reasons]
    hunks = tuple(
        dataclasses.replace(
            hunk,
            substantive=False,
            reasons=_unique((reason, *(dataclasses.replace(found, substantive=False) for found in hunk.reasons))),
        )
        for hunk in change.hunks
    )
    return dataclasses.replace(change, substantive=False, reasons=_unique((reason, *overruled)), hunks=hunks)


def _rewritten(
    match: Match, before: Excerpt, after: Excerpt, old: VersionText, new: VersionText, rules: Rules
) -> Change:
    """Old sentences replaced in place by new ones: one change, the old claims judged against the new."""
    old_signals = list(dict.fromkeys(s for index in match.old for s in old.by_sentence[index]))
    new_signals = list(dict.fromkeys(s for index in match.new for s in new.by_sentence[index]))
    reasons = _unique(rewrite_reasons(before.text, after.text, old_signals, new_signals, old, new, rules.rewrite_words))
    substantive = any(reason.substantive for reason in reasons)
    hunk = Hunk(before.start, before.end, after.start, after.end, before.text, after.text, substantive, reasons)
    # The old text gave way to the new whole: a word diff of unrelated sentences would pair chance words.
    diff = WordDiff(((DELETE, before.text), (INSERT, after.text)))
    return Change(ChangeKind.REWRITTEN, substantive, reasons, before, after, True, diff, (hunk,))


def _departures(new: VersionText, matches: Sequence[Match]) -> dict[int, tuple[int, int]]:
    """For each moved group, the gap in the new text at the place it left."""
    gaps = {}
    anchor = 0
    for match in sorted((m for m in matches if m.old), key=lambda m: m.old[0]):
        if match.moved:
            gaps[match.old[0]] = _gap(new.text, anchor)
        elif match.new:
            anchor = new.sentences[match.new[-1]].end
    return gaps


def _excerpt(version: VersionText, indices: tuple[int, ...]) -> Excerpt | None:
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
    kind: ChangeKind, excerpt: Excerpt, version: VersionText, other: VersionText, gap: tuple[int, int]
) -> Change:
    signals = list(dict.fromkeys(s for index in excerpt.sentences for s in version.by_sentence[index]))
    reason = whole_sentence_reason(kind, excerpt.text, signals, version, other)
    gap_text = other.text[slice(*gap)]
    if kind == ChangeKind.ADDED:
        hunk = Hunk(*gap, excerpt.start, excerpt.end, gap_text, excerpt.text, reason.substantive, (reason,))
        return Change(kind, reason.substantive, (reason,), None, excerpt, True, None, (hunk,))
    hunk = Hunk(excerpt.start, excerpt.end, *gap, excerpt.text, gap_text, reason.substantive, (reason,))
    return Change(kind, reason.substantive, (reason,), excerpt, None, True, None, (hunk,))


def _aligned(
    match: Match,
    before: Excerpt,
    after: Excerpt,
    old: VersionText,
    new: VersionText,
    landing: tuple[int, int] | None,
    departure: tuple[int, int] | None,
    lede: int,
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
    drafts = diff_hunks(diff, before.start, after.start, old.text, new.text)
    old_signals = list(dict.fromkeys(s for index in match.old for s in old.by_sentence[index]))
    new_signals = list(dict.fromkeys(s for index in match.new for s in new.by_sentence[index]))
    classify_group(drafts, old, new, old_signals, new_signals, _need(match, old, lede, rules), rules.synonym_senses)
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
    hunks = _datelines_apart(hunks, before, after)
    reasons = _unique([reason for hunk in hunks for reason in hunk.reasons] + extra)
    substantive = any(hunk.substantive for hunk in hunks)
    return Change(kind, substantive, reasons, before, after, True, diff, tuple(hunks))


def _datelines_apart(hunks: list[Hunk], before: Excerpt, after: Excerpt) -> list[Hunk]:
    """Hunks inside the dateline that opens the sentence on both sides ("LONDON (Reuters) -" → "LONDON, Dec 1
    (Reuters) -") are cosmetic: the filing's place and date, not a claim."""
    old_end, new_end = before.start + dateline_end(before.text), after.start + dateline_end(after.text)
    if old_end == before.start or new_end == after.start:
        return hunks
    return [
        dataclasses.replace(
            hunk,
            substantive=False,
            reasons=_unique((DATELINE, *(dataclasses.replace(found, substantive=False) for found in hunk.reasons))),
        )
        if hunk.substantive and hunk.old_end <= old_end and hunk.new_end <= new_end
        else hunk
        for hunk in hunks
    ]


def _need(match: Match, old: VersionText, lede: int, rules: Rules) -> tuple[int, int]:
    """How many content words, and words new to the article, make a rewording in this group substantive."""
    if any(old.sentences[index].text.startswith("#") for index in match.old):
        return 1, 1  # a heading is a headline: every content word of it is a claim
    if lede in match.old and rules.lede_words is not None:
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
    came, gone = word_changes(content_words(old_title), content_words(new_title))
    return bool(came or gone) and form_reason(old_title, new_title) is None


def _unique(reasons: Iterable[Reason]) -> tuple[Reason, ...]:
    """Reasons without repeats, substantive ones first."""
    unique = list(dict.fromkeys(reasons))
    return tuple(sorted(unique, key=lambda reason: not reason.substantive))


# ---------------------------------------------------------------------------
# Coverage


def _coverage(
    old: VersionText,
    new: VersionText,
    changes: Sequence[Change],
    old_title: str | None,
    new_title: str | None,
    headline_substantive: bool | None,
    old_links: Sequence[str] | None,
    new_links: Sequence[str] | None,
) -> Coverage:
    paragraphs = (
        old.sentences[first_sentence(old)].paragraph if old.sentences else 0,
        new.sentences[first_sentence(new)].paragraph if new.sentences else 0,
    )
    lede = [change for change in changes if change.kind != ChangeKind.UNCHANGED and _in_lede(change, *paragraphs)]
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
            Quote(q.text, q.speaker) for q in new_quotes if not any(same_quote(q, o) for o in old_quotes)
        ),
        quotes_dropped=tuple(
            Quote(q.text, q.speaker) for q in old_quotes if not any(same_quote(q, n) for n in new_quotes)
        ),
        sources_added=_names_missing(new_sources, old_sources),
        sources_dropped=_names_missing(old_sources, new_sources),
        entities_added=_names_missing(_entity_names(new), _entity_names(old)),
        entities_dropped=_names_missing(_entity_names(old), _entity_names(new)),
        links_added=links_added,
        links_removed=links_removed,
    )


def _in_lede(change: Change, old_paragraph: int, new_paragraph: int) -> bool:
    return (change.old is not None and change.old.paragraph == old_paragraph) or (
        change.new is not None and change.new.paragraph == new_paragraph
    )


def _first_paragraph(version: VersionText) -> str:
    """The lede's paragraph: the first one that is not a credit line."""
    paragraphs = version.text.split("\n")
    return next((p for p in paragraphs if p.strip() and not is_credit(p)), paragraphs[0])


def _entity_names(version: VersionText) -> list[tuple[str, frozenset[str]]]:
    return [(s.text, s.names) for s in version.signals if s.kind == "entity"]


def _sources(version: VersionText) -> list[tuple[str, frozenset[str]]]:
    """Who the version cites: quote speakers and names next to an attribution verb or "according to"."""
    sources = [
        (s.speaker, speaker_key(s.speaker))
        for s in version.signals
        if s.kind == "quote" and s.speaker and is_named(s.speaker)
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
