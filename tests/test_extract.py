from datetime import UTC, datetime

import pytest
from conftest import SEED, article_html
from hypothesis import example, given, settings
from hypothesis import strategies as st

from archive.capture.extract import decode, extract
from archive.capture.fetch import Capture, media_type_of
from archive.errors import ExtractionFailed


def html_capture(html: str | bytes, charset: str | None = None) -> Capture:
    raw = html.encode("utf-8") if isinstance(html, str) else html
    return Capture(raw=raw, source="file", media_type="text/html", charset=charset)


def test_seed_header_gives_title_author_date_and_credit() -> None:
    extracted = extract(Capture(raw=SEED.read_bytes(), source="file", media_type="text/plain"))
    assert extracted.title == "Putin’s Post-Trump Tantrum"
    assert extracted.authors == ("Julia Ioffe",)
    assert extracted.published == "2021-12-17"
    assert extracted.image_credit == "Photo by Sasha Mordovets/Getty"
    assert extracted.text.startswith("Several readers have written in")
    assert extracted.text.count("\n") == 3


def test_plain_text_without_header_keeps_every_line_as_body() -> None:
    raw = b"The army sent troops on Saturday.\nResidents were worried.\n"
    extracted = extract(Capture(raw=raw, source="stdin", media_type="text/plain"))
    assert extracted.title is None
    assert extracted.text == "The army sent troops on Saturday.\nResidents were worried.\n"


def test_byline_with_by_and_several_authors() -> None:
    raw = b"Headline here\nBy Ann Smith and Bob Jones\nMarch 3, 2024\nBody text follows here.\n"
    extracted = extract(Capture(raw=raw, source="file", media_type="text/plain"))
    assert extracted.authors == ("Ann Smith", "Bob Jones")
    assert extracted.published == "2024-03-03"
    assert extracted.text == "Body text follows here.\n"


def test_html_article_text_excludes_navigation_ads_and_footer() -> None:
    extracted = extract(html_capture(article_html()), datetime(2024, 3, 2, tzinfo=UTC))
    assert extracted.title == "Troops massed at the border"
    assert extracted.authors == ("Jane Doe",)
    assert extracted.published == "2024-03-01"
    assert extracted.canonical_url == "https://news.example.org/world/troops-border"
    assert extracted.site_name == "Example News"
    assert extracted.extractor == "trafilatura"
    assert "100,000 troops" in extracted.text
    for boilerplate in ("Home", "Sport", "Advertisement", "Copyright", "Privacy policy"):
        assert boilerplate not in extracted.text
    assert not extracted.text.startswith("Troops massed")  # the headline lives in the metadata


def test_html_extraction_is_a_pure_function_of_the_capture() -> None:
    capture = html_capture(article_html())
    when = datetime(2024, 3, 2, tzinfo=UTC)
    assert extract(capture, when) == extract(capture, when)


def test_published_date_cannot_be_after_the_capture() -> None:
    extracted = extract(html_capture(article_html()), datetime(2024, 2, 1, tzinfo=UTC))
    assert extracted.published != "2024-03-01"


def test_charset_from_meta_decodes_legacy_pages() -> None:
    page = article_html(paragraphs=["Le ministre a déclaré que la réforme coûtera 3 milliards d’euros " * 3])
    latin1 = page.replace('charset="utf-8"', 'charset="iso-8859-15"').replace("’", "'").encode("iso-8859-15")
    extracted = extract(html_capture(latin1))
    assert "déclaré que la réforme coûtera" in extracted.text


def test_declared_charset_wins_over_guessing() -> None:
    assert decode("naïve café".encode("cp1252"), "cp1252") == "naïve café"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (bytes(range(256)) * 40, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "binary"),
    ],
)
def test_empty_and_binary_captures_are_refused(raw: bytes, message: str) -> None:
    with pytest.raises(ExtractionFailed, match=message):
        extract(Capture(raw=raw, source="file", media_type=media_type_of(raw)))


def test_page_without_article_text_is_refused() -> None:
    page = "<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    with pytest.raises(ExtractionFailed, match="no article text"):
        extract(html_capture(page))


def test_media_type_comes_from_declaration_then_suffix_then_content() -> None:
    assert media_type_of(b"<p>x</p>", declared="text/plain") == "text/plain"
    assert media_type_of(b"plain words", name="story.html") == "text/html"
    assert media_type_of(b"<!DOCTYPE html><html></html>") == "text/html"
    assert media_type_of(b"# Heading\nwords") == "text/plain"
    assert media_type_of(b"<article><p>A fragment piped from a page.</p></article>") == "text/html"
    assert media_type_of(b"\n<p>Body text only</p>") == "text/html"
    assert media_type_of(b"<3 this story, said a reader.") == "text/plain"


def test_a_markdown_heading_below_a_notice_is_the_title_and_the_notice_stays_text() -> None:
    raw = "We've updated our policy. Please read it.\n\nPrivacy Policy\n==============\n\nWe collect what you post.\n"
    extracted = extract(Capture(raw=raw.encode(), source="file", media_type="text/markdown"))
    assert extracted.title == "Privacy Policy" and extracted.authors == ()
    assert extracted.text.startswith("We've updated our policy.")
    atx = extract(Capture(b"Note: this page moved.\n\n# Terms of Service\n\nBe kind.\n", "file", "text/markdown"))
    assert atx.title == "Terms of Service"


_DATE_PIECES = st.sampled_from(
    [*"0123456789 ,.-", "٣", "Published ", "on ", "March", "Mar", "Sept", "2015", "1970", "12", "31", "Article R550-1"]
)


@settings(max_examples=2_000, derandomize=True, deadline=None)
@given(st.one_of(st.lists(_DATE_PIECES, max_size=8).map("".join), st.text(max_size=20)))
@example("Published on March 12, 2015")
@example("12 Mar 2015")
@example("1970-01-31")
@example("Article L2334-7")
def test_a_date_line_reads_as_trying_every_format_reads_it(line: str) -> None:
    """The four-digit test before the formats changes no result: every format needs %Y's four digits."""
    import re

    from archive.capture.extract import _DATE_FORMATS, _parse_date_line

    candidate = re.sub(r"^(published|updated|posted)(\s+on)?:?\s+", "", line.strip(), flags=re.IGNORECASE)
    expected = None
    for pattern in _DATE_FORMATS:
        try:
            expected = datetime.strptime(candidate, pattern).date().isoformat()
            break
        except ValueError:
            continue
    assert _parse_date_line(line) == expected
    if line in ("Published on March 12, 2015", "12 Mar 2015"):
        assert expected is not None
