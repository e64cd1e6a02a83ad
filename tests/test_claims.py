"""Claim-aware comparison: change kinds, claim signals, classification, coverage and JSON shape."""

from __future__ import annotations

import dataclasses
import json

import pytest

from archive.compare.claims import RULES, Change, ChangeKind, Comparison, compare, coverage

RULES_ALONE = dataclasses.replace(RULES, weights=False)

LEDE = "Russia massed troops near the Ukrainian border, officials in Kyiv said."
BODY = (
    "The army sent 100,000 troops to the region today, according to the Pentagon. "
    "Vladimir Putin said the troops would leave after the exercises ended. "
    "Residents of Kharkiv reportedly began stocking up on food and fuel."
)
OLD = f"{LEDE}\n{BODY}\n"


def changed(comparison: Comparison) -> list[Change]:
    return [change for change in comparison.changes if change.kind != ChangeKind.UNCHANGED]


def only_change(old: str, new: str) -> Change:
    changes = changed(compare(old, new))
    assert len(changes) == 1, [(c.kind, c.old and c.old.text, c.new and c.new.text) for c in changes]
    return changes[0]


def codes(change: Change, substantive: bool = True) -> set[str]:
    return {reason.code for reason in change.reasons if reason.substantive == substantive}


# --- change kinds ---------------------------------------------------------


def test_identical_versions_have_only_unchanged_sentences() -> None:
    comparison = compare(OLD, OLD)
    assert {change.kind for change in comparison.changes} == {ChangeKind.UNCHANGED}
    assert comparison.substantive_changes == ()
    assert comparison.counts["unchanged"] == 4


def test_edited_sentence_carries_its_word_diff_and_hunks() -> None:
    new = OLD.replace("began stocking up on food and fuel", "began stocking up on food")
    change = only_change(OLD, new)
    assert change.kind == ChangeKind.EDITED and change.edited
    # Words keep their punctuation, so "fuel." → "food." is a changed word too.
    assert change.diff is not None and (change.diff.words_removed, change.diff.words_added) == (3, 1)
    assert [(hunk.old_text, hunk.new_text) for hunk in change.hunks] == [("food and fuel.", "food.")]
    assert not change.substantive


def test_added_sentence() -> None:
    change = only_change(OLD, OLD + "Schools in the city were closed until further notice.\n")
    assert change.kind == ChangeKind.ADDED and change.old is None and change.new is not None
    assert change.substantive and codes(change) == {"added"}


def test_removed_sentence_taking_a_fact_with_it_is_substantive() -> None:
    new = OLD.replace(" Vladimir Putin said the troops would leave after the exercises ended.", "")
    change = only_change(OLD, new)
    assert change.kind == ChangeKind.REMOVED and change.new is None
    assert change.substantive


def test_moved_sentence_is_cosmetic_unless_edited() -> None:
    first, second, third = BODY.split(". ")
    new = f"{LEDE}\n{third} {first}. {second}.\n".replace("fuel..", "fuel.")
    moved = [change for change in changed(compare(OLD, new)) if change.kind == ChangeKind.MOVED]
    assert len(moved) == 1 and not moved[0].edited and not moved[0].substantive
    assert "moved" in codes(moved[0], substantive=False)
    edited = new.replace("food and fuel", "food, water and fuel")
    moved = [change for change in changed(compare(OLD, edited)) if change.kind == ChangeKind.MOVED]
    assert len(moved) == 1 and moved[0].edited and moved[0].diff is not None


def test_split_and_merged_sentences() -> None:
    old = "A second group of soldiers arrived later in the day, and they set up camp near the river.\n"
    new = "A second group of soldiers arrived later in the day. They set up camp near the river.\n"
    split = only_change(old, new)
    assert split.kind == ChangeKind.SPLIT and split.new is not None and split.new.sentences == (0, 1)
    assert not split.substantive
    merged = only_change(new, old)
    assert merged.kind == ChangeKind.MERGED and merged.old is not None and merged.old.sentences == (0, 1)


# --- claim signals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "code", "old_value", "new_value"),
    [
        ("100,000 troops", "175,000 troops", "number", "100,000", "175,000"),
        ("100,000 troops", "at least 100,000 troops", "number", "100,000", "at least 100,000"),
        ("to the region today", "to the region on Saturday", "date", "today", "on Saturday"),
        ("according to the Pentagon", "according to NATO", "entity", "Pentagon", "NATO"),
        ("reportedly began", "began", "hedge", "reportedly", None),
        ("troops would leave", "troops would not leave", "negation", None, "not"),
        ("Vladimir Putin said the troops", "Vladimir Putin denied the troops", "attribution", "said", "denied"),
    ],
)
def test_each_claim_signal_makes_a_change_substantive(
    before: str, after: str, code: str, old_value: str | None, new_value: str | None
) -> None:
    change = only_change(OLD, OLD.replace(before, after))
    assert change.substantive
    reason = next(reason for reason in change.reasons if reason.code == code)
    assert (reason.old, reason.new) == (old_value, new_value)
    assert reason.substantive and reason.text


def test_spelled_out_numbers_compare_by_value() -> None:
    old = "Three people were hurt and 1,200 homes lost power.\n"
    assert codes(only_change(old, old.replace("1,200", "two thousand"))) == {"number"}
    assert not only_change(old, old.replace("Three", "3")).substantive
    assert only_change(old, old.replace("Three", "Twenty")).substantive
    tens = only_change(
        "The storm came on Monday. It hurt 20 people.\n", "The storm came on Monday. It hurt twenty people.\n"
    )
    assert not tens.substantive and codes(tens, substantive=False) == {"spelling"}


def test_quote_words_and_speaker_are_tracked() -> None:
    old = 'The minister spoke on Monday. "We will not give up the fight," Smith said.\n'
    words = only_change(old, old.replace("give up the fight", "give up the talks"))
    assert "quote" in codes(words)
    speaker = only_change(old, old.replace("Smith said", "Jones said"))
    reasons = {(reason.code, reason.old, reason.new) for reason in speaker.reasons}
    assert ("quote", "Smith", "Jones") in reasons


def test_a_new_quotation_is_reported_with_its_speaker() -> None:
    new = OLD + '"The exercises are over and the troops are going home," Putin told reporters.\n'
    change = only_change(OLD, new)
    assert any(r.code == "added" for r in change.reasons)
    summary = compare(OLD, new).coverage
    assert [(q.text, q.speaker) for q in summary.quotes_added] == [
        ("The exercises are over and the troops are going home,", "Putin")
    ]


# --- cosmetic changes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "code"),
    [
        ("Residents of Kharkiv", "Residants of Kharkiv", "spelling"),
        ("stocking up on food and fuel", "stocking up on food, and fuel", "punctuation"),
        ("sent 100,000 troops", "sent 100 000 troops", "punctuation"),
        ("the region today", "the region Today", "case"),
        ("the troops would leave", "the troops would soon leave", None),
    ],
)
def test_form_only_edits_are_cosmetic(before: str, after: str, code: str | None) -> None:
    change = only_change(OLD, OLD.replace(before, after))
    if code is None:
        assert change.substantive  # "soon" adds content: the control case
        return
    assert not change.substantive
    assert code in codes(change, substantive=False)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("I know the plan will work", "I don't think the plan will work"),
        ("The plan will work", "I believe the plan will work"),
        ("Police say he fled", "Police think he fled"),
    ],
)
def test_hedges_of_belief_are_claim_signals(before: str, after: str) -> None:
    old = f"The council met on Monday. {before}, the mayor said.\n"
    change = only_change(old, old.replace(before, after))
    assert "hedge" in codes(change)


def test_negation_with_a_typographic_apostrophe() -> None:
    old = "The council met on Monday. The mayor will resign, aides said.\n"
    change = only_change(old, old.replace("will resign", "won’t resign"))
    assert "negation" in codes(change)


def test_a_word_the_article_never_used_is_new_content() -> None:
    # The content rule alone; its learned second opinion is tested in test_claims_weights.py.
    old = "The council met on Monday. The town will close two schools, the mayor said.\n"
    [change] = changed(compare(old, old.replace("The town will", "The city will"), rules=RULES_ALONE))
    assert change.substantive and codes(change) == {"content"}


def test_a_swap_to_words_the_article_already_uses_is_cosmetic() -> None:
    old = "The council met on Monday to discuss the budget. The council will close two schools, the mayor said.\n"
    change = only_change(old, old.replace("The council will", "The budget will"))
    assert not change.substantive and codes(change, substantive=False) == {"wording"}


def test_a_content_word_changed_in_the_first_sentence_or_a_heading_is_substantive() -> None:
    old = "# Mayor's tantrum at council\nThe mayor shouted at councillors on Monday. The council met for two hours.\n"
    heading = only_change(old, old.replace("tantrum", "standoff"))
    assert heading.substantive and codes(heading) == {"content"}
    # Words the article already uses: substantive in the first sentence only.
    body = "The mayor shouted at councillors on Monday. The council met for two hours and the mayor left.\n"
    lede = only_change(body, body.replace("The mayor shouted", "The council shouted"))
    assert lede.substantive
    later = only_change(body, body.replace("the mayor left", "the council left"))
    assert not later.substantive


def test_a_headline_with_a_new_content_word_is_substantive_even_in_title_case() -> None:
    summary = coverage(OLD, OLD, old_title="Putin’s Post-Trump Tantrum", new_title="Putin’s Post-Trump Standoff")
    assert summary.headline_changed and summary.headline_substantive
    recased = coverage(OLD, OLD, old_title="Putin’s Post-Trump Tantrum", new_title="Putin’s post-Trump tantrum")
    assert recased.headline_changed and not recased.headline_substantive


def test_a_pronoun_spelled_out_as_a_known_name_is_cosmetic() -> None:
    old = "Vladimir Putin met the generals on Monday. He said the troops would stay.\n"
    change = only_change(old, old.replace("He said", "Putin said"))
    assert not change.substantive
    assert codes(change, substantive=False) == {"reference"}


def test_adding_only_boilerplate_is_cosmetic() -> None:
    change = only_change(OLD, OLD + "Advertisement\n")
    assert change.kind == ChangeKind.ADDED and not change.substantive
    assert codes(change, substantive=False) == {"boilerplate"}


def test_a_sentence_can_hold_a_substantive_and_a_cosmetic_hunk() -> None:
    new = OLD.replace("100,000", "175,000").replace("Pentagon", "Pentagn")
    change = only_change(OLD, new)
    assert change.substantive
    assert [(h.old_text, h.new_text, h.substantive) for h in change.hunks] == [
        ("100,000", "175,000", True),
        ("Pentagon.", "Pentagn.", False),
    ]


# --- spans ------------------------------------------------------------------------


def test_spans_index_both_versions() -> None:
    new = (
        OLD.replace("100,000", "175,000").replace(
            " Vladimir Putin said the troops would leave after the exercises ended.", ""
        )
        + "Schools were closed on Friday.\n"
    )
    comparison = compare(OLD, new)
    for change in comparison.changes:
        if change.old is not None:
            assert OLD[change.old.start : change.old.end] == change.old.text
        if change.new is not None:
            assert new[change.new.start : change.new.end] == change.new.text
        for hunk in change.hunks:
            assert OLD[hunk.old_start : hunk.old_end] == hunk.old_text
            assert new[hunk.new_start : hunk.new_end] == hunk.new_text
    number = next(h for c in comparison.changes for h in c.hunks if h.old_text == "100,000")
    assert (number.new_text, OLD.index("100,000")) == ("175,000", number.old_start)


def test_an_added_sentence_sits_in_the_gap_it_was_inserted_into() -> None:
    new = OLD.replace("today, according to the Pentagon. ", "today, according to the Pentagon. Tanks followed. ")
    change = only_change(OLD, new)
    (hunk,) = change.hunks
    assert hunk.old_start == OLD.index("Pentagon.") + len("Pentagon.")
    assert OLD[hunk.old_start : hunk.old_end].strip() == ""


# --- coverage and JSON ----------------------------------------------------------------


def test_coverage_summarizes_headline_lede_words_entities_sources_and_links() -> None:
    new = OLD.replace("Russia massed", "Russia and Belarus massed").replace(
        " Vladimir Putin said the troops would leave after the exercises ended.", ""
    )
    summary = coverage(
        OLD,
        new,
        old_title="Troops gather at border",
        new_title="Troops gather at border as Poland watches",
        old_links=["https://a.example/1", "https://a.example/2"],
        new_links=["https://a.example/2", "https://a.example/3"],
    )
    assert summary.headline_changed and summary.headline_substantive
    assert summary.lede_changed and summary.lede_substantive
    assert summary.sentences_removed == 1 and summary.sentences_added == 0
    assert summary.words_added == 2 and summary.words_removed == 11
    assert summary.entities_added == ("Belarus",)
    assert summary.entities_dropped == ("Vladimir Putin",)
    assert summary.sources_added == () and summary.sources_dropped == ("Vladimir Putin",)
    assert summary.links_added == ("https://a.example/3",) and summary.links_removed == ("https://a.example/1",)


def test_coverage_without_titles_or_links_says_unknown() -> None:
    summary = coverage(OLD, OLD)
    assert summary.headline_changed is None and summary.links_added is None
    assert not summary.lede_changed and summary.words_added == 0


def test_to_dict_is_the_documented_json_shape() -> None:
    new = OLD.replace("100,000", "175,000") + "Schools were closed on Friday.\n"
    data = json.loads(json.dumps(compare(OLD, new).to_dict()))
    assert set(data) == {"counts", "coverage", "changes"}
    assert data["counts"]["edited"] == 1 and data["counts"]["added"] == 1 and data["counts"]["substantive"] == 2
    for change in data["changes"]:
        assert {"kind", "substantive", "edited", "reasons", "old", "new", "diff", "hunks"} <= set(change)
    edited = next(change for change in data["changes"] if change["kind"] == "edited")
    assert edited["old"]["span"] == [OLD.index("The army"), OLD.index("Pentagon.") + len("Pentagon.")]
    assert {"code": "number", "substantive": True, "old": "100,000", "new": "175,000"}.items() <= edited["reasons"][
        0
    ].items()
    added = next(change for change in data["changes"] if change["kind"] == "added")
    assert added["old"] is None and added["new"]["text"] == "Schools were closed on Friday."
    assert set(data["coverage"]) == {"headline", "lede", "words", "sentences", "quotes", "sources", "entities", "links"}


def test_sentences_both_versions_share_are_read_once_with_the_same_signals() -> None:
    from archive.compare.signals import Signal, context_of, read_version

    new = OLD.replace("100,000", "175,000") + '"We will not leave," Putin said on Monday.\n'
    context = context_of(OLD, new)
    seen: dict[tuple[str, str], list[Signal]] = {}
    shared = read_version(OLD, context, seen)
    read = len(seen)
    again = read_version(new, context, seen)
    # Only the edited sentence, the new one and their two paragraphs are read anew.
    assert len(seen) == read + 4
    assert shared == read_version(OLD, context)
    assert again == read_version(new, context)
    assert any(s.kind == "quote" and s.speaker == "Putin" for s in again.signals)
