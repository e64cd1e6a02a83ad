"""Page furniture: bylines, credits, time stamps, copyright and "Read more" lines change with every edition of a
news page and carry no claim; a change confined to them is cosmetic, and nothing that merely starts like one is."""

from __future__ import annotations

import pytest

from archive.compare.claims import ChangeKind, compare

BODY = "The council voted 5-2 on Monday to approve the budget, its chair said."


def verdicts(old: str, new: str) -> list[tuple[bool, tuple[str, ...]]]:
    changes = [change for change in compare(old, new).changes if change.kind != ChangeKind.UNCHANGED]
    assert changes
    return [(change.substantive, tuple(reason.code for reason in change.reasons)) for change in changes]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            f"Updated 3:45 PM EST, Mon December 1, 2026\n\n{BODY}",
            f"Updated 6:10 PM EST, Mon December 1, 2026\n\n{BODY}",
        ),
        (
            f"{BODY}\n\nPublished December 1, 2026 at 9:00 a.m.",
            f"{BODY}\n\nPublished December 1, 2026 at 9:00 a.m. | Updated December 1, 2026 at 4:15 p.m.",
        ),
        (
            f"{BODY}\n\nReporting by Jane Smith; Editing by Tom Brown",
            f"{BODY}\n\nReporting by Jane Smith and Ali Khan; Editing by Tom Brown and Mary Lee",
        ),
        (f"{BODY}\n\nBy Jane Smith, Staff Writer", f"{BODY}\n\nBy Jane Smith and Ali Khan, Staff Writers"),
        (f"{BODY}", f"{BODY}\n\nThe Associated Press contributed to this report."),
        (
            f"{BODY}\n\nCopyright 2026 The Associated Press. All rights reserved.",
            f"{BODY}\n\nCopyright 2026 The Associated Press. All rights reserved. This material may not be published, "
            "broadcast, rewritten or redistributed.",
        ),
        (f"{BODY}\n\nRead more: Council faces a deficit", f"{BODY}\n\nRead more: Mayor resigns after the vote"),
        (f"Photo: John Doe/Reuters\n\n{BODY}", f"Photo: Jane Roe/AP\n\n{BODY}"),
        (f"{BODY}\n\nAdditional reporting by Ali Khan in Leeds.", BODY),
        (BODY, f"{BODY}\n\nThis is a developing story. Check back for updates."),
        (f"Listen to this article\n\n5 min read\n\n{BODY}", f"{BODY}\n\nShare this article"),
        (BODY, f"{BODY}\n\nWatch: Council chair speaks after the vote"),
        (f"{BODY}\n\nMore from Example News", f"{BODY}\n\nHave a news tip? Email us at tips@example.com."),
        (f"{BODY}\n\n© 2025 Example News Ltd", f"{BODY}\n\nCopyright © 2026 Example News Ltd"),
        (
            f"{BODY}\n\nLast modified on Tue 1 Dec 2026 16.15 GMT",
            f"{BODY}\n\nLast modified on Tue 1 Dec 2026 18.40 GMT",
        ),
    ],
)
def test_a_change_confined_to_page_furniture_is_cosmetic(old: str, new: str) -> None:
    for substantive, codes in verdicts(old, new):
        assert not substantive and codes[0] == "boilerplate"


def test_what_the_furniture_rules_overrule_stays_listed_as_cosmetic() -> None:
    [(substantive, codes)] = verdicts(f"{BODY}\n\nBy Jane Smith", f"{BODY}\n\nBy Jane Smith and Ali Khan")
    assert not substantive and codes == ("boilerplate", "entity")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (BODY, f"{BODY}\n\nPublished reports say the chair resigned on Tuesday."),
        (BODY, f"{BODY}\n\nUpdated figures show 40 people died."),
        (f"{BODY}\n\nBy Monday, 40 people had died.", f"{BODY}\n\nBy Tuesday, 52 people had died."),
        (
            f"{BODY}\n\nPhoto: Protesters gather outside the town hall.",
            f"{BODY}\n\nPhoto: Protesters gather outside the town hall as police fire tear gas on Monday.",
        ),
        (
            f"Source: Ministry of Health\n\n{BODY}",
            f"Source: Ministry of Health. The ministry says 52 people died.\n\n{BODY}",
        ),
        (BODY, f"{BODY}\n\nCorrection: An earlier version of this article misstated the vote as 6-1."),
        (BODY, f"{BODY}\n\nShare prices of the council's bus company fell 5% after the vote."),
        (BODY, f"{BODY}\n\nFollow-up talks with the unions are set for Friday."),
        (BODY, f"{BODY}\n\nCopyright claims against the council rose by 40% in 2025."),
        (
            BODY,
            f"{BODY}\n\nWatch: the chair said the council would cut 300 jobs, close four libraries and sell the hall.",
        ),
    ],
)
def test_sentences_that_only_start_like_furniture_are_judged_as_claims(old: str, new: str) -> None:
    assert any(substantive for substantive, _ in verdicts(old, new))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (f"LONDON (Reuters) - {BODY}", f"LONDON, Dec 1 (Reuters) - {BODY}"),
        (f"KYIV, Ukraine (AP) — {BODY}", f"KYIV, Ukraine, Dec. 2 (AP) — {BODY}"),
        (f"WASHINGTON — {BODY}", f"WASHINGTON (AP) — {BODY}"),
    ],
)
def test_a_dateline_that_gains_a_date_or_an_agency_is_cosmetic(old: str, new: str) -> None:
    [(substantive, codes)] = verdicts(old, new)
    assert not substantive and codes[0] == "boilerplate"


def test_the_lede_after_a_dateline_is_still_judged() -> None:
    old, new = f"LONDON (Reuters) - {BODY}", f"LONDON, Dec 1 (Reuters) - {BODY.replace('5-2', '6-1')}"
    [change] = [change for change in compare(old, new).changes if change.kind != ChangeKind.UNCHANGED]
    assert change.substantive
    assert [hunk.substantive for hunk in change.hunks] == [False, True]  # the dateline's date, then the vote
