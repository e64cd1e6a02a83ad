"""The Memento protocol (RFC 7089) in the viewer: a TimeGate and a TimeMap per original URL, and the
Memento headers of every version page.

The original resource (URI-R) is the URL an article was captured from (any version's URL or final URL,
or the article's canonical URL); its mementos (URI-M) are the viewer's version pages,
``/articles/ID/versions/N``, dated by their capture time. URLs, as Wayback and pywb have them, carry
the original URL whole after the prefix (``/timegate/https://news.example.org/a?id=1``); a
percent-encoded one works too:

* ``/timegate/URI-R``: the TimeGate (RFC 7089 4.1.1, pattern 2.2, a 302-style negotiation): the
  version current at ``Accept-Datetime`` (the latest captured at or before it; the first if it is
  earlier than them all; the latest with no ``Accept-Datetime``), with ``Vary: accept-datetime`` and a
  ``Link`` naming the original, the TimeMap and the first, last, previous and next mementos.
* ``/timemap/link/URI-R``: the TimeMap (RFC 7089 5) in ``application/link-format``, paged: at most
  ``TIMEMAP_PAGE`` mementos a page, oldest first, each page linking the next and previous ones
  (``rel="next"``/``rel="prev"``, with their ``from`` and ``until``, as the Memento guide pages TimeMaps);
  page N > 1 is ``/timemap/link/N/URI-R``.

The mementos of a URL are found by key in the lookup cache (the URL, final URL and canonical URL columns),
never by listing the articles. Several stores read as one (a ``StoreSet``) have the mementos of all, ids
qualified ``NAME:ID``. A URL the archive has no version of is 404; a malformed ``Accept-Datetime`` is 400.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import quote, unquote

from archive.model import Version, parse_time
from archive.store.collection import SEPARATOR, StoreSet
from archive.store.repository import Store

__all__ = [
    "TIMEGATE",
    "TIMEMAP",
    "TIMEMAP_PAGE",
    "MementoAnswer",
    "is_memento_path",
    "answer",
    "version_headers",
    "http_date",
]

TIMEGATE = "/timegate/"
TIMEMAP = "/timemap/link/"
TIMEMAP_PAGE = 1000  # mementos a page of a TimeMap lists
LINK_FORMAT = "application/link-format"
_PAGE = re.compile(r"^([1-9][0-9]{0,6})/(?=[A-Za-z][A-Za-z0-9+.-]*(?::|%3A))", re.IGNORECASE)

# (status, content type, body, headers): what the viewer sends.
MementoAnswer = tuple[int, str, bytes, tuple[tuple[str, str], ...]]


def is_memento_path(target: str) -> bool:
    return target.startswith((TIMEGATE, TIMEMAP))


def http_date(moment: datetime) -> str:
    """RFC 1123 in GMT, as Memento-Datetime and the datetime link parameter want it."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def answer(
    store: Store | StoreSet,
    target: str,
    accept_datetime: str | None = None,
    base: str = "",
    page_size: int = TIMEMAP_PAGE,
) -> MementoAnswer:
    """The TimeGate's or TimeMap's answer to a request for ``target`` (a path with its query, as sent), given
    the request's Accept-Datetime header; a TimeMap lists ``page_size`` mementos a page."""
    timegate = target.startswith(TIMEGATE)
    rest, page = target[len(TIMEGATE if timegate else TIMEMAP) :], 1
    paged = _PAGE.match(rest) if not timegate else None
    if paged:
        rest, page = rest[paged.end() :], int(paged[1])
    original = _original(rest)
    mementos = _mementos(store, original)
    if not mementos or (page - 1) * page_size >= len(mementos):
        shown = f"page {page} of the TimeMap of {original}" if mementos else original
        body = f"This archive has no version of {shown}.\n".encode()
        return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", body, ()
    if not timegate:
        body = _timemap(original, mementos, base, page, page_size).encode("utf-8")
        return HTTPStatus.OK, LINK_FORMAT, body, ()
    wanted = accept_datetime
    moment = _parse_datetime(wanted) if wanted is not None else None
    if wanted is not None and moment is None:
        body = b"Accept-Datetime must be an RFC 1123 date, e.g. Thu, 31 May 2007 20:35:00 GMT.\n"
        return HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8", body, (("Vary", "accept-datetime"),)
    chosen = _current(mementos, moment)
    links = _links(original, mementos, base, chosen, timegate=False)
    fields = (
        ("Vary", "accept-datetime"),
        ("Location", _memento_uri(mementos[chosen], base)),
        ("Link", ", ".join(links)),
    )
    return HTTPStatus.FOUND, "text/plain; charset=utf-8", b"", fields


def version_headers(store: Store | StoreSet, version: Version, base: str = "") -> tuple[tuple[str, str], ...]:
    """Memento-Datetime and Link for a version page (RFC 7089 2.1.1): the original, its TimeGate and TimeMap
    when the article has a URL (else its versions are the mementos), and the first, last, previous and next
    mementos."""
    versions = store.versions(version.article_id)
    original = _article_url(versions)
    mementos = (_mementos(store, original) if original else None) or versions
    chosen = next(i for i, v in enumerate(mementos) if v.commit == version.commit)
    links = _links(original, mementos, base, chosen, timegate=True) if original else _around(mementos, base, chosen)
    return ("Memento-Datetime", http_date(version.captured_at)), ("Link", ", ".join(links))


def _original(raw: str) -> str:
    """The URI-R as given: whole (query included), or percent-encoded (``https%3A%2F%2F…``)."""
    return unquote(raw) if "://" not in raw and "%3A" in raw.upper() else raw


def _parse_datetime(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _article_url(versions: Sequence[Version]) -> str | None:
    return next((v.url for v in versions if v.url), None)


def _mementos(store: Store | StoreSet, original: str | None) -> list[Version]:
    """Every version of the articles captured from ``original``, oldest first (by capture time, then article and
    number), found by key; without their metadata, which no link needs."""
    if not original:
        return []
    parts = store.stores.items() if isinstance(store, StoreSet) else [("", store)]
    found = [
        Version(f"{name}{SEPARATOR}{article}" if name else article, number, commit, parse_time(captured), {})
        for name, one in parts
        for article, number, commit, captured in one.lookup.captures_from(original)
    ]
    return sorted(found, key=lambda v: (v.captured_at, v.article_id, v.number))


def _current(mementos: Sequence[Version], moment: datetime | None) -> int:
    """The index of the version current at ``moment``: the latest captured at or before it, else the first."""
    if moment is None:
        return len(mementos) - 1
    return max(bisect_right([v.captured_at for v in mementos], moment) - 1, 0)


def _memento_uri(version: Version, base: str) -> str:
    return f"{base}/articles/{quote(version.article_id, safe='')}/versions/{version.number}"


def _memento_link(version: Version, base: str, rel: str) -> str:
    return f'<{_memento_uri(version, base)}>; rel="{rel}"; datetime="{http_date(version.captured_at)}"'


def _links(original: str, mementos: Sequence[Version], base: str, chosen: int, timegate: bool) -> list[str]:
    """original, timegate (on a memento), timemap with its span, then the mementos around ``chosen``."""
    links = [f'<{original}>; rel="original"']
    if timegate:
        links.append(f'<{base}{TIMEGATE}{original}>; rel="timegate"')
    links.append(
        f'<{base}{TIMEMAP}{original}>; rel="timemap"; type="{LINK_FORMAT}"'
        f'; from="{http_date(mementos[0].captured_at)}"; until="{http_date(mementos[-1].captured_at)}"'
    )
    return [*links, *_around(mementos, base, chosen)]


def _around(mementos: Sequence[Version], base: str, chosen: int) -> list[str]:
    """The first, last, previous and next mementos and the chosen one, each once with its relations combined
    (``rel="first prev memento"``), oldest first."""
    links = []
    for index, version in enumerate(mementos):
        rels = [
            rel
            for rel, holds in (
                ("first", index == 0),
                ("last", index == len(mementos) - 1),
                ("prev", index == chosen - 1),
                ("next", index == chosen + 1),
            )
            if holds
        ]
        if rels or index == chosen:
            links.append(_memento_link(version, base, " ".join([*rels, "memento"])))
    return links


def _timemap(original: str, mementos: Sequence[Version], base: str, page: int, page_size: int) -> str:
    """RFC 7089 5.1: the original, the TimeMap page itself with its span, the pages before and after it (with
    theirs), the TimeGate, then the page's mementos."""
    pages = (len(mementos) + page_size - 1) // page_size

    def link(number: int, rel: str) -> str:
        shown = mementos[(number - 1) * page_size : number * page_size]
        span = f'; from="{http_date(shown[0].captured_at)}"; until="{http_date(shown[-1].captured_at)}"'
        where = f"{base}{TIMEMAP}{original}" if number == 1 else f"{base}{TIMEMAP}{number}/{original}"
        return f'<{where}>; rel="{rel}"; type="{LINK_FORMAT}"{span}'

    lines = [f'<{original}>; rel="original"', link(page, "self")]
    lines += [link(number, rel) for number, rel in ((page - 1, "prev"), (page + 1, "next")) if 1 <= number <= pages]
    lines.append(f'<{base}{TIMEGATE}{original}>; rel="timegate"')
    start = (page - 1) * page_size
    for index, version in enumerate(mementos[start : start + page_size], start):
        rels = [rel for rel, holds in (("first", index == 0), ("last", index == len(mementos) - 1)) if holds]
        lines.append(_memento_link(version, base, " ".join([*rels, "memento"])))
    return ",\n".join(lines) + "\n"
