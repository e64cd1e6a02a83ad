from hypothesis import given
from hypothesis import strategies as st

from archive.capture.normalize import is_normalized, normalize_text


def test_composed_and_decomposed_accents_become_equal() -> None:
    assert normalize_text("Cafe\u0301 society") == normalize_text("Café society") == "Café society\n"


def test_odd_whitespace_is_folded_and_invisible_characters_dropped() -> None:
    text = "Troops\u00a0massed\u2009at the\tborder,\u200b officials\u00adsaid  today."
    assert normalize_text(text) == "Troops massed at the border, officialssaid today.\n"


def test_line_endings_are_unified_and_paragraphs_kept_one_per_line() -> None:
    text = "  First paragraph.\r\n\r\n\r\nSecond\u2028paragraph.\rThird.  \n"
    assert normalize_text(text) == "First paragraph.\nSecond\nparagraph.\nThird.\n"


def test_typographic_quotes_dashes_and_ellipses_are_content() -> None:
    text = "“Not now—not ever…” she said; it’s ‘final’."
    assert normalize_text(text) == text + "\n"


def test_normalization_is_idempotent_on_real_text() -> None:
    from conftest import SEED

    once = normalize_text(SEED.read_text(encoding="utf-8"))
    assert is_normalized(once)
    assert normalize_text(once) == once


def test_text_with_nothing_visible_normalizes_to_empty() -> None:
    assert normalize_text(" \u00a0\n\u200b\t\n") == ""


def _same_answer(text: str) -> bool:
    return is_normalized(text) == (normalize_text(text) == text)


def test_is_normalized_answers_as_normalizing_does_for_every_character() -> None:
    # is_normalized checks without normalizing (verify asks it of every version); it must agree with
    # normalizing and comparing for any character anywhere in a line.
    # Every character of the Basic Multilingual Plane, and every 61st beyond it.
    points = [*range(0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 61)]
    for c in map(chr, points):
        for text in (c + "\n", f"a{c}b\n", f"e{c}\n\u0301x\n"):
            assert _same_answer(text), (hex(ord(c)), text)


@given(st.text(alphabet=st.sampled_from(" \n\t\r\u00a0\u200b\u2028\u0085\x00\x1bae\u0301\u0065\u00e9\u1e9b\u0323.")))
def test_is_normalized_answers_as_normalizing_does(text: str) -> None:
    assert _same_answer(text)
    assert is_normalized(normalize_text(text))
