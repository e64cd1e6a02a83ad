import pytest

from archive.errors import InvalidInput
from archive.ids import MAX_ID_LENGTH, article_id_from_title, article_id_from_url, validate_article_id


def test_url_ids_keep_host_and_path_and_drop_page_suffixes() -> None:
    assert article_id_from_url("https://www.example.org/news/story.html?page=2") == "example.org-news-story-page-2"


def test_title_ids_are_readable_slugs() -> None:
    assert article_id_from_title("Putin’s Post-Trump Tantrum") == "putins-post-trump-tantrum"
    assert article_id_from_title("Crème brûlée: 3.5% rise") == "creme-brulee-3-5-rise"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/../../etc/passwd",
        "https://example.org/%2e%2e/%2e%2e/x",
        "file:///etc/passwd",
        "https://example.org/" + "a/" * 200,
    ],
)
def test_ids_derived_from_hostile_urls_are_safe_names(url: str) -> None:
    derived = article_id_from_url(url)
    assert validate_article_id(derived) == derived
    assert "/" not in derived and ".." not in derived and len(derived) <= MAX_ID_LENGTH


def test_long_names_are_shortened_but_stay_distinct() -> None:
    first = article_id_from_title("word " * 100 + "one")
    second = article_id_from_title("word " * 100 + "two")
    assert len(first) <= MAX_ID_LENGTH and len(second) <= MAX_ID_LENGTH
    assert first != second


@pytest.mark.parametrize(
    "bad",
    [
        "../escape",
        "/etc/passwd",
        "a/b",
        "..",
        ".hidden",
        "UPPER",
        "",
        "x" * 81,
        "a..b",
        "trailing-",
        "with space",
        "nul\x00",
    ],
)
def test_unsafe_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="not a safe article id"):
        validate_article_id(bad)


def test_titles_without_letters_cannot_name_an_article() -> None:
    with pytest.raises(InvalidInput):
        article_id_from_title("…!?")
