"""Commands over the claim changes across the archive: changes, feed (docs/changes.md)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archive import ArticleNotFound
from archive.cli.context import F, emit, json_option, open_store, open_stores
from archive.present import terminal as render

if TYPE_CHECKING:
    from archive import Store, StoreSet


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


def _selection(store: Store | StoreSet, options: dict[str, Any]) -> Any:
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


@click.command()
@selection_options
@click.option("-n", "--limit", type=click.IntRange(min=0), default=0, help="At most N changes [default: all].")
@json_option
@click.pass_context
def changes(ctx: click.Context, /, limit: int, as_json: bool, **options: Any) -> None:
    """Every claim change across the archive, newest first: one line per change of a version from the one before.

    Substantive changes only, unless --all. Versions not compared yet are compared once and kept in the
    lookup cache (.git/archive), so the next listing of the same window is immediate. Several --store
    options list the changes of all, ids NAME:ID.
    """
    from archive import select_changes

    store = open_stores(ctx)
    found = select_changes(store, _selection(store, options), limit=limit or None, progress=_comparing)
    emit(as_json, lambda: render.changes_json(found), lambda: render.changes_text(found))


@click.command()
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

    store = open_store(ctx)
    write_feed(store, _selection(store, options), output, base_url, entries, progress=_comparing)
    click.echo(f"Wrote {render.printable(str(output))}", err=True)
