"""A local, read-only web viewer over a store: the HTTP server and its routes (the archive, an article, a diff,
a version, the audit).

Served by the standard library's HTTP server, bound to loopback by default.
Every page has a stable URL built from article ids and version numbers (so a
diff can be cited) and a JSON twin under ``/api/``. Only GET and HEAD are
answered; nothing here writes to the store (the lookup cache keeps the
changes the pages compare, as ``archive changes`` does). Path segments are
validated before they reach the store. Pages are rendered from
``archive.present``'s templates (``templates/viewer/``), which escape every
piece of article text.

An article, diff or version page is a pure function of commit ids (and of the
code), so it is kept, rendered, in a bounded cache in the process, and sent
with an ``ETag`` naming those ids: a browser's ``If-None-Match`` is answered
``304 Not Modified`` without reading the store's texts. Claim comparisons are
the costly part (tens to hundreds of milliseconds each); the article page
reads its change counts from the lookup cache and compares only the versions
not recorded there, and the comparisons it and the diff pages make are kept
for each other.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import queue
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from archive.audit.verify import check_fixity
from archive.compare.changes import Comparison
from archive.errors import ArchiveError, InvalidInput
from archive.ids import validate_article_id
from archive.model import Version, format_time
from archive.present import terminal as render
from archive.present.html import render as render_template
from archive.review.versions import VersionComparison, VersionPair
from archive.store.collection import SEPARATOR, StoreSet
from archive.store.layout import PAGES_FILE
from archive.store.lookup import Cursor, VersionRow, as_version
from archive.store.repository import Store
from archive.version import __version__
from archive.web import memento
from archive.web.cache import LRU, PageFile

if TYPE_CHECKING:
    from archive.review.changelog import Selection

__all__ = ["Viewer", "ViewerServer", "SECURITY_HEADERS", "allowed_host", "fixity", "make_server", "serve"]

_NUMBER = re.compile(r"^[1-9][0-9]{0,6}$")
PAGE_SIZE = 100  # changes a Recent changes page shows
LIST_PAGE = 100  # articles a page of the list or of a search shows
FEED_CHANGES = 2000  # changes read for a feed: enough for its 50 versions but for the largest rewrites
PAGE_CACHE = 64 * 2**20  # bytes of rendered pages kept in the process
PAGE_FILE = 256 * 2**20  # bytes of compressed diff pages kept on disk, per store (about 60,000 pages)
COMPARISON_CACHE = 256  # claim comparisons kept in the process, for diff pages and change counts
DIFF_MAX_AGE = 86400  # seconds a browser may keep a diff page without asking (it changes only with the code)


class NotFound(Exception):
    """The URL names nothing in the archive; answered with 404."""


class Redirect(Exception):
    """The answer is another, canonical URL; answered with 303."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    location: str | None = None
    headers: tuple[tuple[str, str], ...] = ()  # more header fields (Memento's, caching's)


@dataclass(frozen=True)
class _Page:
    """A page's JSON and HTML builders, evaluated while the request's store is borrowed, and, for a page that is
    a pure function of commit ids, those ids (``key``: the page cache's key and the ETag's source), how long a
    browser may keep it without asking (``max_age``; 0: ask each time, with the ETag), and the store whose page
    file keeps it on disk too (``home``: a page costly to make)."""

    data: Callable[[], Any]
    html: Callable[[], str]
    key: tuple[str, ...] | None = None
    max_age: int = 0
    home: Store | None = None


def _href(*segments: str | int) -> str:
    return "/" + "/".join(quote(str(segment), safe="") for segment in segments)


class _Pool:
    """Stores opened on one path, each lent to one request at a time (GitPython's object readers are not
    thread-safe): the one given, and more opened as requests come side by side."""

    def __init__(self, store: Store) -> None:
        self._primary = store
        self._idle: queue.SimpleQueue[Store] = queue.SimpleQueue()
        self._idle.put(store)
        self._opened: list[Store] = []

    @contextmanager
    def borrowed(self) -> Iterator[Store]:
        try:
            store = self._idle.get_nowait()
        except queue.Empty:
            store = Store.open(self._primary.path, read_only=self._primary.read_only)
            self._opened.append(store)  # list.append is atomic
        try:
            yield store
        finally:
            self._idle.put(store)

    def close(self) -> None:
        for store in self._opened:
            store.close()


class Viewer:
    """Routes requests to pages, over one store or several read as one (a ``StoreSet``: article ids are then
    ``NAME:ID``, and the list, search, changes and Memento cover every store).

    Each request borrows a store of its own (from a pool per store): requests are answered side by side,
    with no lock held while a page is read. ``close`` closes the stores the pools opened.
    """

    def __init__(self, store: Store | StoreSet) -> None:
        self._primary = store
        self._several = isinstance(store, StoreSet)
        self._pools = {name: _Pool(one) for name, one in _parts(store)}
        self._local = threading.local()
        self._comparisons: LRU[tuple[str, str], VersionComparison] = LRU(COMPARISON_CACHE)
        self._pages: LRU[tuple[bool, tuple[str, ...]], bytes] = LRU(PAGE_CACHE, len)
        self._files: dict[Path, PageFile] = {}
        self._files_lock = threading.Lock()
        self.page_size = LIST_PAGE
        self.timemap_page = memento.TIMEMAP_PAGE

    @property
    def store(self) -> Store | StoreSet:
        """The store (or stores) this thread's request borrowed (the ones given, outside a request)."""
        borrowed: Store | StoreSet | None = getattr(self._local, "store", None)
        return borrowed or self._primary

    @contextmanager
    def _borrowed(self) -> Iterator[Store | StoreSet]:
        with ExitStack() as stack:
            stores = [stack.enter_context(pool.borrowed()) for pool in self._pools.values()]
            store = StoreSet(stores) if self._several else stores[0]
            self._local.store = store
            try:
                yield store
            finally:
                self._local.store = None

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        for file in self._files.values():
            file.close()

    def _file(self, store: Store) -> PageFile:
        """The page file of ``store`` (of its path: the pool's stores share it)."""
        path = store.private_dir / PAGES_FILE
        with self._files_lock:
            if path not in self._files:
                self._files[path] = PageFile(path, PAGE_FILE)
            return self._files[path]

    def _part(self, article_id: str) -> tuple[Store, str, str]:
        """The store an article is in, its id there, and the prefix that qualifies that id (``NAME:``, or none
        for one store)."""
        store = self.store
        if isinstance(store, StoreSet):
            part, local = store.part(article_id)
            return part, local, article_id[: len(article_id) - len(local)]
        return store, article_id, ""

    # --- routing ---------------------------------------------------------------

    def respond(
        self, target: str, accept_datetime: str | None = None, base: str = "", if_none_match: str | None = None
    ) -> Response:
        """The answer to a GET of ``target``; ``accept_datetime`` is the request's header of that name (for the
        Memento TimeGate), ``base`` the scheme and host that Memento's links start with, ``if_none_match`` the
        request's header of that name (the ETags the client holds)."""
        if memento.is_memento_path(target):  # the original URL follows whole: not split into segments
            with self._borrowed() as store:
                answer = memento.answer(store, target, accept_datetime, base, self.timemap_page)
                status, content_type, body, fields = answer
            return Response(status, content_type, body, None, fields)
        parts = urlsplit(target)
        segments = [unquote(segment) for segment in parts.path.split("/") if segment]
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        api = bool(segments) and segments[0] == "api"
        if api:
            segments = segments[1:]
        if segments and segments[-1] == "changes.atom" and not api:
            return self._feed(segments, query, base)
        try:
            with self._borrowed() as store:
                page = self._route(segments, query)
                version = self._memento_of(segments) if not api else None
                fields = memento.version_headers(store, version, base) if version else ()
                content_type = "application/json; charset=utf-8" if api else "text/html; charset=utf-8"
                if page.key is None:
                    body = render.to_json(page.data()).encode() if api else page.html().encode()
                    return Response(HTTPStatus.OK, content_type, body, None, fields)
                tag = _etag(page.key, api)
                control = f"max-age={page.max_age}" if page.max_age else "no-cache"
                fields += (("ETag", tag), ("Cache-Control", control))
                if if_none_match is not None and _matches(if_none_match, tag):
                    return Response(HTTPStatus.NOT_MODIFIED, content_type, b"", None, fields)
                kept = self._pages.get((api, page.key))
                file = self._file(page.home) if page.home is not None and not page.home.read_only else None
                if kept is None and file is not None:
                    kept = file.get(tag)
                    if kept is not None:
                        self._pages.put((api, page.key), kept)
                if kept is None:
                    kept = render.to_json(page.data()).encode() if api else page.html().encode()
                    self._pages.put((api, page.key), kept)
                    if file is not None:
                        file.put(tag, kept)
                return Response(HTTPStatus.OK, content_type, kept, None, fields)
        except Redirect as redirect:
            return Response(HTTPStatus.SEE_OTHER, "text/plain; charset=utf-8", b"", redirect.location)
        except (NotFound, ArchiveError) as error:
            message = str(error) or "Not found"
            if api:
                body = json.dumps({"error": message}).encode()
                return Response(HTTPStatus.NOT_FOUND, "application/json; charset=utf-8", body)
            body = _page("viewer/not_found.html", message=message).encode()
            return Response(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", body)

    def _memento_of(self, segments: list[str]) -> Version | None:
        """The version a version page shows (a Memento, RFC 7089), else None."""
        if len(segments) == 4 and segments[0] == "articles" and segments[2] == "versions":
            return self._version(self._article(segments[1]), self._number(segments[3]))
        return None

    def _route(self, segments: list[str], query: dict[str, str]) -> _Page:
        """The page at a path."""
        if not segments:
            return self._archive(query)
        if segments[0] == "audit" and len(segments) <= 2:
            return self._audit_page(segments[1] if len(segments) == 2 else None)
        if segments == ["changes"]:
            return self._changes_page(query)
        if segments[0] == "articles" and len(segments) >= 2:
            article_id = self._article(segments[1])
            rest = segments[2:]
            if not rest:
                return self._article_page(article_id)
            if rest[0] == "versions" and len(rest) == 2:
                return self._version_page(article_id, self._number(rest[1]))
            if rest[0] == "diff" and len(rest) == 1 and "from" in query and "to" in query:
                raise Redirect(
                    _href("articles", article_id, "diff", self._number(query["from"]), self._number(query["to"]))
                )
            if rest[0] == "diff" and len(rest) == 3:
                return self._diff_page(article_id, self._number(rest[1]), self._number(rest[2]))
        raise NotFound("No page at this address.")

    def _article(self, segment: str) -> str:
        name, separator, local = segment.rpartition(SEPARATOR) if self._several else ("", "", segment)
        try:
            article_id = name + separator + validate_article_id(local)
        except InvalidInput:
            raise NotFound(f"{segment!r} is not an article id.") from None
        if not self.store.has_article(article_id):
            raise NotFound(f"No article {article_id!r} in this archive.")
        return article_id

    @staticmethod
    def _number(segment: str) -> int:
        if not _NUMBER.match(segment):
            raise NotFound(f"{segment!r} is not a version number.")
        return int(segment)

    def _versions(self, article_id: str) -> list[Version]:
        return self.store.versions(article_id)

    def _version(self, article_id: str, number: int, versions: list[Version] | None = None) -> Version:
        """Version ``number`` of the article (of ``versions``, its versions when already read)."""
        versions = self._versions(article_id) if versions is None else versions
        if not 1 <= number <= len(versions):
            raise NotFound(f"{article_id} has versions 1 to {len(versions)}.")
        return versions[number - 1]

    def _comparison(self, old: Version, new: Version) -> VersionComparison:
        """The claim comparison of two versions, kept (by commit ids) for the next page that shows it."""
        from archive.compare.claims import compare

        found = self._comparisons.get((old.commit, new.commit))
        if found is None:
            pair = VersionPair(old, new, self.store.text(old), self.store.text(new))
            comparison = compare(pair.old_text, pair.new_text, old_title=old.title, new_title=new.title)
            found = VersionComparison(pair, comparison)
            self._comparisons.put((old.commit, new.commit), found)
        return found

    def _comparer(self, prefix: str) -> Callable[[VersionRow, VersionRow], Comparison]:
        """``_comparison`` for the change log of one store (``archive.review.changelog.Comparer``), whose rows
        carry ids that ``prefix`` qualifies."""

        def comparer(old: VersionRow, new: VersionRow) -> Comparison:
            pair = [dataclasses.replace(as_version(row), article_id=prefix + row[0]) for row in (old, new)]
            return self._comparison(*pair).comparison

        return comparer

    # --- changes: the Atom feeds (docs/changes.md) --------------------------------------

    def _feed(self, segments: list[str], query: dict[str, str], base: str) -> Response:
        """``/feeds/changes.atom`` and ``/articles/ID/changes.atom``, with ``?kind=…&site=…&all=1``."""
        from archive.present.atom import changes_feed
        from archive.review.changelog import select_changes

        try:
            with self._borrowed() as store:
                if segments == ["feeds", "changes.atom"]:
                    selection = self._selection(query, None)
                elif len(segments) == 3 and segments[0] == "articles":
                    selection = self._selection(query, self._article(segments[1]))
                else:
                    raise NotFound("No feed at this address.")
                changes = select_changes(store, selection, limit=FEED_CHANGES)
                body = changes_feed(store, changes, selection, base).encode()
        except (NotFound, ArchiveError) as error:
            message = (str(error) or "Not found") + "\n"
            return Response(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", message.encode())
        return Response(HTTPStatus.OK, "application/atom+xml; charset=utf-8", body)

    def _changes_page(self, query: dict[str, str]) -> _Page:
        """Recent changes: the selection of ``archive changes`` (``kind``, ``site``, ``all``, ``article``), newest
        first, ``PAGE_SIZE`` a page, with ``before``/``after`` cursors that stay valid as changes arrive."""
        from archive.present.atom import feed_path, feed_query
        from archive.review.changelog import cursor_of, parse_cursor, select_changes

        article = self._article(query["article"]) if query.get("article") else None
        selection = self._selection(query, article)
        try:
            older = parse_cursor(query["before"]) if "before" in query else None
            newer = parse_cursor(query["after"]) if "after" in query and older is None else None
        except InvalidInput as error:
            raise NotFound(str(error)) from None
        size = int(query["n"]) if _NUMBER.match(query.get("n", "")) and int(query["n"]) < PAGE_SIZE else PAGE_SIZE
        found = select_changes(self.store, selection, size + 1, older, newer)
        if newer is not None:  # the page just above the cursor; one more row above means there are newer ones
            more_newer, more_older = len(found) > size, True
            found = found[-size:]
        else:
            more_older, more_newer = len(found) > size, older is not None
            found = found[:size]
        if more_newer and found and newer is None:
            more_newer = bool(select_changes(self.store, selection, 1, newer_than=found[0].key))
        keep = [
            feed_query(selection),
            f"article={quote(article)}" if article else "",
            f"n={size}" if size < PAGE_SIZE else "",
        ]
        base = "&".join(part for part in keep if part)
        link = f"/changes?{base}&" if base else "/changes?"
        older_link = f"{link}before={quote(cursor_of(found[-1]))}" if found and more_older else None
        newer_link = f"{link}after={quote(cursor_of(found[0]))}" if found and more_newer else None

        def data() -> Any:
            return {**render.changes_json(found), "older": older_link, "newer": newer_link}

        def html() -> str:
            feeds = [("Changes of this selection", feed_path(selection)), *_FEEDS]
            return _page(
                "viewer/changes.html",
                changes=found,
                values=render.change_values,
                article=article,
                kind=",".join(selection.kinds),
                site=selection.site or "",
                cosmetic=selection.cosmetic,
                size=size,
                feed=feed_path(selection),
                feeds=feeds,
                older=older_link,
                newer=newer_link,
            )

        return _Page(data, html)

    def _selection(self, query: dict[str, str], article: str | None) -> Selection:
        """The changes a page or feed's query asks for: ``kind``, ``site`` and ``all``, as ``archive changes``."""
        from archive.review.changelog import Selection, parse_kinds

        return Selection(
            article=article,
            site=query.get("site") or None,
            kinds=parse_kinds(query.get("kind"), self.store),
            cosmetic=query.get("all") == "1",
        )

    # --- pages -------------------------------------------------------------------

    def _archive(self, query: dict[str, str]) -> _Page:
        """The articles, most recently captured first, or those whose id, title or URL hold the words searched
        (``q``, on the lookup cache's full-text index): ``page_size`` a page, with ``after``/``before``
        cursors (keyset pagination: a page stays the same as articles are added before it)."""
        search, size = query.get("q", ""), self.page_size
        words = search.strip()
        after, before = query.get("after"), query.get("before")
        store = self.store
        if words and isinstance(store, StoreSet):
            among = store.search_articles(words, size + 1, _set_search_cursor(after), _set_search_cursor(before))
            keys = [f"{name}{SEPARATOR}{rowid}" for (name, rowid), _ in among]
            articles = [article for _, article in among]
        elif words and isinstance(store, Store):
            found = store.search_articles(words, size + 1, _search_cursor(after), _search_cursor(before))
            keys = [str(rowid) for rowid, _ in found]
            articles = [article for _, article in found]
        else:
            articles = store.recent_articles(size + 1, _list_cursor(after), _list_cursor(before))
            keys = [f"{format_time(a.last_seen)}/{a.article_id}" for a in articles]
        if before is not None:  # the page just above the cursor; one more row above it means there is another
            more_before, more_after = len(articles) > size, True
            articles, keys = articles[-size:], keys[-size:]
        else:
            more_before, more_after = after is not None, len(articles) > size
            articles, keys = articles[:size], keys[:size]
        link = f"?q={quote(search)}&" if words else "?"
        previous = f"{link}before={quote(keys[0])}" if articles and more_before else None
        following = f"{link}after={quote(keys[-1])}" if articles and more_after else None

        def data() -> Any:
            return {
                "query": search,
                **render.articles_json(articles),
                "previous": f"/api/{previous}" if previous else None,
                "next": f"/api/{following}" if following else None,
            }

        def html() -> str:
            return _page(
                "viewer/archive.html",
                articles=articles,
                search=search,
                feeds=_FEEDS,
                previous=f"/{previous}" if previous else None,
                next=f"/{following}" if following else None,
            )

        return _Page(data, html)

    def _audit_page(self, name: str | None) -> _Page:
        """The audit report, verification included: computed afresh on every request, as a reviewer expects.

        Over several stores, ``/audit`` lists them and ``/audit/NAME`` is one store's report (each store has its
        own history), its articles linked by their qualified ids.
        """
        from archive.audit.report import audit
        from archive.present import reports
        from archive.present.audit_html import audit_page

        store, href = self.store, _href
        if isinstance(store, StoreSet) and name is None:
            stores = [(each, str(one.path)) for each, one in store.stores.items()]
            listed = [{"name": each, "path": path, "audit": _href("api", "audit", each)} for each, path in stores]
            return _Page(lambda: {"stores": listed}, lambda: _page("viewer/audits.html", stores=stores))
        if isinstance(store, StoreSet):
            if name not in store.stores:
                raise NotFound(f"No store named {name!r} here: {', '.join(store.stores)}.")
            store = store.stores[name]

            def href(*segments: str | int) -> str:
                if segments[0] == "articles":
                    return _href("articles", f"{name}{SEPARATOR}{segments[1]}", *segments[2:])
                return _href(*segments)

        elif name is not None:
            raise NotFound("One store is served: its audit is at /audit.")
        result = audit(store)
        return _Page(lambda: reports.audit_json(result), lambda: audit_page(result, "viewer/audit.html", href=href))

    def _article_page(self, article_id: str) -> _Page:
        """The versions and how many changes each brought: counts recorded in the lookup cache, the versions not
        recorded yet compared once and kept (``archive.review.changelog.change_counts``)."""
        from archive.review.changelog import change_counts

        versions = self._versions(article_id)
        store, local, prefix = self._part(article_id)

        def data() -> Any:
            counts = change_counts(store, local, self._comparer(prefix))
            return {
                "article": article_id,
                "versions": [
                    {
                        **render.history_json([version])["versions"][0],
                        "substantive_changes": counts[version.number][0] if version.number in counts else None,
                        "cosmetic_changes": counts[version.number][1] if version.number in counts else None,
                    }
                    for version in versions
                ],
            }

        def html() -> str:
            counts = change_counts(store, local, self._comparer(prefix))
            return _page(
                "viewer/article.html",
                article_id=article_id,
                latest=versions[-1],
                versions=versions,
                substantive={number: pair[0] for number, pair in counts.items()},
                feeds=[(f"Changes of {article_id}", _href("articles", article_id, "changes.atom")), *_FEEDS],
            )

        return _Page(data, html, ("article", versions[-1].commit))

    def _diff_page(self, article_id: str, old: int, new: int) -> _Page:
        """Two versions compared; the changes of two consecutive ones are also recorded for the article page."""
        from archive.review.changelog import fingerprint, record_changes

        versions = self._versions(article_id)
        older, newer = self._version(article_id, old, versions), self._version(article_id, new, versions)

        def comparison() -> VersionComparison:
            result = self._comparison(older, newer)
            store, local, prefix = self._part(article_id)
            lookup = store.lookup
            if new == old + 1 and lookup.keeps() and not lookup.is_compared(local, new, newer.commit, fingerprint()):
                record_changes(store, [(local, new, newer.commit, dict(newer.metadata))], self._comparer(prefix))
            return result

        def html() -> str:
            result = comparison()
            return _page("viewer/diff.html", old=result.pair.old, new=result.pair.new, comparison=result.comparison)

        home = self._part(article_id)[0]
        return _Page(lambda: render.sentence_diff_json(comparison()), html, ("diff", older.commit, newer.commit),
                     DIFF_MAX_AGE, home)  # fmt: skip

    def _version_page(self, article_id: str, number: int) -> _Page:
        versions = self._versions(article_id)
        version = self._version(article_id, number, versions)

        def checked() -> tuple[str, dict[str, bool]]:
            text = self.store.text(version)
            return text, fixity(version, text, self.store.raw(version))

        def data() -> Any:
            text, checks = checked()
            return {**render.version_json(version, text), "checks": checks}

        def html() -> str:
            text, checks = checked()
            return _page("viewer/version.html", version=version, text=text, checks=checks, count=len(versions))

        return _Page(data, html, ("version", version.commit, versions[-1].commit))


_FEEDS = [("Changes in the archive", "/feeds/changes.atom")]  # (title, path) of the feeds every page offers


_LIST_KEY = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)/(.+)$")


def _list_cursor(value: str | None) -> Cursor | None:
    """A list page's cursor, ``LAST_SEEN/ID``, from its query."""
    match = _LIST_KEY.match(value) if value is not None else None
    if value is not None and match is None:
        raise NotFound(f"{value!r} is not a page of this list.")
    return (match[1], match[2]) if match else None


def _set_search_cursor(value: str | None) -> tuple[str, int] | None:
    """A search page's cursor over several stores (``NAME:NUMBER``) from its query."""
    match = re.fullmatch(r"(.+):([0-9]{1,18})", value) if value is not None else None
    if value is not None and match is None:
        raise NotFound(f"{value!r} is not a page of this search.")
    return (match[1], int(match[2])) if match else None


def _search_cursor(value: str | None) -> int | None:
    """A search page's cursor (a result's number) from its query."""
    if value is not None and not re.fullmatch(r"[0-9]{1,18}", value):
        raise NotFound(f"{value!r} is not a page of this search.")
    return int(value) if value is not None else None


@cache
def _code() -> str:
    """What the pages are made by: the package's version, the comparison code's digest and the templates'."""
    from archive.review.changelog import fingerprint

    digest = hashlib.sha256(f"{__version__}\0{fingerprint()}".encode())
    templates = resources.files("archive.present") / "templates"
    for folder in (templates, templates / "viewer"):
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if entry.is_file():
                digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()


def _etag(key: tuple[str, ...], api: bool) -> str:
    """A page's entity tag: its commit ids, its form (HTML or JSON) and the code that made it."""
    return '"' + hashlib.sha256("\0".join((_code(), "api" if api else "html", *key)).encode()).hexdigest()[:32] + '"'


def _matches(if_none_match: str, tag: str) -> bool:
    """Whether an If-None-Match header names ``tag`` (weakly, as RFC 9110 13.1.2 compares them) or is ``*``."""
    held = [value.strip().removeprefix("W/") for value in if_none_match.split(",")]
    return "*" in held or tag in held


def _page(template: str, **context: Any) -> str:
    """A viewer page: its template under ``templates/viewer/``, with the viewer's links."""
    return render_template(template, href=_href, **context)


# The version page's checks, each named for a reader and answered by one of verify's checks; the names are JSON keys.
_FIXITY = {
    "text matches its recorded sha256": "text-sha256",
    "raw capture matches its recorded sha256": "raw-sha256",
    "text is in canonical form": "text-normalized",
}


def fixity(version: Version, text: str, raw: bytes) -> dict[str, bool]:
    """Whether the stored text and raw capture still match what was recorded when they were archived."""
    failed = {finding.check for finding in check_fixity(version.metadata, text.encode("utf-8"), raw)}
    return {name: check not in failed for name, check in _FIXITY.items()}


# On every answer, error pages included: no scripts, no outside requests, no framing by another site's page.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    ),
)
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
_HOST = re.compile(r"^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::[0-9]{1,5})?$")


def allowed_host(header: str | None, bound: str) -> bool:
    """Whether a request's Host header names this viewer: a loopback name or the bound address, any port.

    A page on another site can make a browser resolve its own name to 127.0.0.1 (DNS rebinding) and then
    read what it fetches; that request still carries the other site's name, so it is refused. A request
    without a Host header (HTTP/1.0, curl -H 'Host:') cannot come from such a page.
    """
    if header is None:
        return True
    match = _HOST.match(header.strip().lower())
    if match is None:
        return False
    name = match.group(1)
    return name in _LOOPBACK_NAMES or name in (bound.lower(), f"[{bound.lower()}]")


def _handler(viewer: Viewer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "archive-viewer"

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def end_headers(self) -> None:
            for name, value in SECURITY_HEADERS:
                self.send_header(name, value)
            super().end_headers()

        def _misdirected(self, send_body: bool) -> bool:
            """Answer 421 unless the Host header names this viewer (see ``allowed_host``)."""
            address: Any = self.server.server_address
            if allowed_host(self.headers.get("Host"), str(address[0])):
                return False
            body = b"This viewer answers only on its loopback address (http://127.0.0.1/ or http://localhost/).\n"
            self.send_response(HTTPStatus.MISDIRECTED_REQUEST)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if send_body:
                self.wfile.write(body)
            return True

        def _refuse(self) -> None:
            self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
            self.send_header("Allow", "GET, HEAD")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

        def _answer(self, send_body: bool) -> None:
            if self._misdirected(send_body):
                return
            try:
                address: Any = self.server.server_address
                host = self.headers.get("Host") or f"{address[0]}:{address[1]}"
                response = viewer.respond(
                    self.path, self.headers.get("Accept-Datetime"), f"http://{host}", self.headers.get("If-None-Match")
                )
            except Exception:
                self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR)
                raise  # a bug: the server logs the traceback
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            if response.status != HTTPStatus.NOT_MODIFIED:  # a 304 has no body, and no length of its own
                self.send_header("Content-Length", str(len(response.body)))
            if response.location:
                self.send_header("Location", response.location)
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(response.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class ViewerServer(ThreadingHTTPServer):
    """The viewer's HTTP server: one thread a connection; closing it closes the stores its viewer opened."""

    daemon_threads = True
    # Connections waiting to be accepted: the standard library's 5 overflows when a few clients connect at once,
    # and a refused connection is retried by the client's TCP only after a second.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], viewer: Viewer) -> None:
        self.viewer = viewer
        super().__init__(address, _handler(viewer))

    def server_close(self) -> None:
        super().server_close()
        self.viewer.close()


def _parts(store: Store | StoreSet) -> list[tuple[str, Store]]:
    """(name, store) of each store read: the set's, or the one store (named "")."""
    return list(store.stores.items()) if isinstance(store, StoreSet) else [("", store)]


def make_server(store: Store | StoreSet, host: str = "127.0.0.1", port: int = 8080) -> ViewerServer:
    """An HTTP server for ``store`` (or several read as one), not yet serving (port 0 picks a free port)."""
    try:
        return ViewerServer((host, port), Viewer(store))
    except OSError as error:
        raise InvalidInput(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def serve(store: Store | StoreSet, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve ``store`` until interrupted."""
    with make_server(store, host, port) as server:
        server.serve_forever()
