"""Commands that read the store: list, history, show, diff, claims, timeline, coverage, log."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive import ArticleNotFound
from archive.cli.context import F, emit, json_option, open_store, open_stores, write_page
from archive.present import terminal as render

if TYPE_CHECKING:
    from archive import Store


def _article_and_version(store: Store, reference: str) -> tuple[str, str]:
    """Split ``ARTICLE[@VERSION]``; an ``@`` that belongs to the article's URL is kept."""
    try:
        return store.find_article(reference), "latest"
    except ArticleNotFound:
        if "@" not in reference:
            raise
    article, _, version = reference.rpartition("@")
    return store.find_article(article), version


@click.command(name="list")
@click.option("-n", "--limit", type=click.IntRange(min=0), default=0, help="At most this many articles [default: all].")
@click.option("--after", metavar="ID", help="Start after this article id (the last one of the previous page).")
@json_option
@click.pass_context
def list_articles(ctx: click.Context, limit: int, after: str | None, as_json: bool) -> None:
    """Articles in id order: id, versions, first and last capture, title (of several stores: NAME:ID)."""
    articles = open_stores(ctx).articles(limit or None, after)
    emit(as_json, lambda: render.articles_json(articles), lambda: render.articles_text(articles))


@click.command()
@click.argument("article")
@json_option
@click.pass_context
def history(ctx: click.Context, article: str, as_json: bool) -> None:
    """Every version of ARTICLE (id, URL, or a prefix of either)."""
    store = open_store(ctx)
    versions = store.versions(store.find_article(article))
    emit(as_json, lambda: render.history_json(versions), lambda: render.history_text(versions))


@click.command()
@click.argument("reference", metavar="ARTICLE[@VERSION]")
@click.option("--raw", is_flag=True, help="Print the raw capture, byte for byte.")
@json_option
@click.pass_context
def show(ctx: click.Context, reference: str, raw: bool, as_json: bool) -> None:
    """Text and metadata of one version (VERSION: N, latest, latest~N, a date/time, or a commit prefix)."""
    store = open_store(ctx)
    article, spec = _article_and_version(store, reference)
    version = store.version(article, spec)
    if raw:
        sys.stdout.buffer.write(store.raw(version))
        sys.stdout.buffer.flush()
        return
    text = store.text(version)
    emit(as_json, lambda: render.version_json(version, text), lambda: render.version_text(version, text))


def versions_arguments(command: F) -> F:
    command = click.argument("new", required=False)(command)
    command = click.argument("old", required=False)(command)
    return click.argument("article")(command)


@click.command()
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
    store = open_store(ctx)
    article_id = store.find_article(article)
    if by == "sentence" or html_path is not None:
        from archive import compare_versions
        from archive.present.html import comparison_page

        result = compare_versions(store, article_id, old, new)
        if html_path is not None:
            write_page(store, html_path, comparison_page(result))
        if by == "sentence":
            emit(as_json, lambda: render.sentence_diff_json(result), lambda: render.sentence_diff_text(result))
            return
    from archive import diff_versions

    words = diff_versions(store, article_id, old, new)
    emit(as_json, lambda: render.word_diff_json(words), lambda: render.word_diff_text(words, full=full))


@click.command()
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
    store = open_store(ctx)
    from archive import compare_versions

    result = compare_versions(store, store.find_article(article), old, new)
    wanted = [kind.strip() for kind in kinds.split(",") if kind.strip()] if kinds else None
    emit(
        as_json,
        lambda: render.claims_json(result, wanted),
        lambda: render.claims_text(result, wanted),
    )


@click.command()
@click.argument("article")
@json_option
@click.pass_context
def timeline(ctx: click.Context, article: str, as_json: bool) -> None:
    """Every version of ARTICLE with how its coverage changed from the version before."""
    store = open_store(ctx)
    from archive import timeline as article_timeline

    entries = article_timeline(store, store.find_article(article))
    emit(as_json, lambda: render.timeline_json(entries), lambda: render.timeline_text(entries))


@click.command()
@click.argument("term")
@json_option
@click.pass_context
def coverage(ctx: click.Context, term: str, as_json: bool) -> None:
    """Which articles mention TERM (a word, name or phrase), and how often, version by version."""
    from archive import term_coverage

    mentions = term_coverage(open_stores(ctx), term)
    emit(
        as_json,
        lambda: render.term_coverage_json(term, mentions),
        lambda: render.term_coverage_text(term, mentions),
    )


@click.command()
@click.option("-n", "--limit", type=click.IntRange(min=0), default=50, show_default=True, help="0 for all.")
@json_option
@click.pass_context
def log(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Snapshots across all articles, newest first."""
    entries = open_store(ctx).log(limit or None)
    emit(as_json, lambda: render.log_json(entries), lambda: render.log_text(entries))
