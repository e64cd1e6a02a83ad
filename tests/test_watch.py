"""`archive watch`: feeds and articles served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import STORY, Route, WebServer, article_html, git

from archive.ingest.feeds import STATE_FILE, WatchOptions, next_check, watch, watch_once
from archive.store.repository import Store

T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)
FAST = WatchOptions(timeout=2.0, host_delay=0.0, jobs=1)


class Clock:
    """The watcher's idea of now, moved by the test (fetches are real; only the schedule is in its time)."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def rss(web: WebServer, entries: list[tuple[str, str | None]], etag: str = '"feed-1"') -> str:
    """An RSS 2.0 feed at /feed.xml whose entries are (title, link path or None)."""
    items = "".join(
        f"<item><title>{title}</title>"
        + (f"<link>{web.url(path)}?utm_source=rss#top</link>" if path else "")
        + "</item>"
        for title, path in entries
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Example News</title>{items}</channel></rss>'
    web.routes["/feed.xml"] = Route(body.encode(), headers={"Content-Type": "application/rss+xml", "ETag": etag})
    return web.url("/feed.xml")


def story(web: WebServer, path: str, title: str, paragraphs: list[str] | None = None, etag: str | None = None) -> None:
    headers = {"Content-Type": "text/html; charset=utf-8", **({"ETag": etag} if etag else {})}
    html = article_html(title=title, paragraphs=paragraphs, canonical=web.url(path))
    web.routes[path] = Route(html.encode(), headers=headers)


def test_a_pass_snapshots_every_entry_and_the_next_uses_conditional_get(store: Store, web: WebServer) -> None:
    story(web, "/news/a.html", "Troops massed at the border", etag='"a1"')
    story(web, "/news/b.html", "Talks resume in Geneva", [p.replace("Karsk", "Lorsk") for p in STORY], etag='"b1"')
    feed = rss(web, [("A", "/news/a.html"), ("B", "/news/b.html"), ("No link", None)])
    clock = Clock()
    first = watch_once(store, [feed], FAST, clock=clock)
    assert (first.feeds, first.entries, first.new_articles, first.written) == (1, 3, 2, 2)
    assert first.skipped == {"entry with no link": 1} and first.problems == [
        "feed " + feed + ": entry 'No link' has no http(s) link"
    ]
    articles = {a.url: a for a in store.articles()}
    assert set(articles) == {web.url("/news/a.html"), web.url("/news/b.html")}  # tracking parameters and fragment gone
    assert store.versions(articles[web.url("/news/a.html")].article_id)[0].metadata["source"] == "feed"

    clock.advance(minutes=20)
    web.requests.clear()
    second = watch_once(store, [feed], FAST, clock=clock)
    assert (second.feeds_not_modified, second.checked, second.not_modified, second.written) == (1, 2, 2, 0)
    sent = {path: headers for path, headers in web.requests}
    assert sent["/feed.xml"]["If-None-Match"] == '"feed-1"' and sent["/news/a.html"]["If-None-Match"] == '"a1"'

    story(web, "/news/a.html", "Troops massed at the border", [STORY[0].replace("100,000", "120,000")], etag='"a2"')
    clock.advance(minutes=20)
    third = watch_once(store, [feed], FAST, clock=clock)
    assert (third.checked, third.not_modified, third.written) == (2, 1, 1)
    assert len(store.versions(articles[web.url("/news/a.html")].article_id)) == 2
    assert git(store.path, "status", "--porcelain") == ""
    state = json.loads((store.path / ".git" / "archive" / STATE_FILE).read_text())
    assert state["articles"][web.url("/news/a.html")]["etag"] == '"a2"'
    assert git(store.path, "ls-files").count(STATE_FILE) == 0  # never committed


def test_failures_are_reported_and_skipped_and_never_stop_the_rest(store: Store, web: WebServer) -> None:
    story(web, "/news/good.html", "Troops massed at the border")
    web.page("/news/slow.html", article_html(title="Slow"), delay=1.5)
    web.page("/news/huge.html", article_html(title="Huge", paragraphs=STORY * 300))
    web.page("/news/image.html", b"\x89PNG", headers={"Content-Type": "image/png"})
    good_feed = rss(
        web,
        [
            ("Good", "/news/good.html"),
            ("Slow", "/news/slow.html"),
            ("Huge", "/news/huge.html"),
            ("Missing", "/news/gone.html"),
            ("Image", "/news/image.html"),
        ],
    )
    not_xml = web.page("/not-a-feed", "<html><body><p>Sorry, this page has moved.</p></body></html>")
    missing = web.url("/no-such-feed.xml")
    options = WatchOptions(timeout=0.5, host_delay=0.0, max_bytes=64 * 1024, jobs=1)
    report = watch_once(store, [missing, not_xml, good_feed], options, clock=Clock())
    assert (report.feeds, report.feeds_failed, report.written) == (3, 2, 1)
    assert report.skipped == {"too large": 1, "timed out": 1, "unreachable": 1, "not a web page": 1}
    problems = "\n".join(report.problems)
    assert f"feed {missing}: HTTP 404" in problems and f"{missing}: {missing}" not in problems
    assert f"feed {not_xml}: not an RSS or Atom feed" in problems
    assert "huge.html: " in problems and "larger than" in problems and "timed out after 0.5 s" in problems
    assert [a.title for a in store.articles()] == ["Troops massed at the border"]


def test_old_articles_are_checked_rarely_and_retired(store: Store, web: WebServer) -> None:
    assert next_check(T0, None, T0 + timedelta(hours=1)) == T0 + timedelta(hours=1, minutes=15)
    assert next_check(T0, None, T0 + timedelta(hours=5)) == T0 + timedelta(hours=6)
    assert next_check(T0, None, T0 + timedelta(days=3)) == T0 + timedelta(days=3, hours=6)
    assert next_check(T0, T0 + timedelta(days=9), T0 + timedelta(days=9, hours=1)) == T0 + timedelta(
        days=9, hours=1, minutes=15
    )
    assert next_check(T0, None, T0 + timedelta(days=400)) is None
    story(web, "/news/a.html", "Troops massed at the border")
    feed = rss(web, [("A", "/news/a.html")])
    clock = Clock()
    watch_once(store, [feed], FAST, clock=clock)
    clock.advance(minutes=5)
    assert watch_once(store, [feed], FAST, clock=clock).checked == 0  # not due for 15 minutes
    clock.advance(days=500)
    assert watch_once(store, [feed], FAST, clock=clock).checked == 1  # unchanged for a day: checked on schedule
    clock.advance(days=500)
    assert watch_once(store, [feed], FAST, clock=clock).checked == 0  # unchanged for over a year: retired
    assert watch_once(store, [feed], FAST, clock=clock).checked == 0
    rss(web, [("A, updated", "/news/a.html")], etag='"feed-2"')
    web.routes["/feed.xml"].body = web.routes["/feed.xml"].body.replace(
        b"<title>A", b"<pubDate>Sat, 01 Mar 2025 08:00:00 GMT</pubDate><title>A"
    )
    assert watch_once(store, [feed], FAST, clock=clock).checked == 1  # the feed says it changed
    assert watch_once(store, [feed], WatchOptions(host_delay=0.0, check_all=True, jobs=1), clock=clock).checked == 1


def test_requests_to_one_host_are_spaced(store: Store, web: WebServer) -> None:
    for name in "abc":
        story(web, f"/news/{name}.html", f"Story {name}", [f"{p} ({name})" for p in STORY])
    feed = rss(web, [(name, f"/news/{name}.html") for name in "abc"])
    start = time.monotonic()
    report = watch_once(store, [feed], WatchOptions(host_delay=0.3, jobs=1))
    assert report.written == 3
    assert time.monotonic() - start >= 0.9  # the feed and three pages, 0.3 s apart


def test_the_loop_runs_passes_until_told_to_stop(store: Store, web: WebServer) -> None:
    story(web, "/news/a.html", "Troops massed at the border")
    feed = rss(web, [("A", "/news/a.html")])
    reports, naps = [], []
    watch(store, [feed], FAST, on_pass=reports.append, passes=2, sleep=naps.append, clock=Clock())
    assert [r.written for r in reports] == [1, 0] and naps == [900.0]


def test_cli_watch_once(store_path: Path, web: WebServer, run) -> None:
    story(web, "/news/a.html", "Troops massed at the border")
    feed = rss(web, [("A", "/news/a.html")])
    result = run("watch", feed, "--once", "--delay", "0")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "1 feed, 1 entry, 1 new article; 1 article checked; 1 record: 1 new version, 0 unchanged, 0 skipped\n"
    )
    again = run("watch", feed, "--once", "--delay", "0", "--all", "--json")
    counts = json.loads(again.stdout)
    assert (counts["feeds_not_modified"], counts["checked"], counts["written"]) == (1, 1, 0)
    bad = run("watch", "ftp://example.org/feed", "--once")
    assert bad.exit_code == 2 and bad.stderr == "Error: not an http(s) feed URL: 'ftp://example.org/feed'\n"
    with Store.open(store_path) as store:
        assert len(store.log()) == 1


def test_a_page_cut_short_is_skipped_as_incomplete_not_unreachable(store: Store, raw_server) -> None:
    page = article_html().encode("utf-8")
    link = raw_server.short_body("/news/cut.html", page, missing=len(page) // 2)
    item = f"<item><title>Cut</title><link>{link}</link></item>"
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>N</title>{item}</channel></rss>'
    feed = raw_server.whole("/feed.xml", body.encode(), content_type="application/rss+xml")
    report = watch_once(store, [feed], FAST, clock=Clock())
    assert report.skipped == {"incomplete": 1}, report.skipped
    assert len(report.problems) == 1 and "the body was incomplete" in report.problems[0], report.problems
    assert store.articles() == []
