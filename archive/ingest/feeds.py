"""``archive watch``: follow news feeds and snapshot their articles, new ones often, old ones rarely.

A pass reads every feed (RSS or Atom, by feedparser), learns the articles its
entries link to, and fetches each article that is due; the pages fetched are
stored through the bulk path (``archive.ingest.engine``), extracted on every core.
Articles are rechecked on a schedule like NewsDiffs': the longer an article
has gone unchanged, the less often it is checked (``SCHEDULE``), and one that
changes becomes hot again. Feeds and pages are fetched with conditional GET
(ETag, Last-Modified), one host at a time with a pause between requests to
it, hosts in parallel. What a pass learns (validators, the schedule) lives in
``.git/archive/watch.json``: local state, never committed, so the history
only ever holds what was captured. A feed or page that fails is reported and
skipped; it never stops the rest. See docs/ingest.md.
"""

from __future__ import annotations

import json
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit, urlunsplit

import feedparser

from archive.capture.fetch import DEFAULT_TIMEOUT, MAX_BYTES, Capture, Fetched, fetch, is_url
from archive.errors import ArchiveError, InvalidInput, SourceUnavailable
from archive.ingest.engine import IngestReport, Pending, ingest
from archive.model import format_time, parse_time
from archive.store.lock import exclusive
from archive.store.repository import Store
from archive.store.writer import AddResult

__all__ = [
    "SCHEDULE",
    "STATE_FILE",
    "WatchOptions",
    "WatchReport",
    "next_check",
    "watch_once",
    "watch",
]

# How long an article may have gone unchanged -> how soon to check it again. Past the last row it is retired:
# checked again only when a feed shows its entry updated (or with --all).
SCHEDULE: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=3), timedelta(minutes=15)),
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=7), timedelta(hours=6)),
    (timedelta(days=30), timedelta(days=1)),
    (timedelta(days=365), timedelta(days=30)),
)
STATE_FILE = "watch.json"
_STATE_FORMAT = 1
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
PAGE_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"
# Hosts fetched at once; each host is still fetched one request at a time.
MAX_HOSTS_AT_ONCE = 8

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def next_check(first_seen: datetime, changed_at: datetime | None, checked_at: datetime) -> datetime | None:
    """When to check an article again after checking it at ``checked_at`` (None: retired)."""
    quiet = checked_at - max(first_seen, changed_at or first_seen)
    for limit, interval in SCHEDULE:
        if quiet < limit:
            return checked_at + interval
    return None


@dataclass(frozen=True)
class WatchOptions:
    """How politely and how long to wait: per request timeout, pause between requests to one host, size cap."""

    timeout: float = DEFAULT_TIMEOUT
    host_delay: float = 1.0
    max_bytes: int = MAX_BYTES
    check_all: bool = False  # fetch every known article, whatever the schedule says
    jobs: int | None = None  # extraction worker processes (default: one per core)


@dataclass
class WatchReport(IngestReport):
    """An ingest report plus what happened to the feeds and the conditional GETs."""

    feeds: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    entries: int = 0
    new_articles: int = 0
    due: int = 0  # articles to fetch this pass
    checked: int = 0  # of those, fetched so far (whatever the answer)
    not_modified: int = 0  # of those, answered 304

    def extra_counts(self) -> dict[str, int]:
        names = ("feeds", "feeds_not_modified", "feeds_failed", "entries", "new_articles", "due", "checked")
        return {name: int(getattr(self, name)) for name in (*names, "not_modified")}


@dataclass(frozen=True)
class _Fetched:
    """A page fetched by the watcher, handed to the ingest workers (picklable)."""

    page: Capture

    def load(self) -> Capture:
        return self.page


@dataclass
class _State:
    """``.git/archive/watch.json``: per feed and per article, the validators and the schedule."""

    feeds: dict[str, dict[str, Any]] = field(default_factory=dict)
    articles: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> _State:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError):
            return cls()  # local, rebuildable state: a damaged file only costs one full pass
        if not isinstance(data, dict) or data.get("format") != _STATE_FORMAT:
            return cls()
        return cls(dict(data.get("feeds") or {}), dict(data.get("articles") or {}))

    def save(self, path: Path) -> None:
        data = {"format": _STATE_FORMAT, "feeds": self.feeds, "articles": self.articles}
        descriptor, temporary = tempfile.mkstemp(prefix="tmp_watch_", dir=path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle, sort_keys=True, indent=1, ensure_ascii=False)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def clean_link(link: str) -> str:
    """An entry's link without its fragment and tracking parameters, so one article is one URL."""
    url, _ = urldefrag(link.strip())
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")]
    return urlunsplit(parts._replace(query=urlencode(query)))


class _Pacer:
    """At most one request to a host every ``delay`` seconds, whichever thread asks."""

    def __init__(self, delay: float) -> None:
        self._delay = delay
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            start = max(time.monotonic(), self._next.get(host, 0.0))
            self._next[host] = start + self._delay
        time.sleep(max(0.0, start - time.monotonic()))


def _fetch_all(
    urls: Sequence[str], get: Callable[[str], Fetched], pacer: _Pacer, clock: Clock
) -> Iterator[tuple[str, Fetched | ArchiveError, datetime]]:
    """Fetch every URL, hosts in parallel and each host's URLs one after another; yield as answers come."""
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(urlsplit(url).netloc.lower(), []).append(url)
    answers: queue.Queue[tuple[str, Fetched | ArchiveError, datetime]] = queue.Queue()

    def work(host_urls: list[str]) -> None:
        for url in host_urls:
            pacer.wait(url)
            try:
                answer: Fetched | ArchiveError = get(url)
            except ArchiveError as error:
                answer = error
            answers.put((url, answer, clock()))

    if not urls:
        return
    with ThreadPoolExecutor(max_workers=min(MAX_HOSTS_AT_ONCE, len(by_host))) as pool:
        for host_urls in by_host.values():
            pool.submit(work, host_urls)
        for _ in range(len(urls)):
            yield answers.get()


class Watcher:
    """Passes over a set of feeds for one store, holding ``.git/archive/watch.lock`` so only one watcher runs."""

    def __init__(self, store: Store, feeds: Sequence[str], options: WatchOptions, clock: Clock = _now) -> None:
        for feed in feeds:
            if not is_url(feed):
                raise InvalidInput(f"not an http(s) feed URL: {feed!r}")
        if not feeds:
            raise InvalidInput("give at least one feed URL")
        self.store = store
        self.feeds = list(dict.fromkeys(feeds))
        self.options = options
        self.clock = clock
        self._state_path = store.private_dir / STATE_FILE
        self._pacer = _Pacer(options.host_delay)

    def first_due(self, latest: datetime) -> datetime:
        """When the first article the state knows falls due for a check; ``latest`` if none is due before."""
        wake = latest
        for article in _State.load(self._state_path).articles.values():
            if article.get("next_check"):
                wake = min(wake, parse_time(article["next_check"], end_of_day=False))
        return wake

    def run_pass(
        self,
        progress: Callable[[WatchReport], None] | None = None,
        started: Callable[[WatchReport], None] | None = None,
    ) -> WatchReport:
        """Read the feeds, fetch the articles that are due, store what changed, save the state."""
        report = WatchReport()
        state = _State.load(self._state_path)
        now = self.clock()
        fresh: set[str] = set()
        for feed, answer, _ in _fetch_all(self.feeds, self._getter(state.feeds, FEED_ACCEPT), self._pacer, self.clock):
            report.feeds += 1
            self._read_feed(feed, answer, state, report, fresh, now)
        due = [
            url for url, article in state.articles.items() if self.options.check_all or _due(article, now, url in fresh)
        ]
        report.due = report.expected = len(due)
        if started is not None:
            started(report)
        pending: list[Pending] = []
        answered: dict[str, Fetched] = {}
        for url, answer, fetched_at in _fetch_all(
            due, self._getter(state.articles, PAGE_ACCEPT), self._pacer, self.clock
        ):
            report.checked += 1
            article = state.articles[url]
            if isinstance(answer, ArchiveError):
                report.skip(_reason(answer), _about(url, answer))  # not a check: still due, tried next pass
            elif answer.not_modified:
                report.records += 1
                report.unchanged += 1
                report.not_modified += 1
                _reschedule(article, fetched_at, changed=False)
            else:
                try:
                    page = answer.capture(source="feed")
                except ArchiveError as error:
                    report.skip(_reason(error), _about(url, error))
                    _reschedule(article, fetched_at, changed=False)
                else:
                    answered[url] = answer
                    pending.append(Pending(fetched_at, _Fetched(page), url))
            if progress is not None:
                progress(report)

        stored_urls: set[str] = set()

        def stored(capture: Pending, result: AddResult) -> None:
            stored_urls.add(capture.label)
            article, answer = state.articles[capture.label], answered[capture.label]
            # Validators are kept only once the page is safely stored: a 304 must never hide a page we lost.
            article["etag"], article["last_modified"] = answer.etag, answer.last_modified
            _reschedule(article, capture.captured_at, changed=result.created)

        try:
            ingest(self.store, pending, report=report, on_result=stored, jobs=self.options.jobs)
        finally:
            for capture in pending:
                if capture.label not in stored_urls:  # read but not stored (no article text): not again at once
                    _reschedule(state.articles[capture.label], capture.captured_at, changed=False)
            state.save(self._state_path)
        return report

    def _getter(self, known: dict[str, dict[str, Any]], accept: str) -> Callable[[str], Fetched]:
        """A conditional GET with the validators ``known`` holds for each URL."""

        def get(url: str) -> Fetched:
            validators = known.get(url, {})
            return fetch(
                url,
                etag=validators.get("etag"),
                last_modified=validators.get("last_modified"),
                accept=accept,
                timeout=self.options.timeout,
                max_bytes=self.options.max_bytes,
            )

        return get

    def _read_feed(
        self,
        feed: str,
        answer: Fetched | ArchiveError,
        state: _State,
        report: WatchReport,
        fresh: set[str],
        now: datetime,
    ) -> None:
        known = state.feeds.setdefault(feed, {})
        if isinstance(answer, ArchiveError):
            report.feeds_failed += 1
            report.problems.append(f"feed {_about(feed, answer)}")
            return
        if answer.not_modified:
            report.feeds_not_modified += 1
            return
        parsed = feedparser.parse(answer.body, response_headers={"content-location": answer.final_url})
        if not parsed.get("version") and not parsed.entries:
            report.feeds_failed += 1
            cause = parsed.get("bozo_exception")
            detail = f" ({str(cause).splitlines()[0]})" if cause else ""
            report.problems.append(f"feed {feed}: not an RSS or Atom feed{detail}")
            return
        known.update(etag=answer.etag, last_modified=answer.last_modified, read_at=format_time(now))
        for entry in parsed.entries:
            report.entries += 1
            link = entry.get("link") or ""
            if not is_url(link):
                title = entry.get("title") or entry.get("id") or "untitled"
                if parsed.get("bozo") and not entry:  # an empty entry where the XML breaks off
                    report.skip("feed cut off", f"feed {feed}: cut off or malformed at entry {report.entries} "
                                f"({str(parsed.get('bozo_exception')).splitlines()[0]})")  # fmt: skip
                    continue
                report.skip("entry with no link", f"feed {feed}: entry {title!r} has no http(s) link")
                continue
            url = clean_link(link)
            # dict.get: feedparser's own get() maps a missing "updated" to "published" with a warning.
            updated = dict.get(entry, "updated") or dict.get(entry, "published")
            article = state.articles.get(url)
            if article is None:
                report.new_articles += 1
                state.articles[url] = {"feed": feed, "first_seen": format_time(now), "entry_updated": updated}
                fresh.add(url)
            elif updated and updated != article.get("entry_updated"):
                article["entry_updated"] = updated
                fresh.add(url)  # the feed says it changed: check now, whatever the schedule


def _due(article: dict[str, Any], now: datetime, fresh: bool) -> bool:
    if fresh or article.get("checked_at") is None:
        return True
    upcoming = article.get("next_check")
    return upcoming is not None and parse_time(upcoming, end_of_day=False) <= now


def _reschedule(article: dict[str, Any], checked_at: datetime, changed: bool) -> None:
    if changed:
        article["changed_at"] = format_time(checked_at)
    article["checked_at"] = format_time(checked_at)
    first_seen = parse_time(article["first_seen"], end_of_day=False)
    changed_at = parse_time(article["changed_at"], end_of_day=False) if article.get("changed_at") else None
    upcoming = next_check(first_seen, changed_at, checked_at)
    article["next_check"] = format_time(upcoming) if upcoming else None


def _about(url: str, error: ArchiveError) -> str:
    """``url: what went wrong``, once: fetch errors already begin with the URL they are about."""
    message = str(error)
    return message if message.startswith(url) else f"{url}: {message}"


def _reason(error: ArchiveError) -> str:
    message = str(error)
    if "larger than" in message:
        return "too large"
    if "timed out" in message:
        return "timed out"
    if "not a web page" in message:
        return "not a web page"
    if "body was incomplete" in message:
        return "incomplete"
    return "unreachable" if isinstance(error, SourceUnavailable) else "failed"


def _only_watcher(store: Store) -> AbstractContextManager[None]:
    """One watcher per store: two would fetch everything twice and overwrite each other's state."""
    return exclusive(store.private_dir / "watch.lock", 0, f"another `archive watch` is running on {store.path}")


def watch_once(
    store: Store,
    feeds: Sequence[str],
    options: WatchOptions | None = None,
    progress: Callable[[WatchReport], None] | None = None,
    started: Callable[[WatchReport], None] | None = None,
    clock: Clock = _now,
) -> WatchReport:
    """One pass over ``feeds`` (what cron runs): every new article, and every known one that is due."""
    watcher = Watcher(store, feeds, options or WatchOptions(), clock)  # bad input changes nothing: checked first
    with _only_watcher(store):
        return watcher.run_pass(progress, started)


def watch(
    store: Store,
    feeds: Sequence[str],
    options: WatchOptions | None = None,
    on_pass: Callable[[WatchReport], None] | None = None,
    passes: int | None = None,
    interval: timedelta = timedelta(minutes=15),
    clock: Clock = _now,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Pass after pass: the feeds are read at least every ``interval``, sooner when an article falls due."""
    watcher = Watcher(store, feeds, options or WatchOptions(), clock)  # bad input changes nothing: checked first
    with _only_watcher(store):
        done = 0
        while passes is None or done < passes:
            report = watcher.run_pass()
            done += 1
            if on_pass is not None:
                on_pass(report)
            if passes is not None and done >= passes:
                return
            sleep(max(1.0, (watcher.first_due(clock() + interval) - clock()).total_seconds()))
