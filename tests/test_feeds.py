"""Atom feeds of the changes: `archive feed -o FILE` and the viewer's /feeds/changes.atom, parsed with feedparser."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from conftest import STORY, article_html, served
from test_changes import LOOKUP, build

from archive.store.repository import Store

HOSTILE = "The minister said <script>alert(1)</script> was 12 percent of the budget."


def parsed(text: str) -> feedparser.FeedParserDict:
    feed = feedparser.parse(text)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def check_atom(feed: feedparser.FeedParserDict) -> None:
    """The elements RFC 4287 requires: feed id, title, updated, an author (the feed's), and per entry id, title,
    updated and a link."""
    assert feed.feed.id.startswith("tag:") and feed.feed.title and feed.feed.updated
    assert feed.feed.author_detail.name == "archive"
    for entry in feed.entries:
        assert entry.id.startswith(feed.feed.id.split("/changes")[0] + "/")
        assert entry.title and entry.updated and entry.link


def test_archive_feed_writes_atom_with_stable_ids(store_path: Path, run, tmp_path: Path) -> None:
    build(store_path, run)
    out = tmp_path / "changes.atom"
    result = run("feed", "-o", str(out), "--base-url", "http://viewer.test:9000")
    assert result.exit_code == 0, result.output
    first = out.read_text(encoding="utf-8")
    feed = parsed(first)
    check_atom(feed)
    assert [(e.link, e.updated) for e in feed.entries] == [
        ("http://viewer.test:9000/articles/troops/diff/2/3", "2024-03-04T10:00:00Z"),
        ("http://viewer.test:9000/articles/talks/diff/1/2", "2024-03-03T12:00:00Z"),
        ("http://viewer.test:9000/articles/troops/diff/1/2", "2024-03-02T10:00:00Z"),
    ]
    assert feed.feed.updated == "2024-03-04T10:00:00Z"  # the newest capture, never the clock
    number = feed.entries[2].content[0]
    assert number.type == "text/html" and "100,000" in number.value and "175,000" in number.value
    assert 'href="http://viewer.test:9000/articles/troops/diff/1/2"' in number.value
    # Ids come from the store and the versions' commits: the same after the cache is rebuilt, and the same file.
    (store_path / LOOKUP).unlink()
    assert run("feed", "-o", str(out), "--base-url", "http://viewer.test:9000").exit_code == 0
    assert out.read_text(encoding="utf-8") == first
    with Store.open(store_path) as store:
        commit = store.versions("troops")[2].commit
    assert feed.entries[0].id.endswith(f"/troops/{commit}")
    # The same selection as archive changes: one kind, one article.
    assert run("feed", "-o", str(out), "--kind", "negation").exit_code == 0
    assert [e.link.rsplit("/articles/", 1)[1] for e in parsed(out.read_text()).entries] == ["talks/diff/1/2"]
    assert run("feed", "-o", str(out), "--article", "troops", "-n", "1").exit_code == 0
    one = parsed(out.read_text())
    assert [e.link.rsplit("/articles/", 1)[1] for e in one.entries] == ["troops/diff/2/3"]
    assert one.feed.id.endswith("/changes/troops")


def test_article_text_is_escaped_in_the_content(store_path: Path, run, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    hostile = HOSTILE.replace("<", "&lt;").replace(">", "&gt;")
    for number, paragraphs in enumerate([STORY, [*STORY[:3], hostile]]):
        (pages / f"{number}.html").write_text(article_html(paragraphs=paragraphs), encoding="utf-8")
        at = f"2024-03-0{number + 1}T10:00:00Z"
        assert run("snapshot", str(pages / f"{number}.html"), "--id", "hostile", "--at", at).exit_code == 0
    out = tmp_path / "changes.atom"
    assert run("feed", "-o", str(out)).exit_code == 0
    raw = out.read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" not in raw  # escaped twice: as HTML, then as XML text
    assert "&amp;lt;script&amp;gt;" in raw
    content = parsed(raw).entries[0].content[0].value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


@pytest.fixture
def viewer(store_path: Path, run) -> Iterator[str]:
    build(store_path, run)
    with served(store_path) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


def fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode("utf-8")


def test_the_viewer_serves_the_feeds_and_its_pages_link_them(viewer: str) -> None:
    status, content_type, body = fetch(viewer + "/feeds/changes.atom")
    assert (status, content_type) == (200, "application/atom+xml; charset=utf-8")
    feed = parsed(body)
    check_atom(feed)
    assert len(feed.entries) == 3 and feed.entries[0].link == viewer + "/articles/troops/diff/2/3"
    assert any(link.rel == "self" and link.href == viewer + "/feeds/changes.atom" for link in feed.feed.links)
    status, _, body = fetch(viewer + "/articles/troops/changes.atom?kind=number")
    assert status == 200
    assert [entry.link for entry in parsed(body).entries] == [viewer + "/articles/troops/diff/1/2"]
    assert fetch(viewer + "/feeds/changes.atom?kind=hedge")[0] == 200
    status, _, body = fetch(viewer + "/feeds/changes.atom?kind=bogus")
    assert status == 404 and "unknown kind 'bogus'" in body
    assert fetch(viewer + "/articles/nobody/changes.atom")[0] == 404
    home, article = fetch(viewer + "/")[2], fetch(viewer + "/articles/troops")[2]
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Changes in the archive" href="/feeds/changes.atom">'
        in home
    )
    assert 'type="application/atom+xml" title="Changes of troops" href="/articles/troops/changes.atom"' in article


def test_recent_changes_page_pages_with_stable_cursors(viewer: str, run) -> None:
    """The viewer's Recent changes: the selection of `archive changes`, paged by cursors, filtered, linked."""
    import json

    everything = json.loads(run("changes", "--all", "--json").output)["changes"]
    status, _, body = fetch(viewer + "/api/changes?all=1")
    assert status == 200 and json.loads(body)["changes"] == everything
    assert json.loads(body)["older"] is None and json.loads(body)["newer"] is None
    pages, url = [], viewer + "/api/changes?all=1&n=2"
    while url:
        page = json.loads(fetch(url)[2])
        pages.append(page)
        url = viewer + "/api" + page["older"] if page["older"] else None
    assert [change for page in pages for change in page["changes"]] == everything
    assert all(len(page["changes"]) == 2 for page in pages[:-1]) and len(pages) >= 3
    back = json.loads(fetch(viewer + "/api" + pages[-1]["newer"])[2])
    assert back["changes"] == pages[-2]["changes"]
    assert json.loads(fetch(viewer + "/api" + pages[1]["newer"])[2])["newer"] is None  # back at the first page
    # The HTML page: one row a change, the filters, the pages' links, the feed of the same selection.
    status, content_type, html = fetch(viewer + "/changes?kind=number")
    assert status == 200 and content_type.startswith("text/html")
    assert html.count("<tr><td>") == 2 and "<del>100,000</del> → <ins>175,000</ins>" in html
    assert 'href="/feeds/changes.atom?kind=number"' in html
    assert '<link rel="alternate" type="application/atom+xml" title="Changes of this selection"' in html
    assert fetch(viewer + "/changes?site=other.example.com")[2].count("<tr><td>") == 1
    assert "troops" not in fetch(viewer + "/changes?article=talks")[2].split("<tbody>")[1]
    older = fetch(viewer + "/changes?all=1&n=2")[2]
    assert 'rel="next" href="/changes?all=1&amp;n=2&amp;before=' in older and 'rel="prev"' not in older
    assert fetch(viewer + "/changes?before=nonsense")[0] == 404
    assert fetch(viewer + "/changes?kind=bogus")[0] == 404
    assert 'href="/changes"' in fetch(viewer + "/")[2]
    assert 'href="/changes?article=troops"' in fetch(viewer + "/articles/troops")[2]
