"""The ``archive`` command line: parses arguments, calls the API, prints the result.

Expected failures arrive as ``ArchiveError`` and are turned into one line on
stderr and the error's exit code, here and nowhere else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from archive import ArchiveError, ArticleNotFound, InvalidInput, Store, __version__, default_store_path, parse_time
from archive.present import terminal as render

if TYPE_CHECKING:
    from archive import IngestReport, StoreSet

# Commands import what only they need (the comparison engine, ingest, the
# viewer) when they run, so that `archive snapshot` does not pay for them.

F = TypeVar("F", bound=Callable[..., Any])


class ArchiveGroup(click.Group):
    """A click group that reports every expected failure as one ``Error: message`` line with its exit code.

    ``ArchiveError`` carries its own exit code; a usage error (a bad option or argument) exits 2, as
    click's do, but in one line that names the help to read instead of click's three.
    """

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            _usage_error(error)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArchiveError as error:
            click.echo(f"Error: {render.printable(str(error))}", err=True)
            ctx.exit(error.exit_code)
        except click.UsageError as error:
            _usage_error(error)


def _usage_error(error: click.UsageError) -> NoReturn:
    if isinstance(error, click.exceptions.NoArgsIsHelpError):  # `archive` alone: the help is the answer
        error.show()
        sys.exit(error.exit_code)
    command = error.ctx.command_path if error.ctx is not None else "archive"
    message = render.printable(error.format_message())
    click.echo(f"Error: {message} (see '{command} --help')", err=True)
    sys.exit(error.exit_code)


def json_option(command: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (shapes in docs/json.md).")(command)


def _emit(as_json: bool, data: Callable[[], Any], text: Callable[[], str]) -> None:
    click.echo(render.to_json(data()) if as_json else text())


def _store(ctx: click.Context) -> Store:
    if len(ctx.meta["stores"]) > 1:
        raise InvalidInput(f"`{ctx.command_path}` works on one store: give one --store")
    store = Store.open(ctx.obj)
    ctx.call_on_close(store.close)
    return store


def _stores(ctx: click.Context) -> Store | StoreSet:
    """The store, or the stores given with several --store options, read as one (``archive.StoreSet``)."""
    if len(ctx.meta["stores"]) == 1:
        return _store(ctx)
    from archive import StoreSet

    stores = StoreSet.open(ctx.meta["stores"])
    ctx.call_on_close(stores.close)
    return stores


def _read_only_store(ctx: click.Context) -> Store:
    """The store, opened so that nothing in it is written (the integrity commands; a read-only filesystem)."""
    if len(ctx.meta["stores"]) > 1:
        raise InvalidInput(f"`{ctx.command_path}` works on one store: give one --store")
    store = Store.open(ctx.obj, read_only=True)
    ctx.call_on_close(store.close)
    return store


def _article_and_version(store: Store, reference: str) -> tuple[str, str]:
    """Split ``ARTICLE[@VERSION]``; an ``@`` that belongs to the article's URL is kept."""
    try:
        return store.find_article(reference), "latest"
    except ArticleNotFound:
        if "@" not in reference:
            raise
    article, _, version = reference.rpartition("@")
    return store.find_article(article), version


@click.group(cls=ArchiveGroup)
@click.option(
    "--store",
    "store_paths",
    type=click.Path(path_type=Path),
    multiple=True,
    help="The store to use [default: $ARCHIVE_STORE, else ./snapshots]; repeated, several read as one "
    "(list, coverage; ids become NAME:ID, NAME the store folder's name).",
)
@click.version_option(__version__, prog_name="archive")
@click.pass_context
def cli(ctx: click.Context, store_paths: tuple[Path, ...]) -> None:
    """Keep a reproducible, auditable record of how news articles change."""
    ctx.obj = store_paths[0] if store_paths else default_store_path()
    ctx.meta["stores"] = store_paths or (ctx.obj,)


@cli.command()
@click.option("--bare", is_flag=True, help="No working tree: a commit's cost stays flat at any size (for bulk ingest).")
@click.option(
    "--sign-with",
    "key",
    type=click.Path(path_type=Path),
    help="Sign every version with this SSH key (see `archive sign`).",
)
@click.pass_context
def init(ctx: click.Context, bare: bool, key: Path | None) -> None:
    """Create the store (a git repository) if it does not exist yet."""
    from archive import sign as sign_store

    with Store.init(ctx.obj, bare=bare) as store:
        kind = "Bare archive store" if store.bare else "Archive store"
        if key is not None:
            result = sign_store(store, key)
            click.echo(render.signing_text(result))
        click.echo(f"{kind} ready at {store.path}")


@cli.command()
@click.option("--tsa", help="Make this the store's time-stamping authority (an RFC 3161 URL); with --ca-bundle.")
@click.option(
    "--ca-bundle",
    type=click.Path(path_type=Path),
    help="The certificates (PEM) the TSA's must chain to; verify checks every token against them.",
)
@json_option
@click.pass_context
def timestamp(ctx: click.Context, tsa: str | None, ca_bundle: Path | None, as_json: bool) -> None:
    """Get a trusted timestamp (RFC 3161) over the versions no timestamp covers yet; --tsa sets the authority."""
    from archive import timestamp as timestamp_store

    result = timestamp_store(_store(ctx), tsa, ca_bundle)
    _emit(as_json, lambda: dataclasses.asdict(result), lambda: render.timestamping_text(result))


@cli.command()
@click.option("--key", type=click.Path(path_type=Path), help="Make this SSH key the store's signing key, and allow it.")
@click.option(
    "--allowed-signers",
    type=click.Path(path_type=Path),
    help="Replace the store's allowed-signers file (ssh-keygen's format) with this one.",
)
@json_option
@click.pass_context
def sign(ctx: click.Context, key: Path | None, allowed_signers: Path | None, as_json: bool) -> None:
    """Sign every version that has no signature yet with the store's SSH key; --key sets that key."""
    from archive import sign as sign_store

    result = sign_store(_store(ctx), key, allowed_signers)
    _emit(as_json, lambda: dataclasses.asdict(result), lambda: render.signing_text(result))


@cli.command()
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

    store = _store(ctx)
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
    _emit(as_json, lambda: render.snapshot_json(result), lambda: render.snapshot_text(result))
    _after_write(store)


def _after_write(store: Store) -> None:
    """What a write could not do but did not need to (a timestamp: docs/evidence.md), then its notifications."""
    for notice in store.notices:
        click.echo(f"warning: {render.printable(notice)}", err=True)
    store.notices.clear()
    _notify(store)


def _notify(store: Store) -> None:
    """After a write is published: the notifications it calls for (docs/changes.md). A notifier that fails is a
    warning, never an error: what was stored stays stored, and the message stays queued for the next run."""
    from archive import notify_configured

    if not notify_configured(store):
        return
    from archive import notify_deliver

    try:
        delivery = notify_deliver(store)
    except (ArchiveError, OSError) as error:
        click.echo(f"warning: notifications not sent: {render.printable(str(error))}", err=True)
        return
    for failure in delivery.failures:
        click.echo(f"warning: {render.printable(failure)}", err=True)


@cli.command(name="list")
@click.option("-n", "--limit", type=click.IntRange(min=0), default=0, help="At most this many articles [default: all].")
@click.option("--after", metavar="ID", help="Start after this article id (the last one of the previous page).")
@json_option
@click.pass_context
def list_articles(ctx: click.Context, limit: int, after: str | None, as_json: bool) -> None:
    """Articles in id order: id, versions, first and last capture, title (of several stores: NAME:ID)."""
    articles = _stores(ctx).articles(limit or None, after)
    _emit(as_json, lambda: render.articles_json(articles), lambda: render.articles_text(articles))


@cli.command()
@click.argument("article")
@json_option
@click.pass_context
def history(ctx: click.Context, article: str, as_json: bool) -> None:
    """Every version of ARTICLE (id, URL, or a prefix of either)."""
    store = _store(ctx)
    versions = store.versions(store.find_article(article))
    _emit(as_json, lambda: render.history_json(versions), lambda: render.history_text(versions))


@cli.command()
@click.argument("reference", metavar="ARTICLE[@VERSION]")
@click.option("--raw", is_flag=True, help="Print the raw capture, byte for byte.")
@json_option
@click.pass_context
def show(ctx: click.Context, reference: str, raw: bool, as_json: bool) -> None:
    """Text and metadata of one version (VERSION: N, latest, latest~N, a date/time, or a commit prefix)."""
    store = _store(ctx)
    article, spec = _article_and_version(store, reference)
    version = store.version(article, spec)
    if raw:
        sys.stdout.buffer.write(store.raw(version))
        sys.stdout.buffer.flush()
        return
    text = store.text(version)
    _emit(as_json, lambda: render.version_json(version, text), lambda: render.version_text(version, text))


def versions_arguments(command: F) -> F:
    command = click.argument("new", required=False)(command)
    command = click.argument("old", required=False)(command)
    return click.argument("article")(command)


@cli.command()
@versions_arguments
@click.option(
    "--by",
    type=click.Choice(["word", "sentence"]),
    default="word",
    show_default=True,
    help="Word-level diff, or sentences aligned with claim changes.",
)
@click.option("--full", is_flag=True, help="Word diff: show unchanged paragraphs too.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write a self-contained side-by-side HTML page to this file.",
)
@json_option
@click.pass_context
def diff(
    ctx: click.Context,
    article: str,
    old: str | None,
    new: str | None,
    by: str,
    full: bool,
    html_path: Path | None,
    as_json: bool,
) -> None:
    """Differences between two versions of ARTICLE [default: the two latest; OLD alone: OLD to latest]."""
    store = _store(ctx)
    article_id = store.find_article(article)
    if by == "sentence" or html_path is not None:
        from archive import compare_versions
        from archive.present.html import comparison_page

        result = compare_versions(store, article_id, old, new)
        if html_path is not None:
            _write_page(store, html_path, comparison_page(result))
        if by == "sentence":
            _emit(as_json, lambda: render.sentence_diff_json(result), lambda: render.sentence_diff_text(result))
            return
    from archive import diff_versions

    words = diff_versions(store, article_id, old, new)
    _emit(as_json, lambda: render.word_diff_json(words), lambda: render.word_diff_text(words, full=full))


def _write_page(store: Store, path: Path, html: str) -> None:
    from archive.present.html import write_page

    write_page(store, path, html)
    click.echo(f"Wrote {render.printable(str(path))}", err=True)


@cli.command()
@versions_arguments
@click.option(
    "--kind",
    "kinds",
    metavar="KINDS",
    help="only these kinds of change, comma-separated: number,date,entity,quote,hedge,notice,rewritten,…",
)
@json_option
@click.pass_context
def claims(
    ctx: click.Context, article: str, old: str | None, new: str | None, kinds: str | None, as_json: bool
) -> None:
    """Only the substantive changes between two versions of ARTICLE: the claims that changed."""
    store = _store(ctx)
    from archive import compare_versions

    result = compare_versions(store, store.find_article(article), old, new)
    wanted = [kind.strip() for kind in kinds.split(",") if kind.strip()] if kinds else None
    _emit(
        as_json,
        lambda: render.claims_json(result, wanted),
        lambda: render.claims_text(result, wanted),
    )


@cli.command()
@click.argument("article")
@json_option
@click.pass_context
def timeline(ctx: click.Context, article: str, as_json: bool) -> None:
    """Every version of ARTICLE with how its coverage changed from the version before."""
    store = _store(ctx)
    from archive import timeline as article_timeline

    entries = article_timeline(store, store.find_article(article))
    _emit(as_json, lambda: render.timeline_json(entries), lambda: render.timeline_text(entries))


@cli.command()
@click.argument("term")
@json_option
@click.pass_context
def coverage(ctx: click.Context, term: str, as_json: bool) -> None:
    """Which articles mention TERM (a word, name or phrase), and how often, version by version."""
    from archive import term_coverage

    mentions = term_coverage(_stores(ctx), term)
    _emit(
        as_json,
        lambda: render.term_coverage_json(term, mentions),
        lambda: render.term_coverage_text(term, mentions),
    )


@cli.command()
@click.option("-n", "--limit", type=click.IntRange(min=0), default=50, show_default=True, help="0 for all.")
@json_option
@click.pass_context
def log(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Snapshots across all articles, newest first."""
    entries = _store(ctx).log(limit or None)
    _emit(as_json, lambda: render.log_json(entries), lambda: render.log_text(entries))


def selection_options(command: F) -> F:
    """The options that choose changes, shared by ``changes`` and ``feed``."""
    options = [
        click.option("--since", metavar="TIME", help="From this capture time: ISO 8601, or a duration back (30m, 1d)."),
        click.option("--until", metavar="TIME", help="Up to this capture time (same forms as --since)."),
        click.option("--article", metavar="ID", help="One article (id, URL), or every article whose id starts so."),
        click.option("--site", metavar="HOST", help="Only pages of this host and its subdomains."),
        click.option(
            "--kind",
            "kinds",
            metavar="KINDS",
            help="Only these kinds, comma-separated: number,quote,hedge,negation,entity,headline,notice,added,…",
        ),
        click.option("--all", "cosmetic", is_flag=True, help="Cosmetic changes too, not only substantive ones."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _selection(store: Store, options: dict[str, Any]) -> Any:
    """The API's Selection for ``selection_options``' values; InvalidInput for a bad time or kind."""
    from archive import Selection, parse_kinds, parse_moment

    since, until, article = options["since"], options["until"], options["article"]
    if article:
        with contextlib.suppress(ArticleNotFound):  # an id or URL becomes the article's id; a prefix stays
            article = store.find_article(article)
    return Selection(
        since=parse_moment(since) if since else None,
        until=parse_moment(until, end=True) if until else None,
        article=article,
        site=options["site"],
        kinds=parse_kinds(options["kinds"], store),
        cosmetic=options["cosmetic"],
    )


def _comparing(missing: int) -> None:
    if sys.stderr.isatty():
        click.echo(f"comparing {missing} versions not compared yet (kept in the lookup cache)…", err=True)


@cli.command()
@selection_options
@click.option("-n", "--limit", type=click.IntRange(min=0), default=0, help="At most N changes [default: all].")
@json_option
@click.pass_context
def changes(ctx: click.Context, /, limit: int, as_json: bool, **options: Any) -> None:
    """Every claim change across the archive, newest first: one line per change of a version from the one before.

    Substantive changes only, unless --all. Versions not compared yet are compared once and kept in the
    lookup cache (.git/archive), so the next listing of the same window is immediate.
    """
    from archive import select_changes

    store = _store(ctx)
    found = select_changes(store, _selection(store, options), limit=limit or None, progress=_comparing)
    _emit(as_json, lambda: render.changes_json(found), lambda: render.changes_text(found))


@cli.command()
@selection_options
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="The Atom file to write.")
@click.option(
    "--base-url",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Where the viewer (archive serve) answers: the entries link its diff pages.",
)
@click.option("-n", "--entries", type=click.IntRange(min=1), default=50, show_default=True, help="Versions shown.")
@click.pass_context
def feed(ctx: click.Context, /, output: Path, base_url: str, entries: int, **options: Any) -> None:
    """Write an Atom 1.0 feed of the changes (the selection of `archive changes`): one entry per version."""
    from archive import write_feed

    store = _store(ctx)
    write_feed(store, _selection(store, options), output, base_url, entries, progress=_comparing)
    click.echo(f"Wrote {render.printable(str(output))}", err=True)


@cli.group()
def notify() -> None:
    """Notifications of claim changes through Apprise URLs (kept in .git/archive, never committed or pushed)."""


@notify.command(name="add")
@click.argument("url")
@click.option("--kind", "kinds", metavar="KINDS", help="Only changes of these kinds (as archive changes --kind).")
@click.option("--site", "sites", multiple=True, metavar="HOST", help="Only pages of this host (repeatable).")
@click.option(
    "--viewer", default="http://127.0.0.1:8080", show_default=True, help="The viewer's address, for the links."
)
@click.pass_context
def notify_add(ctx: click.Context, url: str, kinds: str | None, sites: tuple[str, ...], viewer: str) -> None:
    """Send a message to URL (an Apprise URL: json://…, mailto://…, ntfy://…) for each new version with changes."""
    from archive import notify_add as add_target

    target = add_target(_store(ctx), url, kinds, sites, viewer)
    click.echo(f"Added {target.id}: {render.printable(target.shown())} (versions recorded from now on)")


@notify.command(name="list")
@json_option
@click.pass_context
def notify_list(ctx: click.Context, as_json: bool) -> None:
    """The notification targets (passwords masked), with their messages sent and queued."""
    from archive import notify_counts, notify_targets

    store = _store(ctx)
    found, counts = notify_targets(store), notify_counts(store)
    _emit(
        as_json,
        lambda: render.notify_json(found, counts),
        lambda: render.notify_text(found, counts),
    )


@notify.command(name="remove")
@click.argument("target", metavar="ID|URL")
@click.pass_context
def notify_remove(ctx: click.Context, target: str) -> None:
    """Stop notifying TARGET."""
    from archive import notify_remove as remove_target

    removed = remove_target(_store(ctx), target)
    click.echo(f"Removed {removed.id}: {render.printable(removed.shown())}")


@notify.command(name="test")
@click.argument("target", metavar="[ID|URL]", required=False)
@click.pass_context
def notify_test(ctx: click.Context, target: str | None) -> None:
    """Send a sample message to every target (or TARGET); exit 4 naming the first that fails."""
    from archive import notify_test as test_targets

    for sent in test_targets(_store(ctx), target):
        click.echo(f"Sent a test message to {sent.id}: {render.printable(sent.shown())}")


@notify.command(name="retry")
@click.pass_context
def notify_retry(ctx: click.Context) -> None:
    """Send what is queued (messages whose notifier failed, versions not announced yet); exit 4 if any fails."""
    from archive import NotifierFailed, notify_deliver

    delivery = notify_deliver(_store(ctx))
    for failure in delivery.failures[:-1]:
        click.echo(f"warning: {render.printable(failure)}", err=True)
    if delivery.failures:
        raise NotifierFailed(delivery.failures[-1])
    click.echo(f"{delivery.sent} notification{'s' if delivery.sent != 1 else ''} sent")


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0 picks a free port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; loopback keeps it private.")
@click.pass_context
def serve(ctx: click.Context, port: int, host: str) -> None:
    """Browse the archive in a web browser: a local, read-only viewer."""
    from archive import make_server

    server = make_server(_store(ctx), host, port)
    bound_host, bound_port = str(server.server_address[0]), server.server_address[1]
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: serving on {host}, reachable from other machines.", err=True)
    click.echo(f"Serving {ctx.obj} at http://{bound_host}:{bound_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


# --- ingest at scale: import, watch, push, pull (see docs/ingest.md) ------------------------------


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
    _emit(as_json, lambda: render.ingest_json(report), lambda: text(report))
    ctx.exit(1 if report.problems else 0)


@cli.command(name="import")
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
    store = _store(ctx)
    try:
        report = import_sources(store, sources, progress=bar.update, jobs=jobs, scanned=bar.start)
    finally:
        bar.finish()
    _after_write(store)
    _finish_bulk(ctx, report, as_json)


@cli.command()
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
    store = _store(ctx)
    if once:
        bar = _ProgressBar("checking", position=lambda report: int(report.checked))
        try:
            report: WatchReport = watch_once(store, feeds, options, progress=bar.update, started=bar.start)
        finally:
            bar.finish()
        _after_write(store)
        _finish_bulk(ctx, report, as_json, render.watch_text)
        return

    def each_pass(report: WatchReport) -> None:
        for line in [*report.problems, *report.notices]:
            click.echo(f"warning: {render.printable(line)}", err=True)
        _emit(as_json, lambda: render.ingest_json(report), lambda: render.watch_text(report))
        _after_write(store)

    try:
        watch_feeds(store, feeds, options, on_pass=each_pass, interval=timedelta(minutes=interval))
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@cli.command()
@json_option
@click.pass_context
def maintenance(ctx: click.Context, as_json: bool) -> None:
    """Pack the store's objects with deltas (git repack), write the commit-graph, compact the lookup cache.

    Safe to run again, and beside other commands: writers wait for it.
    """
    from archive import maintain

    result = maintain(_store(ctx))
    _emit(as_json, lambda: dataclasses.asdict(result), lambda: render.maintenance_text(result))


@cli.command()
@click.argument("remote", default="origin")
@json_option
@click.pass_context
def pull(ctx: click.Context, remote: str, as_json: bool) -> None:
    """Bring in the versions another collector pushed to REMOTE (a git remote name, URL or path).

    This store's own versions that REMOTE lacks are recorded again after them.
    """
    from archive import pull as pull_store

    result = pull_store(_store(ctx), remote)
    _emit(as_json, lambda: dataclasses.asdict(result), lambda: render.pull_text(result))


@cli.command()
@click.argument("remote", default="origin")
@json_option
@click.pass_context
def push(ctx: click.Context, remote: str, as_json: bool) -> None:
    """Send this store's versions to REMOTE (a git remote name, URL or path; best a bare repository)."""
    from archive import push as push_store

    result = push_store(_store(ctx), remote)
    _emit(as_json, lambda: dataclasses.asdict(result), lambda: render.push_text(result))


# --- integrity: verify, audit, reproduce, rebuild, export (see docs/audit.md) ---------------------


@cli.command()
@click.option(
    "--since-verified",
    is_flag=True,
    help="Check only what was added since the last verify --since-verified that found no problem "
    "(for cron jobs on big archives; the whole history, and git fsck, when there is none). Records the head "
    "for the next time in the store's .git/archive/.",
)
@json_option
@click.pass_context
def verify(ctx: click.Context, since_verified: bool, as_json: bool) -> None:
    """Check that every version is genuine and the history whole; exit 1 listing every problem found."""
    from archive import verify as verify_store
    from archive.present import reports

    result = verify_store(_read_only_store(ctx), since_verified=since_verified)
    _emit(as_json, lambda: reports.verification_json(result), lambda: reports.verification_text(result))
    ctx.exit(0 if result.ok else 1)


@cli.command()
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report as one self-contained HTML page to this file.",
)
@json_option
@click.pass_context
def audit(ctx: click.Context, html_path: Path | None, as_json: bool) -> None:
    """A report of the archive's history for a reviewer, with the verification; exit 1 if verification fails."""
    from archive import audit_report
    from archive.present import reports
    from archive.present.audit_html import audit_page

    store = _read_only_store(ctx)
    result = audit_report(store)
    if html_path is not None:
        _write_page(store, html_path, audit_page(result))
    _emit(as_json, lambda: reports.audit_json(result), lambda: reports.audit_text(result))
    ctx.exit(0 if result.ok else 1)


@cli.command()
@click.argument("articles", nargs=-1, metavar="[ARTICLE]...")
@click.option("-v", "--verbose", is_flag=True, help="List every version, not only those that did not reproduce.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes [default: one per core].")
@json_option
@click.pass_context
def reproduce(ctx: click.Context, articles: tuple[str, ...], verbose: bool, jobs: int | None, as_json: bool) -> None:
    """Re-extract every stored raw capture (of ARTICLEs, default all) and check it gives the stored text."""
    from archive import reproduce as reproduce_store
    from archive.present import reports

    result = reproduce_store(_read_only_store(ctx), articles, jobs=jobs)
    _emit(as_json, lambda: reports.reproduction_json(result), lambda: reports.reproduction_text(result, verbose))
    ctx.exit(0 if result.ok else 1)


@cli.command()
@click.option(
    "--into", required=True, type=click.Path(path_type=Path), help="The new store (a new or empty directory)."
)
@click.option("--stored-text", is_flag=True, help="Use the stored text for versions whose re-extraction differs.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes [default: one per core].")
@json_option
@click.pass_context
def rebuild(ctx: click.Context, into: Path, stored_text: bool, jobs: int | None, as_json: bool) -> None:
    """Replay every raw capture into a new store; exit 1 unless every commit id comes out the same."""
    from archive import rebuild as rebuild_store
    from archive.present import reports

    result = rebuild_store(_read_only_store(ctx), into, stored_text=stored_text, jobs=jobs)
    _emit(as_json, lambda: reports.rebuild_json(result), lambda: reports.rebuild_text(result))
    ctx.exit(0 if result.identical else 1)


@cli.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["bagit", "warc", "jsonl", "sqlite", "wacz"]),
    required=True,
    help="bagit: a BagIt bag (TARGET a new directory); warc: a WARC/1.1 file (.warc or .warc.gz); "
    "jsonl: one line per version; sqlite: a SQLite database for Datasette (articles, versions, sentences, changes); "
    "wacz: a WACZ file (the WARC export, indexed) for ReplayWeb.page and pywb.",
)
@click.option("--force", is_flag=True, help="Replace TARGET if it exists (a file, or an earlier bag).")
@json_option
@click.pass_context
def export(ctx: click.Context, target: Path, export_format: str, force: bool, as_json: bool) -> None:
    """Write every version to TARGET for other tools: a BagIt bag, a WARC or WACZ file, JSON Lines or SQLite."""
    from archive import export as export_store
    from archive.present import reports

    result = export_store(_read_only_store(ctx), export_format, target, force=force)
    _emit(as_json, lambda: reports.export_json(result), lambda: reports.export_text(result))


@cli.group(cls=ArchiveGroup)
def rules() -> None:
    """Noise rules per site or article, kept in the store as rules.yaml (docs/rules.md)."""


@rules.command(name="check")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.pass_context
def rules_check(ctx: click.Context, file: Path | None) -> None:
    """Check a rules FILE (default: the store's rules.yaml); each problem on one line with file, line and rule."""
    from archive import rules_problems

    store = _read_only_store(ctx) if file is None else None
    name, problems = rules_problems(store, file)
    for problem in problems:
        click.echo(f"Error: {render.printable(problem)}", err=True)
    if problems:
        ctx.exit(2)
    click.echo(f"{render.printable(name)}: the rules are valid")


@rules.command(name="set")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--at", help="The commit's date [default: the date of the store's latest commit].")
@click.pass_context
def rules_set(ctx: click.Context, file: Path, at: str | None) -> None:
    """Check FILE and commit it as the store's rules.yaml, in a commit of its own."""
    from archive import set_rules

    change = set_rules(_store(ctx), file, parse_time(at, end_of_day=False) if at is not None else None)
    from archive.present import rules as shown

    click.echo(shown.change_text(change))


@rules.command(name="remove")
@click.option("--at", help="The commit's date [default: the date of the store's latest commit].")
@click.pass_context
def rules_remove(ctx: click.Context, at: str | None) -> None:
    """Remove the store's rules.yaml, in a commit of its own; later captures are read without rules."""
    from archive import set_rules

    change = set_rules(_store(ctx), None, parse_time(at, end_of_day=False) if at is not None else None)
    from archive.present import rules as shown

    click.echo(shown.change_text(change))


@rules.command(name="test")
@click.argument("source")
@click.option("--id", "article_id", help="Compare with this article [default: the one snapshot would choose].")
@click.option("--url", help="The page's URL, for a file or stdin (it chooses the site's rules).")
@click.option("--rules", "rules_path", type=click.Path(path_type=Path), help="Try this rules file instead.")
@click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True, help="URL fetch timeout (s)."
)
@json_option
@click.pass_context
def rules_test(
    ctx: click.Context,
    source: str,
    article_id: str | None,
    url: str | None,
    rules_path: Path | None,
    timeout: float,
    as_json: bool,
) -> None:
    """What extraction and the rules make of SOURCE, and the stored version it differs from; stores nothing."""
    from archive import test_rules
    from archive.present import rules as shown

    result = test_rules(
        _read_only_store(ctx),
        source,
        article_id=article_id,
        url=url,
        rules_path=rules_path,
        stdin=sys.stdin.buffer,
        timeout=timeout,
    )
    _emit(as_json, lambda: shown.test_json(result), lambda: shown.test_text(result))
