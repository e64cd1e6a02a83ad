"""From raw capture bytes to normalized article text and metadata.

Extraction is a pure function of the capture (bytes, declared media type and
charset, capture time): no clock, no network. That is what lets an auditor
re-derive the stored text from the stored raw capture and get the same hash.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from archive.capture.fetch import Capture
from archive.capture.normalize import normalize_text
from archive.errors import ExtractionFailed
from archive.version import __version__

if TYPE_CHECKING:
    from archive.capture.rules import Dropped, NoiseRules

__all__ = ["Extracted", "extract", "decode", "decode_detecting", "extractor_for"]

TEXT_EXTRACTOR = "archive-text"
HTML_EXTRACTOR = "trafilatura"


@dataclass(frozen=True)
class Extracted:
    """The article as read from a capture: canonical text plus what the page says about itself."""

    text: str
    title: str | None
    authors: tuple[str, ...]
    published: str | None
    canonical_url: str | None
    site_name: str | None
    image_credit: str | None
    extractor: str
    extractor_version: str
    # The charset the capture was decoded with when it was detected, not declared (see ``decode_detecting``).
    charset: str | None = None
    # What the noise rules took out of the text (``archive rules test``); never stored.
    dropped: tuple[Dropped, ...] = ()


def extractor_for(capture: Capture) -> tuple[str, str]:
    """Name and version of the extractor that ``extract`` uses for this capture."""
    if capture.is_html:
        import trafilatura

        return HTML_EXTRACTOR, trafilatura.__version__
    return TEXT_EXTRACTOR, __version__


def extract(capture: Capture, captured_at: datetime | None = None, rules: NoiseRules | None = None) -> Extracted:
    """Extract the article from ``capture``; raise ExtractionFailed when it holds none.

    ``captured_at`` bounds the published date (a page cannot be published
    after it was captured) instead of the wall clock, so re-extraction later
    gives the same metadata. ``rules`` (``archive.capture.rules``) change the
    text only: selectors for an HTML page, patterns for any text.
    """
    document, detected = decode_detecting(capture.raw, capture.charset, html=capture.is_html)
    if capture.is_html:
        extracted = _extract_html(document, captured_at or capture.captured_at, rules)
    else:
        extracted = _extract_plain(document)
        if rules is not None:
            extracted = _with_patterns(extracted, extracted.text, rules, [])
    return dataclasses.replace(extracted, charset=detected) if detected else extracted


def _with_patterns(extracted: Extracted, text: str, rules: NoiseRules, dropped: list[Dropped]) -> Extracted:
    """``extracted`` with ``text`` (normalized) after the rules' patterns; ExtractionFailed if nothing is left."""
    from archive.capture.rules import apply_patterns

    text, cut = apply_patterns(text, rules)
    if not text:
        raise ExtractionFailed("the noise rules leave no article text in this page (see archive rules test)")
    return dataclasses.replace(extracted, text=text, dropped=(*dropped, *cut))


# --- decoding ---------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


def decode(raw: bytes, declared_charset: str | None = None, html: bool = False) -> str:
    """Decode capture bytes: BOM, then the declared charset, then ``<meta charset>``, then UTF-8, then a guess.

    Raises ExtractionFailed for empty input and for data that is not text.
    """
    return decode_detecting(raw, declared_charset, html)[0]


def decode_detecting(raw: bytes, declared_charset: str | None = None, html: bool = False) -> tuple[str, str | None]:
    """``decode``, and the charset it detected: None when a BOM, a declaration or UTF-8 decoded the bytes.

    Bytes that are not UTF-8 and declare no charset (a legacy text file, stdin, a page without
    ``<meta charset>``) are decoded with charset-normalizer's best guess: the pinned version gives the
    same guess every time, so the text is reproducible, but a guess can be wrong, so the caller records
    it (``charset`` in meta.yaml) and the CLI warns; the raw capture keeps the bytes to decode again.
    """
    if not raw.strip():
        raise ExtractionFailed("the capture is empty")
    candidates = [name for bom, name in _BOMS if raw.startswith(bom)][:1]
    if declared_charset:
        candidates.append(declared_charset)
    if html:
        meta = _META_CHARSET.search(raw[:8192])
        if meta:
            candidates.append(meta.group(1).decode("ascii"))
    if not candidates and b"\x00" in raw[:8192]:
        raise ExtractionFailed("binary data, not a web page or text")
    candidates.append("utf-8")
    for name in candidates:
        try:
            text = raw.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
        return _refuse_binary(text), None
    from charset_normalizer import from_bytes

    guess = from_bytes(raw).best()
    if guess is None:
        raise ExtractionFailed("binary data, not a web page or text (no text encoding fits it)")
    if set(guess.alphabets) <= _LATIN_SCRIPT:
        # Between the single-byte Latin code pages the guess is a coin toss on news-length text (it reads
        # Windows-1252's "café" as cp775's "cafķ"); Windows-1252 is what browsers assume for unlabelled
        # legacy text (WHATWG Encoding), so it is the one used when it fits. Other scripts keep the guess.
        try:
            return _refuse_binary(raw.decode("windows-1252")), "windows-1252"
        except UnicodeDecodeError:
            pass
    return _refuse_binary(str(guess)), guess.encoding


# charset-normalizer's names of the Unicode blocks a Latin-script text uses.
_LATIN_SCRIPT = frozenset(
    {
        "Basic Latin",
        "Latin-1 Supplement",
        "Latin Extended-A",
        "Latin Extended-B",
        "Latin Extended Additional",
        "IPA Extensions",
        "Spacing Modifier Letters",
        "General Punctuation",
        "Currency Symbols",
        "Letterlike Symbols",
        "Control character",
    }
)

# Control characters (Unicode category Cc) other than whitespace: frequent in binary data, rare in text.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _refuse_binary(text: str) -> str:
    head = text[:65536]
    if len(_CONTROLS.findall(head)) > max(8, len(head) // 100):
        raise ExtractionFailed("binary data, not a web page or text")
    return text


# --- HTML ---------------------------------------------------------------------


# A page whose longest paragraph is shorter than this is a menu or a link
# list, not an article: real articles have at least one sentence of prose.
_MIN_PROSE_WORDS = 5


def _trafilatura_config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    # trafilatura's timeout uses SIGALRM, which only works in the main thread
    # and would make extraction depend on machine load.
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def _date_params(captured_at: datetime | None) -> dict[str, Any]:
    params: dict[str, Any] = {"original_date": True, "extensive_search": False}
    if captured_at is not None:
        params["max_date"] = captured_at.strftime("%Y-%m-%d")
    return params


def _trafilatura(page: Any, captured_at: datetime | None) -> Any:
    """trafilatura's reading of ``page`` (HTML text or an lxml tree): a Document, or None when it finds nothing."""
    import trafilatura
    from trafilatura.settings import Document

    # url=None: the canonical URL recorded must be the one the page declares,
    # not an echo of the address it was fetched from.
    document = trafilatura.bare_extraction(
        page,
        url=None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        # Precision over recall: a menu or footer line in the text would show up
        # as a "change" every time the site edits its navigation.
        favor_precision=True,
        date_extraction_params=_date_params(captured_at),
        config=_trafilatura_config(),
    )
    return document if isinstance(document, Document) else None


_NO_ARTICLE = "no article text found in the page (only navigation, links or boilerplate)"


def _extract_html(html: str, captured_at: datetime | None, rules: NoiseRules | None = None) -> Extracted:
    import trafilatura

    # The metadata is always the whole page's, so that rules change the text and nothing else.
    document = _trafilatura(html, captured_at)
    selected: str | None = None
    dropped: list[Dropped] = []
    if rules is not None and rules.selects:
        from trafilatura.utils import load_html

        tree = load_html(html)
        if tree is None:
            raise ExtractionFailed(_NO_ARTICLE)
        from archive.capture.rules import select_html

        selected, dropped = select_html(tree, rules)
        if document is None and selected is not None:
            from trafilatura.metadata import extract_metadata

            document = extract_metadata(load_html(html), date_config=_date_params(captured_at))
        elif selected is None:
            trimmed = _trafilatura(tree, captured_at)
            selected = trimmed.text if trimmed is not None else ""
    if document is None:  # trafilatura found no main content at all
        raise ExtractionFailed(_NO_ARTICLE)
    title = _clean(document.title)
    text = _drop_leading_title(normalize_text((document.text or "") if selected is None else selected), title)
    authors = tuple(a for a in (_clean(part) for part in (document.author or "").split(";")) if a)
    extracted = Extracted(
        text=text,
        title=title,
        authors=authors,
        published=document.date or None,
        canonical_url=_clean(document.url),
        site_name=_clean(document.sitename),
        image_credit=None,
        extractor=HTML_EXTRACTOR,
        extractor_version=trafilatura.__version__,
    )
    if rules is not None:
        extracted = _with_patterns(extracted, text, rules, dropped)
    if not any(len(paragraph.split()) >= _MIN_PROSE_WORDS for paragraph in extracted.text.splitlines()):
        raise ExtractionFailed(_NO_ARTICLE)
    return extracted


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    cleaned = normalize_text(value).replace("\n", " ").strip()
    return cleaned or None


def _drop_leading_title(text: str, title: str | None) -> str:
    """The headline lives in the metadata; repeated as the first paragraph it would diff twice."""
    first, _, rest = text.partition("\n")
    if title and first.casefold() == title.casefold():
        return rest
    return text


# --- plain text and Markdown --------------------------------------------------

_SETEXT_UNDERLINE = re.compile(r"^(=+|-+)$")
_CREDIT = re.compile(r"^(photo(graph)?s?|image|illustration|picture|credit)\b.{0,120}$", re.IGNORECASE)
_BY = re.compile(r"^by\s+(.{2,120})$", re.IGNORECASE)
_NAME_LINE = re.compile(r"^[A-Z][\w’'.-]*(?:\s+(?:[A-Z][\w’'.-]*|de|van|von|da|del|bin|al))+$")
_AUTHOR_SEPARATORS = re.compile(r"\s*(?:,|\band\b|&)\s*")
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%B %d %Y")


# Every format has %Y, which strptime reads as four of ``\d``: a line without them is no date (and is not
# tried seven times: failed strptime calls were most of extracting a plain-text page in a bulk import).
_YEAR = re.compile(r"\d\d\d\d")


def _parse_date_line(line: str) -> str | None:
    candidate = re.sub(r"^(published|updated|posted)(\s+on)?:?\s+", "", line.strip(), flags=re.IGNORECASE)
    if not _YEAR.search(candidate):
        return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(candidate, pattern).date().isoformat()
        except ValueError:
            continue
    return None


# How far down a Markdown heading still names the document (below a notice such as "We've updated …").
_HEADING_WITHIN = 5
_ATX_HEADING = re.compile(r"^#{1,2}\s+(\S.{0,199})$")


def _early_heading(lines: list[str]) -> str | None:
    """The first Markdown heading (``# Title`` or ``Title`` underlined) near the top, when the first line is
    not the title; the text keeps it, since what comes before it is part of the capture."""
    for index, line in enumerate(lines[:_HEADING_WITHIN]):
        heading = _ATX_HEADING.match(line)
        if heading:
            return heading.group(1).rstrip("#").strip() or None
        if index + 1 < len(lines) and _SETEXT_UNDERLINE.match(lines[index + 1]) and 0 < len(line) <= 200:
            return line.strip()
    return None


def _extract_plain(raw_text: str) -> Extracted:
    """Read the seeds' shape: title line, optional photo credit, byline, date, then the body.

    Each header element is optional, but they are only recognized in that
    order and before the first body paragraph, so body text is never eaten.
    """
    lines = normalize_text(raw_text).splitlines()
    if not lines:
        raise ExtractionFailed("the capture holds no text")
    title = credit = published = None
    authors: tuple[str, ...] = ()
    position = 0
    if len(lines) > 1 and len(lines[0]) <= 200 and not lines[0].endswith("."):
        title = lines[0].lstrip("#").strip() or None
        position = 1
        if position < len(lines) and _SETEXT_UNDERLINE.match(lines[position]):
            position += 1
    if title and position < len(lines) and _CREDIT.match(lines[position]):
        credit = lines[position]
        position += 1
    if title and position < len(lines):
        byline = _BY.match(lines[position])
        followed_by_date = position + 1 < len(lines) and _parse_date_line(lines[position + 1]) is not None
        if byline or (followed_by_date and _NAME_LINE.match(lines[position]) and len(lines[position]) <= 80):
            names = byline.group(1) if byline else lines[position]
            authors = tuple(name for name in _AUTHOR_SEPARATORS.split(names) if name)
            position += 1
    if title and position < len(lines):
        published = _parse_date_line(lines[position])
        if published:
            position += 1
    body = lines[position:]
    if not body:
        raise ExtractionFailed("the capture holds a title but no article text")
    return Extracted(
        text="\n".join(body) + "\n",
        title=title or _early_heading(lines),
        authors=authors,
        published=published,
        canonical_url=None,
        site_name=None,
        image_credit=credit,
        extractor=TEXT_EXTRACTOR,
        extractor_version=__version__,
    )
