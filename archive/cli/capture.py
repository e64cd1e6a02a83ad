"""Commands that capture articles into the store: snapshot, import, watch (docs/ingest.md)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from archive import parse_time
from archive.cli.context import after_write, emit, json_option, open_store
from archive.present import terminal as render

if TYPE_CHECKING:
    from archive import IngestReport


@click.command()
@click.argument("source")
@click.option("--url", help="The article's URL, for a file or stdin capture.")
@click.option("--id", "article_id", help="Store under this article id instead of one derived from URL or title.")
@click.option("--title", help="Override the extracted title.")
@click.option("--author", "authors", multiple=True, help="Override the extracted byline (repeatable).")
@click.option("--published", help="Override the published date (ISO 8601).")
@click.option("--at", help="Capture time to record, for older captures [default: now].")
@click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True, help="URL fetch timeout (s)."
)
@json_option
@click.pass_context
def snapshot(
    ctx: click.Context,
    source: str,
    url: str | None,
    article_id: str | None,
    title: str | None,
    authors: tuple[str, ...],
    published: str | None,
    at: str | None,
    timeout: float,
    as_json: bool,
) -> None:
    """Capture SOURCE (a URL, a file, or - for stdin) as the article's next version."""
    from archive import snapshot as snapshot_article

    store = open_store(ctx)
    result = snapshot_article(
        store,
        source,
        url=url,
        article_id=article_id,
        title=title,
        authors=authors or None,
        published=published,
        at=parse_time(at, end_of_day=False) if at is not None else None,
        stdin=sys.stdin.buffer,
        timeout=timeout,
    )
    for warning in render.snapshot_warnings(result, source):
        click.echo(warning, err=True)
    emit(as_json, lambda: render.snapshot_json(result), lambda: render.snapshot_text(result))
    after_write(store)


class _ProgressBar:
    """A progress bar on stderr while a bulk command runs, only when stderr is a terminal."""

    def __init__(self, label: str, position: Callable[[Any], int] | None = None) -> None:
        self._label = label
        self._bar: Any = None
        self._done = 0
        self._position: Callable[[Any], int] = position or (lambda report: report.records)

    def start(self, report: IngestReport) -> None:
        if sys.stderr.isatty() and report.expected:
            self._bar = click.progressbar(
                length=report.expected,
                label=self._label,
                file=sys.stderr,
                show_eta=True,
                item_show_func=lambda _: self._counts(report),
            )
            self._bar.__enter__()
            self.update(report)

    def update(self, report: IngestReport) -> None:
        position = self._position(report)
        if self._bar is not None and position > self._done:
            self._bar.update(position - self._done, report)
            self._done = position

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    @staticmethod
    def _counts(report: IngestReport) -> str:
        return f"{report.written} written, {report.unchanged} unchanged, {report.skipped_total} skipped"


def _finish_bulk(
    ctx: click.Context, report: IngestReport, as_json: bool, text: Callable[[Any], str] = render.ingest_text
) -> None:
    """Problems and notices on stderr, the one-line summary (or JSON) on stdout; exit 1 if anything was damaged
    or failed."""
    for line in [*report.problems, *report.notices]:
        click.echo(f"warning: {render.printable(line)}", err=True)
    emit(as_json, lambda: render.ingest_json(report), lambda: text(report))
    ctx.exit(1 if report.problems else 0)


@click.command(name="import")
@click.argument("sources", nargs=-1, required=True, metavar="FILE.warc[.gz]|DIR...")
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes for extraction [default: one per core]."
)
@json_option
@click.pass_context
def import_(ctx: click.Context, sources: tuple[str, ...], jobs: int | None, as_json: bool) -> None:
    """Import web captures (WARC files) and folders of saved pages, oldest capture first.

    Every HTML response becomes a version at its capture time; anything else is
    counted and skipped. Importing the same sources again adds nothing.
    """
    from archive import import_sources

    bar = _ProgressBar("importing")
    store = open_store(ctx)
    try:
        report = import_sources(store, sources, progress=bar.update, jobs=jobs, scanned=bar.start)
    finally:
        bar.finish()
    after_write(store)
    _finish_bulk(ctx, report, as_json)


@click.command()
@click.argument("feeds", nargs=-1, required=True, metavar="FEED_URL...")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron); default: keep watching.")
@click.option("--all", "check_all", is_flag=True, help="Check every known article now, whatever the schedule says.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True, help="Per request (s).")
@click.option(
    "--delay",
    type=click.FloatRange(min=0.0),
    default=1.0,
    show_default=True,
    help="Pause between requests to a host (s).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=1.0),
    default=15.0,
    show_default=True,
    help="Read the feeds every N minutes.",
)
@click.option(
    "--max-size", type=click.FloatRange(min=0.01), default=20.0, show_default=True, help="Page size cap (MiB)."
)
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes for extraction [default: one per core]."
)
@json_option
@click.pass_context
def watch(
    ctx: click.Context,
    feeds: tuple[str, ...],
    once: bool,
    check_all: bool,
    timeout: float,
    delay: float,
    interval: float,
    max_size: float,
    jobs: int | None,
    as_json: bool,
) -> None:
    """Follow RSS/Atom feeds: snapshot every entry's article, recent ones often and old ones rarely.

    The schedule and the HTTP validators live in .git/archive/watch.json (never committed).
    """
    from datetime import timedelta

    from archive import WatchOptions, WatchReport, watch_once
    from archive import watch as watch_feeds

    options = WatchOptions(
        timeout=timeout, host_delay=delay, max_bytes=int(max_size * 1024 * 1024), check_all=check_all, jobs=jobs
    )
    store = open_store(ctx)
    if once:
        bar = _ProgressBar("checking", position=lambda report: int(report.checked))
        try:
            report: WatchReport = watch_once(store, feeds, options, progress=bar.update, started=bar.start)
        finally:
            bar.finish()
        after_write(store)
        _finish_bulk(ctx, report, as_json, render.watch_text)
        return

    def each_pass(report: WatchReport) -> None:
        for line in [*report.problems, *report.notices]:
            click.echo(f"warning: {render.printable(line)}", err=True)
        emit(as_json, lambda: render.ingest_json(report), lambda: render.watch_text(report))
        after_write(store)

    try:
        watch_feeds(store, feeds, options, on_pass=each_pass, interval=timedelta(minutes=interval))
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
