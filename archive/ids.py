"""Article ids: short, readable names that are always safe as a directory name.

An id is derived from the article's URL (host and path) or, without a URL,
from its title; the user may give one with ``--id``. Whatever its origin, an
id matches ``SAFE_ID`` and so can never name a path outside the store.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

from archive.errors import InvalidInput

__all__ = ["SAFE_ID", "MAX_ID_LENGTH", "validate_article_id", "article_id_from_url", "article_id_from_title"]

MAX_ID_LENGTH = 80
SAFE_ID = re.compile(rf"^[a-z0-9](?:[a-z0-9._-]{{0,{MAX_ID_LENGTH - 2}}}[a-z0-9])?$")
_UNSAFE_RUN = re.compile(r"[^a-z0-9.]+")
_DOTS = re.compile(r"\.{2,}")
_MIXED_SEPARATORS = re.compile(r"[-.]*-[-.]*")
_APOSTROPHES = re.compile("['’ʼ]")
_PAGE_SUFFIX = re.compile(r"\.(s?html?|php\d?|aspx?|jsp|cfm)$")


def validate_article_id(article_id: str) -> str:
    """Return ``article_id`` if it is safe to use as a directory name, else raise InvalidInput."""
    if not SAFE_ID.match(article_id) or ".." in article_id:
        raise InvalidInput(
            f"not a safe article id: {article_id!r} (use 1-{MAX_ID_LENGTH} lowercase letters, digits, "
            "'.', '-' or '_', starting and ending with a letter or digit)"
        )
    return article_id


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = _APOSTROPHES.sub("", ascii_text.lower())
    slug = _MIXED_SEPARATORS.sub("-", _DOTS.sub(".", _UNSAFE_RUN.sub("-", ascii_text)))
    return slug.strip("-.")


def _fit(slug: str, origin: str) -> str:
    """Shorten a long slug, keeping it unique with a hash of what it came from."""
    if len(slug) <= MAX_ID_LENGTH:
        return slug
    digest = hashlib.sha256(origin.encode("utf-8")).hexdigest()[:10]
    return slug[: MAX_ID_LENGTH - len(digest) - 1].rstrip("-.") + "-" + digest


def article_id_from_url(url: str) -> str:
    """``https://www.example.org/news/story.html?x=1`` -> ``example.org-news-story-x-1``."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    path = _PAGE_SUFFIX.sub("", parts.path.rstrip("/"))
    slug = _slug(" ".join(p for p in (host, path, parts.query) if p))
    if not slug:
        raise InvalidInput(f"cannot derive an article id from URL {url!r}; give one with --id")
    return validate_article_id(_fit(slug, url))


def article_id_from_title(title: str) -> str:
    """``Putin’s Post-Trump Tantrum`` -> ``putins-post-trump-tantrum``."""
    slug = _slug(title).replace(".", "-").strip("-")
    if not slug:
        raise InvalidInput(f"cannot derive an article id from title {title!r}; give one with --id")
    return validate_article_id(_fit(slug, title))
