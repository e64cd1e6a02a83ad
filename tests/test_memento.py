"""Memento (RFC 7089) in the viewer, over real HTTP on 127.0.0.1: the TimeGate's 302 negotiation (4.1.1,
pattern 2.2), the TimeMap in application/link-format (5.1), and Memento-Datetime and Link on every
version page (2.1.1), each checked against the header fields of the RFC's examples."""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import pytest
from conftest import SEED, WebServer, article_html, served

from archive.ingest.snapshot import snapshot
from archive.store.repository import Store
from archive.web.viewer import ViewerServer, make_server

_LINK = re.compile(r'\s*<([^>]*)>((?:\s*;\s*[A-Za-z-]+="[^"]*")*)\s*(?:,|$)')
_PARAM = re.compile(r';\s*([A-Za-z-]+)="([^"]*)"')


def links(value: str) -> list[tuple[str, dict[str, str]]]:
    """A Link header or link-format body (RFC 8288): (URI, parameters) in order; the whole value must parse."""
    found, position = [], 0
    while position < len(value.rstrip()):
        match = _LINK.match(value, position)
        assert match, f"unparsable link at {value[position:]!r}"
        found.append((match.group(1), dict(_PARAM.findall(match.group(2)))))
        position = match.end()
    return found


def by_rel(value: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Each relation type to the link that has it (a link may have several: rel="first memento")."""
    return {rel: (uri, params) for uri, params in links(value) for rel in params["rel"].split()}


@dataclass
class Viewer:
    host: str
    port: int
    url: str  # the original URL of the fetched article
    article: str
    server: ViewerServer

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def get(self, path: str, method: str = "GET", **headers: str) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        connection.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        connection.close()
        return response


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2021, 12, day, hour, tzinfo=UTC)


@pytest.fixture
def viewer(store: Store, web: WebServer) -> Iterator[Viewer]:
    """An article fetched three times over real HTTP (17, 18 and 19 December, noon), a file capture, served."""
    url = web.page("/world/troops?edition=uk", article_html())
    snapshot(store, url, at=at(17))
    for day, line in ((18, "Talks resumed on Monday."), (19, "Talks broke down on Tuesday.")):
        web.page("/world/troops?edition=uk", article_html(paragraphs=["Troops massed at the border.", line]))
        snapshot(store, url, at=at(day))
    snapshot(store, str(SEED), article_id="putin", at=at(20))
    article = next(a.article_id for a in store.articles() if a.url == url)
    server = make_server(store, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Viewer("127.0.0.1", server.server_address[1], url, article, server)
    finally:
        server.shutdown()
        server.server_close()


def version_uri(viewer: Viewer, number: int) -> str:
    return f"{viewer.base}/articles/{quote(viewer.article, safe='')}/versions/{number}"


def test_timegate_redirects_to_the_version_current_at_accept_datetime(viewer: Viewer) -> None:
    # RFC 7089 4.1.1 (the 302 of pattern 2.2): Vary, Location, and a Link naming original, timemap, mementos.
    response = viewer.get(f"/timegate/{viewer.url}", Accept_Datetime="Sat, 18 Dec 2021 20:00:00 GMT")
    assert response.status == 302
    assert response.getheader("Vary") == "accept-datetime"
    assert response.getheader("Location") == version_uri(viewer, 2)
    assert response.getheader("Content-Length") == "0"
    rels = by_rel(response.getheader("Link") or "")
    assert rels["original"] == (viewer.url, {"rel": "original"})
    assert rels["timemap"] == (
        f"{viewer.base}/timemap/link/{viewer.url}",
        {
            "rel": "timemap",
            "type": "application/link-format",
            "from": "Fri, 17 Dec 2021 12:00:00 GMT",
            "until": "Sun, 19 Dec 2021 12:00:00 GMT",
        },
    )
    assert rels["first"] == (
        version_uri(viewer, 1),
        {"rel": "first prev memento", "datetime": "Fri, 17 Dec 2021 12:00:00 GMT"},
    )
    assert rels["last"] == (
        version_uri(viewer, 3),
        {"rel": "last next memento", "datetime": "Sun, 19 Dec 2021 12:00:00 GMT"},
    )
    assert [uri for uri, params in links(response.getheader("Link") or "") if params["rel"] == "memento"] == [
        version_uri(viewer, 2)
    ]
    assert "timegate" not in rels  # the TimeGate does not link to itself


@pytest.mark.parametrize(
    ("accept_datetime", "number"),
    [
        ("Fri, 17 Dec 2021 12:00:00 GMT", 1),  # the capture time itself: that version
        ("Fri, 17 Dec 2021 11:59:59 GMT", 1),  # before every version: the first
        ("Sun, 19 Dec 2021 11:59:59 GMT", 2),
        ("Thu, 01 Jan 2026 00:00:00 GMT", 3),  # after every version: the latest
        (None, 3),  # no Accept-Datetime: the latest (RFC 7089 4.1.1)
    ],
)
def test_timegate_chooses_the_latest_version_captured_at_or_before(
    viewer: Viewer, accept_datetime: str | None, number: int
) -> None:
    headers = {"Accept_Datetime": accept_datetime} if accept_datetime else {}
    response = viewer.get(f"/timegate/{viewer.url}", **headers)
    assert (response.status, response.getheader("Location")) == (302, version_uri(viewer, number))
    page = viewer.get(response.getheader("Location", "").removeprefix(viewer.base))
    assert page.status == 200
    chosen = parsedate_to_datetime(page.getheader("Memento-Datetime", ""))
    if accept_datetime and number > 1:
        assert chosen <= parsedate_to_datetime(accept_datetime)


def test_timegate_takes_the_original_url_percent_encoded_and_answers_head(viewer: Viewer) -> None:
    response = viewer.get(f"/timegate/{quote(viewer.url, safe='')}", method="HEAD")
    assert (response.status, response.getheader("Location")) == (302, version_uri(viewer, 3))


def test_bad_accept_datetime_is_400_and_an_unknown_url_404(viewer: Viewer) -> None:
    response = viewer.get(f"/timegate/{viewer.url}", Accept_Datetime="yesterday")
    assert response.status == 400 and response.getheader("Location") is None
    for path in ("/timegate/https://elsewhere.example/", "/timemap/link/https://elsewhere.example/"):
        assert viewer.get(path).status == 404


def test_timemap_lists_every_memento_in_link_format(viewer: Viewer) -> None:
    # RFC 7089 5.1: original, self (with from and until), timegate, then each memento with its datetime.
    response = viewer.get(f"/timemap/link/{viewer.url}")
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/link-format"
    body = response.body.decode()  # type: ignore[attr-defined]
    entries = links(body)
    assert [params["rel"] for _, params in entries] == [
        "original",
        "self",
        "timegate",
        "first memento",
        "memento",
        "last memento",
    ]
    assert entries[0][0] == viewer.url
    assert entries[1] == (
        f"{viewer.base}/timemap/link/{viewer.url}",
        {
            "rel": "self",
            "type": "application/link-format",
            "from": "Fri, 17 Dec 2021 12:00:00 GMT",
            "until": "Sun, 19 Dec 2021 12:00:00 GMT",
        },
    )
    assert entries[2][0] == f"{viewer.base}/timegate/{viewer.url}"
    for number, (uri, params) in enumerate(entries[3:], start=1):
        assert uri == version_uri(viewer, number)
        page = viewer.get(uri.removeprefix(viewer.base))
        assert page.getheader("Memento-Datetime") == params["datetime"]


def test_timemap_comes_in_pages_linked_next_and_prev(viewer: Viewer) -> None:
    viewer.server.viewer.timemap_page = 2
    first = viewer.get(f"/timemap/link/{viewer.url}")
    entries = links(first.body.decode())  # type: ignore[attr-defined]
    assert [params["rel"] for _, params in entries] == ["original", "self", "next", "timegate", "first memento",
                                                       "memento"]  # fmt: skip
    following = f"{viewer.base}/timemap/link/2/{viewer.url}"
    assert entries[1][0] == f"{viewer.base}/timemap/link/{viewer.url}"
    assert (entries[1][1]["from"], entries[1][1]["until"]) == ("Fri, 17 Dec 2021 12:00:00 GMT",
                                                               "Sat, 18 Dec 2021 12:00:00 GMT")  # fmt: skip
    assert entries[2] == (following, {"rel": "next", "type": "application/link-format",
                                      "from": "Sun, 19 Dec 2021 12:00:00 GMT",
                                      "until": "Sun, 19 Dec 2021 12:00:00 GMT"})  # fmt: skip
    assert [uri for uri, _ in entries[4:]] == [version_uri(viewer, 1), version_uri(viewer, 2)]

    second = viewer.get(following.removeprefix(viewer.base))
    entries = links(second.body.decode())  # type: ignore[attr-defined]
    assert [params["rel"] for _, params in entries] == ["original", "self", "prev", "timegate", "last memento"]
    assert entries[1][0] == following and entries[2][0] == f"{viewer.base}/timemap/link/{viewer.url}"
    assert entries[4][0] == version_uri(viewer, 3)
    encoded = viewer.get(f"/timemap/link/2/{quote(viewer.url, safe='')}")
    assert encoded.status == 200 and encoded.body == second.body  # type: ignore[attr-defined]
    assert viewer.get(f"/timemap/link/3/{viewer.url}").status == 404


def test_every_version_page_has_memento_datetime_and_link(viewer: Viewer) -> None:
    # RFC 7089 2.1.1 and the 200 of 4.1.1: Memento-Datetime, and Link to original, timegate, timemap, mementos.
    page = viewer.get(f"/articles/{quote(viewer.article, safe='')}/versions/2")
    assert page.status == 200
    assert page.getheader("Memento-Datetime") == "Sat, 18 Dec 2021 12:00:00 GMT"
    rels = by_rel(page.getheader("Link") or "")
    assert rels["original"][0] == viewer.url
    assert rels["timegate"][0] == f"{viewer.base}/timegate/{viewer.url}"
    assert rels["timemap"][1]["type"] == "application/link-format"
    assert rels["first"][0] == version_uri(viewer, 1) and rels["prev"][0] == version_uri(viewer, 1)
    assert rels["last"][0] == version_uri(viewer, 3) and rels["next"][0] == version_uri(viewer, 3)
    assert [uri for uri, params in links(page.getheader("Link") or "") if params["rel"] == "memento"] == [
        version_uri(viewer, 2)
    ]


def test_a_version_without_a_url_still_has_its_memento_datetime(viewer: Viewer) -> None:
    page = viewer.get("/articles/putin/versions/1")
    assert page.status == 200
    assert page.getheader("Memento-Datetime") == "Mon, 20 Dec 2021 12:00:00 GMT"
    rels = by_rel(page.getheader("Link") or "")
    assert "original" not in rels and rels["first"][1]["rel"] == "first last memento"


def test_other_pages_have_no_memento_headers(viewer: Viewer) -> None:
    for path in (
        "/",
        f"/articles/{quote(viewer.article, safe='')}",
        f"/api/articles/{quote(viewer.article, safe='')}/versions/1",
    ):
        response = viewer.get(path)
        assert response.status == 200 and response.getheader("Memento-Datetime") is None


def test_the_final_url_of_a_redirected_capture_has_a_timemap(store: Store, web: WebServer) -> None:
    final = web.page("/2021/12/17/troops", article_html())
    moved = web.page("/troops", b"", status=301, headers={"Location": final})
    snapshot(store, moved, at=at(17))
    with served(store.path) as server:
        port = server.server_address[1]
        for original in (moved, final):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", f"/timemap/link/{original}")
            response = connection.getresponse()
            body = response.read().decode()
            connection.close()
            assert response.status == 200 and [p["rel"] for _, p in links(body)][-1] == "first last memento"
