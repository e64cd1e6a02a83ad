"""A local, read-only web viewer over a store: the archive, an article, a diff, a version.

Served by the standard library's HTTP server, bound to loopback by default.
Every page has a stable URL built from article ids and version numbers (so a
diff can be cited) and a JSON twin under ``/api/``. Only GET and HEAD are
answered; nothing here writes to the store. Path segments are validated
before they reach the store, and every piece of article text is escaped.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from archive.capture.normalize import is_normalized
from archive.compare.changes import Comparison
from archive.errors import ArchiveError, InvalidInput
from archive.ids import validate_article_id
from archive.model import ArticleSummary, Version, format_time
from archive.present import terminal as render
from archive.present.html import comparison_body, page
from archive.review.versions import VersionComparison, compare_versions
from archive.store.repository import Store, text_sha256

__all__ = ["Viewer", "fixity", "make_server", "serve"]

_NUMBER = re.compile(r"^[1-9][0-9]{0,6}$")


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


def _href(*segments: str | int) -> str:
    return "/" + "/".join(quote(str(segment), safe="") for segment in segments)


class Viewer:
    """Routes requests to pages. Store access is serialized: GitPython's object readers are not thread-safe."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._compare = lru_cache(maxsize=256)(self._compare_uncached)

    # --- routing ---------------------------------------------------------------

    def respond(self, target: str) -> Response:
        parts = urlsplit(target)
        segments = [segment for segment in parts.path.split("/") if segment]
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        api = bool(segments) and segments[0] == "api"
        if api:
            segments = segments[1:]
        try:
            with self._lock:
                data, html = self._route(segments, query)
        except Redirect as redirect:
            return Response(HTTPStatus.SEE_OTHER, "text/plain; charset=utf-8", b"", redirect.location)
        except (NotFound, ArchiveError) as error:
            message = str(error) or "Not found"
            if api:
                body = json.dumps({"error": message}).encode()
                return Response(HTTPStatus.NOT_FOUND, "application/json; charset=utf-8", body)
            html_body = f'<nav><a href="/">Archive</a></nav><h1>Not found</h1><p>{escape(message)}</p>'
            return Response(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", page("Not found", html_body).encode())
        if api:
            return Response(HTTPStatus.OK, "application/json; charset=utf-8", render.to_json(data()).encode())
        return Response(HTTPStatus.OK, "text/html; charset=utf-8", html().encode())

    def _route(self, segments: list[str], query: dict[str, str]) -> tuple[Callable[[], Any], Callable[[], str]]:
        """(JSON builder, HTML builder) for a path; both are evaluated under the store lock."""
        if not segments:
            return self._archive(query.get("q", ""))
        if segments == ["audit"]:
            return self._audit_page()
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
        try:
            article_id = validate_article_id(segment)
        except InvalidInput:
            raise NotFound(f"{segment!r} is not an article id.") from None
        if article_id not in self.store.article_ids():
            raise NotFound(f"No article {article_id!r} in this archive.")
        return article_id

    @staticmethod
    def _number(segment: str) -> int:
        if not _NUMBER.match(segment):
            raise NotFound(f"{segment!r} is not a version number.")
        return int(segment)

    def _versions(self, article_id: str) -> list[Version]:
        return self.store.versions(article_id)

    def _version(self, article_id: str, number: int) -> Version:
        versions = self._versions(article_id)
        if not 1 <= number <= len(versions):
            raise NotFound(f"{article_id} has versions 1 to {len(versions)}.")
        return versions[number - 1]

    def _compare_uncached(self, article_id: str, old: int, new: int) -> VersionComparison:
        return compare_versions(self.store, article_id, str(old), str(new))

    # --- pages -------------------------------------------------------------------

    def _archive(self, search: str) -> tuple[Callable[[], Any], Callable[[], str]]:
        articles = sorted(self.store.articles(), key=lambda a: a.last_seen, reverse=True)
        if search.strip():
            articles = [a for a in articles if self._matches(a, search.strip())]

        def data() -> Any:
            return {"query": search, **render.articles_json(articles)}

        def html() -> str:
            rows = "".join(
                f'<tr><td><a href="{_href("articles", a.article_id)}">{escape(a.title or a.article_id)}</a>'
                f'<div class="meta">{escape(a.article_id)}{" · " + escape(a.url) if a.url else ""}</div></td>'
                f"<td>{a.versions}</td><td>{escape(format_time(a.first_seen))}</td>"
                f"<td>{escape(format_time(a.last_seen))}</td></tr>"
                for a in articles
            )
            empty = "" if articles else "<p>No article matches.</p>" if search else "<p>The archive is empty.</p>"
            body = (
                '<nav><a href="/">Archive</a> <a href="/audit">Audit</a></nav><h1>Archive</h1>'
                f'<form method="get" action="/" role="search"><input type="search" name="q" value="{escape(search)}"'
                ' placeholder="Title, URL or text" aria-label="Search"> <button type="submit">Search</button></form>'
                f'<table class="list"><thead><tr><th>Article</th><th>Versions</th><th>First seen</th>'
                f"<th>Last change</th></tr></thead><tbody>{rows}</tbody></table>{empty}"
            )
            return page("Archive", body)

        return data, html

    def _audit_page(self) -> tuple[Callable[[], Any], Callable[[], str]]:
        """The audit report, verification included: computed afresh on every request, as a reviewer expects."""
        from archive.audit.report import audit
        from archive.present import reports
        from archive.present.audit_html import audit_body

        result = audit(self.store)

        def html() -> str:
            nav = '<nav><a href="/">Archive</a> <a href="/audit">Audit</a></nav>'
            return page("Audit", nav + audit_body(result, article_link="/articles/{id}"))

        return lambda: reports.audit_json(result), html

    def _matches(self, article: ArticleSummary, search: str) -> bool:
        needle = search.casefold()
        fields = (article.article_id, article.title, article.url or "", article.canonical_url or "")
        if any(needle in field.casefold() for field in fields):
            return True
        return needle in self.store.text(self._versions(article.article_id)[-1]).casefold()

    def _article_page(self, article_id: str) -> tuple[Callable[[], Any], Callable[[], str]]:
        versions = self._versions(article_id)
        comparisons: list[Comparison | None] = [None] + [
            self._compare(article_id, n - 1, n).comparison for n in range(2, len(versions) + 1)
        ]

        def data() -> Any:
            return {
                "article": article_id,
                "versions": [
                    {
                        **render.history_json([version])["versions"][0],
                        "substantive_changes": comparison.counts["substantive"] if comparison else None,
                        "cosmetic_changes": comparison.counts["cosmetic"] if comparison else None,
                    }
                    for version, comparison in zip(versions, comparisons, strict=True)
                ],
            }

        def html() -> str:
            latest = versions[-1]
            rows = []
            for version, comparison in zip(versions, comparisons, strict=True):
                number = version.number
                diff = (
                    f'<a href="{_href("articles", article_id, "diff", number - 1, number)}">diff with v{number - 1}</a>'
                    if number > 1
                    else ""
                )
                substantive = "" if comparison is None else str(comparison.counts["substantive"])
                text_link = _href("articles", article_id, "versions", number)
                rows.append(
                    f'<tr id="v{number}"><td><a href="{text_link}">v{number}</a></td>'
                    f"<td>{escape(format_time(version.captured_at))}</td><td>{escape(version.title)}</td>"
                    f'<td>{version.words}</td><td><span class="plus">+{version.words_added}</span> '
                    f'<span class="minus">−{version.words_removed}</span></td>'
                    f"<td>{substantive}</td><td>{diff}</td></tr>"
                )
            picker = (
                f'<form class="picker" method="get" action="{_href("articles", article_id, "diff")}">Compare '
                f'<select name="from" aria-label="from">{_options(versions, len(versions) - 1)}</select> with '
                f'<select name="to" aria-label="to">{_options(versions, len(versions))}</select> '
                '<button type="submit">Compare</button></form>'
            )
            url = f'<a href="{escape(latest.url)}" rel="noreferrer">{escape(latest.url)}</a> · ' if latest.url else ""
            body = (
                f'<nav><a href="/">Archive</a></nav><h1>{escape(latest.title or article_id)}</h1>'
                f'<p class="meta">{url}{escape(article_id)} · {len(versions)} versions</p>'
                f"{_change_chart(versions, comparisons)}{picker}"
                '<table class="list"><thead><tr><th>Version</th><th>Captured (UTC)</th><th>Headline</th><th>Words</th>'
                "<th>Words changed</th><th>Substantive changes</th><th></th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
            )
            return page(latest.title or article_id, body)

        return data, html

    def _diff_page(self, article_id: str, old: int, new: int) -> tuple[Callable[[], Any], Callable[[], str]]:
        self._version(article_id, old)
        self._version(article_id, new)
        result = self._compare(article_id, old, new)

        def html() -> str:
            link = _href("articles", article_id, "versions") + "/{number}"
            nav = (
                f'<nav><a href="/">Archive</a><a href="{_href("articles", article_id)}">{escape(article_id)}</a></nav>'
            )
            return page(f"{article_id} v{old} → v{new}", nav + comparison_body(result, link_version=link))

        return (lambda: render.sentence_diff_json(result)), html

    def _version_page(self, article_id: str, number: int) -> tuple[Callable[[], Any], Callable[[], str]]:
        version = self._version(article_id, number)
        text = self.store.text(version)
        raw = self.store.raw(version)
        checks = fixity(version, text, raw)

        def data() -> Any:
            return {**render.version_json(version, text), "checks": checks}

        def html() -> str:
            meta = version.metadata
            rows = [
                ("Captured", format_time(version.captured_at)),
                ("Commit", version.commit),
                ("Authors", ", ".join(meta.get("authors") or [])),
                ("Published", meta.get("published") or ""),
                ("URL", meta.get("url") or ""),
                ("Canonical URL", meta.get("canonical_url") or ""),
                ("Source", meta.get("source") or ""),
                ("Extractor", f"{meta['extractor']['name']} {meta['extractor']['version']}"),
                ("Text", f"{meta['text']['words']} words · sha256 {meta['text']['sha256']}"),
                (
                    "Raw capture",
                    f"{meta['raw']['file']} · {meta['raw']['bytes']} bytes · sha256 {meta['raw']['sha256']}",
                ),
            ]
            table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows if v)
            status = "".join(
                f'<li class="{"ok" if ok else "bad"}">{"✓" if ok else "✗"} {escape(name)}</li>'
                for name, ok in checks.items()
            )
            paragraphs = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
            nav = (
                f'<nav><a href="/">Archive</a><a href="{_href("articles", article_id)}">{escape(article_id)}</a></nav>'
            )
            neighbours = " ".join(
                f'<a href="{_href("articles", article_id, "diff", a, b)}">{label}</a>'
                for a, b, label in (
                    (number - 1, number, f"diff with v{number - 1}"),
                    (number, number + 1, f"diff with v{number + 1}"),
                )
                if a >= 1 and b <= len(self._versions(article_id))
            )
            body = (
                f"{nav}<h1>{escape(version.title or article_id)}</h1>"
                f'<p class="meta">{escape(version.ref)} · {neighbours}</p>'
                f'<table class="summary">{table}</table><h2>Fixity</h2><ul class="checks">{status}</ul>'
                f'<h2>Text</h2><div class="text">{paragraphs}</div>'
            )
            return page(f"{version.ref}: {version.title}", body)

        return data, html


def _options(versions: list[Version], selected: int) -> str:
    return "".join(
        f'<option value="{v.number}"{" selected" if v.number == selected else ""}>'
        f"v{v.number} · {escape(format_time(v.captured_at))}</option>"
        for v in versions
    )


def fixity(version: Version, text: str, raw: bytes) -> dict[str, bool]:
    """Whether the stored text and raw capture still match the hashes recorded when they were archived."""
    meta = version.metadata
    return {
        "text matches its recorded sha256": text_sha256(text) == meta["text"]["sha256"],
        "raw capture matches its recorded sha256": hashlib.sha256(raw).hexdigest() == meta["raw"]["sha256"],
        "text is in canonical form": is_normalized(text),
    }


def _change_chart(versions: list[Version], comparisons: list[Comparison | None]) -> str:
    """Words added (up) and removed (down) per version, on a time axis, as inline SVG."""
    if len(versions) < 2:
        return ""
    width, height, middle, margin = 720, 140, 70, 30
    start, end = versions[0].captured_at.timestamp(), versions[-1].captured_at.timestamp()
    span = max(end - start, 1.0)
    largest = max(max(v.words_added, v.words_removed) for v in versions[1:]) or 1
    bars = []
    for version, comparison in zip(versions[1:], comparisons[1:], strict=True):
        x = margin + (version.captured_at.timestamp() - start) / span * (width - 2 * margin)
        up = (middle - 10) * version.words_added / largest
        down = (middle - 10) * version.words_removed / largest
        substantive = comparison.counts["substantive"] if comparison else 0
        label = (
            f"v{version.number} {format_time(version.captured_at)}: +{version.words_added} −{version.words_removed} "
            f"words, {substantive} substantive changes"
        )
        bars.append(
            f'<g><title>{escape(label)}</title><rect x="{x - 3:.1f}" y="{middle - up:.1f}" width="6" height="{up:.1f}" '
            f'fill="#2e8b3e"/><rect x="{x - 3:.1f}" y="{middle}" width="6" height="{down:.1f}" fill="#c0392b"/>'
            + (f'<circle cx="{x:.1f}" cy="{middle - up - 6:.1f}" r="3" fill="#b25000"/>' if substantive else "")
            + "</g>"
        )
    axis = (
        f'<line x1="{margin}" y1="{middle}" x2="{width - margin}" y2="{middle}" stroke="#999"/>'
        f'<text x="{margin}" y="{height - 4}" font-size="11">{escape(format_time(versions[0].captured_at)[:10])}</text>'
        f'<text x="{width - margin}" y="{height - 4}" font-size="11" text-anchor="end">'
        f"{escape(format_time(versions[-1].captured_at)[:10])}</text>"
    )
    return (
        f'<figure class="chart"><svg role="img" aria-label="Words added and removed per version" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">{axis}{"".join(bars)}</svg>'
        "<figcaption>Words added (up) and removed (down) at each capture; a dot marks substantive changes."
        "</figcaption></figure>"
    )


def _handler(viewer: Viewer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "archive-viewer"

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _refuse(self) -> None:
            self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
            self.send_header("Allow", "GET, HEAD")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

        def _answer(self, send_body: bool) -> None:
            try:
                response = viewer.respond(self.path)
            except Exception:
                self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR)
                raise  # a bug: the server logs the traceback
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header(
                "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
            )
            if response.location:
                self.send_header("Location", response.location)
            self.end_headers()
            if send_body:
                self.wfile.write(response.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def make_server(store: Store, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """An HTTP server for ``store``, not yet serving (port 0 picks a free port)."""
    try:
        server = ThreadingHTTPServer((host, port), _handler(Viewer(store)))
    except OSError as error:
        raise InvalidInput(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    server.daemon_threads = True
    return server


def serve(store: Store, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve ``store`` until interrupted."""
    with make_server(store, host, port) as server:
        server.serve_forever()
