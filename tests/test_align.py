"""Sentence alignment between two versions."""

from __future__ import annotations

from archive.compare.align import Match, align
from archive.compare.sentences import split_sentences


def matches(old: str, new: str) -> list[Match]:
    return list(align(split_sentences(old), split_sentences(new)))


def pairs(old: str, new: str) -> list[tuple[tuple[int, ...], tuple[int, ...], bool]]:
    return [(m.old, m.new, m.moved) for m in matches(old, new)]


BASE = (
    "The army sent troops to the northern border on Monday. "
    "Officials said the talks would resume next week in Geneva. "
    "The weather in the region was cold and wet. "
    "Residents of the border towns fled south by car and train. "
    "The mayor of the largest town declined to comment."
)


def test_identical_versions_pair_every_sentence_in_order() -> None:
    result = matches(BASE, BASE)
    assert [(m.old, m.new) for m in result] == [((i,), (i,)) for i in range(5)]
    assert all(m.similarity == 1.0 and not m.moved for m in result)


def test_an_edited_sentence_is_paired_with_its_new_wording() -> None:
    new = BASE.replace("sent troops", "sent 175,000 troops").replace("was cold and wet", "was bitterly cold")
    result = matches(BASE, new)
    assert [(m.old, m.new) for m in result] == [((i,), (i,)) for i in range(5)]
    assert 0.5 <= result[0].similarity < 1.0


def test_added_and_removed_sentences_have_one_empty_side() -> None:
    new = BASE.replace("The weather in the region was cold and wet. ", "") + " Schools will stay closed until March."
    assert pairs(BASE, new) == [
        ((0,), (0,), False),
        ((1,), (1,), False),
        ((2,), (), False),
        ((3,), (2,), False),
        ((4,), (3,), False),
        ((), (4,), False),
    ]


def test_a_removed_sentence_comes_where_it_used_to_be() -> None:
    new = BASE.replace("Officials said the talks would resume next week in Geneva. ", "")
    assert [m.old for m in matches(BASE, new)] == [(0,), (1,), (2,), (3,), (4,)]


def test_one_sentence_split_in_two_is_one_match() -> None:
    old = "A second group of soldiers arrived later in the day, and they set up camp near the river. The end came."
    new = "A second group of soldiers arrived later in the day. They set up camp near the river. The end came."
    assert pairs(old, new) == [((0,), (0, 1), False), ((1,), (2,), False)]


def test_two_sentences_merged_in_one_are_one_match() -> None:
    old = "A second group of soldiers arrived later in the day. They set up camp near the river. The end came."
    new = "A second group of soldiers arrived later in the day, and they set up camp near the river. The end came."
    assert pairs(old, new) == [((0, 1), (0,), False), ((2,), (1,), False)]


def test_only_the_sentence_that_changed_place_is_moved() -> None:
    sentences = BASE.split(". ")
    reordered = ". ".join([sentences[3], sentences[0], sentences[1], sentences[2], sentences[4]])
    result = pairs(BASE, reordered)
    assert [moved for _, _, moved in result] == [True, False, False, False, False]
    assert result[0][:2] == ((3,), (0,))


def test_a_moved_sentence_may_also_be_edited() -> None:
    sentences = BASE.split(". ")
    edited = sentences[3].replace("by car and train", "by car")
    reordered = ". ".join([edited, sentences[0], sentences[1], sentences[2], sentences[4]])
    moved = [m for m in matches(BASE, reordered) if m.moved]
    assert [(m.old, m.new) for m in moved] == [((3,), (0,))]
    assert moved[0].similarity < 1.0


def test_unrelated_sentences_in_the_same_place_are_one_rewrite() -> None:
    old = "The council approved the budget for the new library. Work starts soon."
    new = "Heavy rain flooded the eastern suburbs overnight. Work starts soon."
    matches = align(split_sentences(old), split_sentences(new))
    assert [(m.old, m.new, m.rewritten) for m in matches] == [((0,), (0,), True), ((1,), (1,), False)]


def test_removed_and_added_sentences_between_the_same_neighbours_are_one_rewrite() -> None:
    old = "Work starts soon. The council approved the budget. It met on Monday. It rained."
    new = "Work starts soon. Heavy rain flooded the suburbs. Roads were closed for hours. Schools shut. It rained."
    matches = align(split_sentences(old), split_sentences(new))
    assert [(m.old, m.new, m.rewritten) for m in matches] == [
        ((0,), (0,), False),
        ((1, 2), (1, 2, 3), True),
        ((3,), (4,), False),
    ]


def test_sentences_removed_and_added_in_different_places_are_no_rewrite() -> None:
    old = "Work starts soon. The council approved the budget. It rained."
    new = "Work starts soon. It rained. Schools shut for the day."
    matches = align(split_sentences(old), split_sentences(new))
    assert not any(m.rewritten for m in matches)
    assert {(m.old, m.new) for m in matches} >= {((1,), ()), ((), (2,))}


def test_a_sentence_rewritten_in_place_is_paired_when_it_keeps_some_content() -> None:
    old = "Work starts soon. The council approved the budget for the new library on Monday. It rained."
    new = "Work starts soon. Funding for the library was cut by the mayor. It rained."
    assert pairs(old, new) == [((0,), (0,), False), ((1,), (1,), False), ((2,), (2,), False)]
