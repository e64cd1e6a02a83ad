"""Sentence segmentation of news prose."""

from __future__ import annotations

import pytest

from archive.compare.sentences import split_sentences


def texts(text: str) -> list[str]:
    return [sentence.text for sentence in split_sentences(text)]


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. Senate voted on Tuesday.",
        "Gen. Mark Milley and Mr. Smith met Dr. Jones.",
        "His No. 2 diplomat spoke on Dec. 7 in Washington.",
        "J. R. R. Tolkien wrote the book.",
        "Prices rose 3.5% to $1.25 billion.",
        "He paused... then he went on.",
        '"Is it over?" she asked.',
        "“We will fight on,” he said.",
        "The meeting began at 7 a.m. and ended at noon.",
        "Acme Inc. said it would appeal.",
    ],
)
def test_abbreviations_initials_decimals_and_quotes_do_not_end_a_sentence(text: str) -> None:
    assert texts(text) == [text]


def test_sentences_end_after_abbreviations_when_a_new_sentence_starts() -> None:
    assert texts("Troops landed in the U.S. The mood was calm.") == [
        "Troops landed in the U.S.",
        "The mood was calm.",
    ]
    assert texts("Talks resume in Dec. The date is not final.") == ["Talks resume in Dec.", "The date is not final."]


def test_a_sentence_can_end_inside_a_closing_quote() -> None:
    assert texts("“It is over.” Then he left. He said: “No.” We left.") == [
        "“It is over.”",
        "Then he left.",
        "He said: “No.”",
        "We left.",
    ]
    assert texts('"We will not agree," Kotunica said. "Never." The talks ended.') == [
        '"We will not agree," Kotunica said.',
        '"Never."',
        "The talks ended.",
    ]


def test_an_ellipsis_before_a_capital_ends_the_sentence() -> None:
    assert texts("The Fed waited... Then it acted.") == ["The Fed waited...", "Then it acted."]


def test_question_and_exclamation_marks_end_sentences() -> None:
    assert texts("Is it over? Yes! It is.") == ["Is it over?", "Yes!", "It is."]


def test_spans_index_the_text_and_paragraphs_count_lines() -> None:
    text = "First one. Second one.\nThird, in a new paragraph.\n\nFourth.\n"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == ["First one.", "Second one.", "Third, in a new paragraph.", "Fourth."]
    assert [s.paragraph for s in sentences] == [0, 0, 1, 2]
    assert [s.index for s in sentences] == [0, 1, 2, 3]
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert "\n" not in sentence.text


def test_a_sentence_never_crosses_a_line_break() -> None:
    assert texts("A line without an end\nthat the next line continues.") == [
        "A line without an end",
        "that the next line continues.",
    ]


def test_markdown_headings_are_one_sentence_and_list_markers_stay_with_their_item() -> None:
    text = "## 1. Scope. Terms\n* First item. Second sentence.\n1. Numbered item.\n=====\n"
    assert texts(text) == ["## 1. Scope. Terms", "* First item.", "Second sentence.", "1. Numbered item.", "====="]


def test_stray_closing_marks_join_the_sentence_before() -> None:
    assert texts('Are there any left? "') == ['Are there any left? "']


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("") == ()
    assert split_sentences("\n  \n") == ()
