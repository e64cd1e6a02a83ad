"""Lexical rules of the claim signals, each with a fixture written for it (issue 11, item 3)."""

from __future__ import annotations

import pytest

from archive.compare.claims import Change, ChangeKind, compare


def only_change(old: str, new: str) -> Change:
    changes = [change for change in compare(old, new).changes if change.kind != ChangeKind.UNCHANGED]
    assert len(changes) == 1, [(c.kind, c.old and c.old.text, c.new and c.new.text) for c in changes]
    return changes[0]


def codes(change: Change, substantive: bool = True) -> set[str]:
    return {reason.code for reason in change.reasons if reason.substantive == substantive}


def test_now_is_not_a_date() -> None:
    change = only_change(
        "The bridge is closed to traffic while engineers inspect it.\n",
        "The bridge is now closed to traffic while engineers inspect it.\n",
    )
    assert "date" not in codes(change) and not change.substantive


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("The mayor opened the new library on the hill.", "The mayor opened one new library on the hill."),
        ("The race ended in lap 3 after the crash.", "The race ended in the third lap after the crash."),
        ("She won the race for the second time.", "She won the race for a second time."),
    ],
)
def test_articles_and_ordinals_are_not_number_changes(before: str, after: str) -> None:
    change = only_change(before + "\n", after + "\n")
    assert "number" not in codes(change), change.reasons


def test_a_changed_ordinal_is_still_a_number_change() -> None:
    change = only_change("He finished 3rd in the final.\n", "He finished 5th in the final.\n")
    assert "number" in codes(change)


def test_us_the_country_is_a_name_not_a_pronoun() -> None:
    change = only_change(
        "Officials said the talks would resume in Geneva next month.\n",
        "US officials said the talks would resume in Geneva next month.\n",
    )
    assert "entity" in codes(change)


def test_us_dollars_name_the_country_and_keep_the_amount() -> None:
    change = only_change("The fine was $68,000 in total.\n", "The fine was US$68,000 in total.\n")
    assert codes(change) == {"entity"}, change.reasons


def test_a_word_swapped_inside_a_name_changes_the_entity() -> None:
    change = only_change(
        "The report was written at the Institute for Peace Studies in Oslo.\n",
        "The report was written at the Institute for Conflict Studies in Oslo.\n",
    )
    assert "entity" in codes(change)
    assert any("Conflict" in (reason.new or "") for reason in change.reasons)


def test_a_name_spelled_out_in_full_is_still_a_reference() -> None:
    old = "Vladimir Putin met the envoy. Putin said talks went well.\n"
    change = only_change(old, old.replace("Putin said", "Vladimir Putin said"))
    assert not change.substantive


def test_a_quote_that_gains_a_named_speaker_is_an_attribution_change() -> None:
    change = only_change(
        'The plan is "a disaster for the whole town," residents said.\n',
        'The plan is "a disaster for the whole town," Mayor Ann Holt said.\n',
    )
    assert "attribution" in codes(change)


def test_a_plan_that_became_a_fact_is_substantive() -> None:
    change = only_change(
        "The company will open the factory in the north of the country.\n",
        "The company opened the factory in the north of the country.\n",
    )
    assert change.substantive and "plan" in codes(change)


def test_will_and_would_in_reported_speech_are_the_same_plan() -> None:
    change = only_change(
        "The company said it would open the factory.\n", "The company said it will open the factory.\n"
    )
    assert not change.substantive


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("The network says Smith wins the state.", "The network projects Smith wins the state."),
        ("The bridge reopens in May next year.", "The bridge is expected to reopen in May next year."),
    ],
)
def test_projection_verbs_are_hedges(before: str, after: str) -> None:
    change = only_change(before + "\n", after + "\n")
    assert "hedge" in codes(change)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("The museum reopened on Febuary 12 after repairs.", "The museum reopened on February 12 after repairs."),
        ("The police arrivedthe next day to inspect.", "The police arrived the next day to inspect."),
        ("Residents in the twon of Hull were evacuated.", "Residents in the town of Hull were evacuated."),
        ("The mayor did nto attend the meeting.", "The mayor did not attend the meeting."),
    ],
)
def test_a_typo_fix_that_creates_a_signal_is_cosmetic(before: str, after: str) -> None:
    change = only_change(before + "\n", after + "\n")
    assert not change.substantive, change.reasons


def test_the_month_may_in_a_date_is_no_hedge() -> None:
    old = "The council met on Monday. The bridge closed on 16 May 2005, engineers said.\n"
    change = only_change(old, old.replace("16 May 2005", "on Tuesday").replace("on on", "on"))
    assert change.substantive and "date" in codes(change) and "hedge" not in codes(change)
    change = only_change(old, old.replace("16 May 2005", "May 17, 2005"))
    assert "hedge" not in codes(change)
    # The modal verb is still a hedge.
    change = only_change(old, old.replace("The bridge closed", "The bridge may have closed"))
    assert "hedge" in codes(change)
