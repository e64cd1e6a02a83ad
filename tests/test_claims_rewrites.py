"""Rewrites and notices: sentences replaced in place are one change; correction notices come first."""

from __future__ import annotations

from archive.compare.claims import Change, ChangeKind, compare

LEDE = "Floods closed the main road into Hull on Tuesday, police said."
OLD = f"{LEDE}\nThe council approved the repair budget. Work starts soon.\nSchools stayed open.\n"


def changed(old: str, new: str) -> list[Change]:
    return [change for change in compare(old, new).changes if change.kind != ChangeKind.UNCHANGED]


def test_a_sentence_replaced_in_place_is_one_rewrite_judged_by_its_claims() -> None:
    new = OLD.replace("The council approved the repair budget.", "The mayor cut funding for the repairs by $2m.")
    [change] = changed(OLD, new)
    assert change.kind == ChangeKind.REWRITTEN and change.substantive
    assert change.old is not None and change.old.text == "The council approved the repair budget."
    assert change.new is not None and change.new.text == "The mayor cut funding for the repairs by $2m."
    [hunk] = change.hunks
    assert (hunk.old_start, hunk.old_end) == (change.old.start, change.old.end)
    assert "number" in {reason.code for reason in change.reasons}


def test_a_rewrite_that_keeps_its_claims_is_cosmetic() -> None:
    old = "Floods closed the road, police said. The council met about the road and the floods.\nIt rained.\n"
    new = "Floods closed the road, police said. The floods and the road were what the council met about.\nIt rained.\n"
    [change] = changed(old, new)
    assert change.kind in (ChangeKind.REWRITTEN, ChangeKind.EDITED) and not change.substantive


def test_several_sentences_replaced_in_place_are_one_rewrite() -> None:
    new = OLD.replace(
        "The council approved the repair budget. Work starts soon.",
        "Engineers found cracks in the bridge. It will stay shut. Buses divert via Beverley.",
    )
    [change] = changed(OLD, new)
    assert change.kind == ChangeKind.REWRITTEN
    assert change.old is not None and change.old.sentences == (1, 2)
    assert change.new is not None and change.new.sentences == (1, 2, 3)
    assert change.to_dict()["kind"] == "rewritten" and change.to_dict()["diff"] is not None


def test_a_correction_notice_is_a_notice_listed_first() -> None:
    new = OLD + "Correction: An earlier version of this article misstated the day the road closed.\n"
    new = new.replace("Schools stayed open.", "Schools closed.")
    comparison = compare(OLD, new)
    kinds = [change.kind for change in comparison.substantive_changes]
    assert kinds[0] == ChangeKind.NOTICE and len(kinds) == 2
    assert comparison.counts["notice"] == 1
    assert "notice" in {reason.code for reason in comparison.substantive_changes[0].reasons}


def test_notices_in_other_words() -> None:
    for notice in (
        "An earlier version of this article misstated the number of people evacuated.",
        "This article has been updated to include a statement from the council.",
        "Editor's note: The name of one witness has been withheld at her request.",
    ):
        [change] = changed(OLD, OLD + notice + "\n")
        assert change.kind == ChangeKind.NOTICE and change.substantive, notice


def test_a_bare_update_stamp_is_cosmetic() -> None:
    for stamp in ("This story has been updated.", "Updated: 14:02 GMT", "Updated March 3, 2024 at 10:31 a.m. ET"):
        [change] = changed(OLD, OLD + stamp + "\n")
        assert change.kind == ChangeKind.ADDED and not change.substantive, stamp
        assert {reason.code for reason in change.reasons} == {"boilerplate"}


def test_a_credit_line_is_not_the_lede() -> None:
    old = f"Source: Reuters\n{LEDE}\nSchools stayed open.\n"
    new = old.replace("main road", "main bridge")
    comparison = compare(old, new)
    assert comparison.coverage.lede_changed and comparison.coverage.lede_substantive
    # The lede's lower bar (one new content word) applies to the first sentence after the credit.
    assert comparison.substantive_changes[0].new is not None
    assert comparison.substantive_changes[0].new.text.startswith("Floods closed the main bridge")
    dateline = compare(f"(AP) —\n{LEDE}\n", f"(AP) —\n{LEDE.replace('main road', 'main bridge')}\n")
    assert dateline.coverage.lede_substantive
