"""The integrity commands: verify, audit, reproduce, rebuild, export (docs/audit.md)."""

from __future__ import annotations

from pathlib import Path

import click

from archive.cli.context import emit, json_option, open_read_only_store, write_page


@click.command()
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

    result = verify_store(open_read_only_store(ctx), since_verified=since_verified)
    emit(as_json, lambda: reports.verification_json(result), lambda: reports.verification_text(result))
    ctx.exit(0 if result.ok else 1)


@click.command()
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

    store = open_read_only_store(ctx)
    result = audit_report(store)
    if html_path is not None:
        write_page(store, html_path, audit_page(result))
    emit(as_json, lambda: reports.audit_json(result), lambda: reports.audit_text(result))
    ctx.exit(0 if result.ok else 1)


@click.command()
@click.argument("articles", nargs=-1, metavar="[ARTICLE]...")
@click.option("-v", "--verbose", is_flag=True, help="List every version, not only those that did not reproduce.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes [default: one per core].")
@json_option
@click.pass_context
def reproduce(ctx: click.Context, articles: tuple[str, ...], verbose: bool, jobs: int | None, as_json: bool) -> None:
    """Re-extract every stored raw capture (of ARTICLEs, default all) and check it gives the stored text."""
    from archive import reproduce as reproduce_store
    from archive.present import reports

    result = reproduce_store(open_read_only_store(ctx), articles, jobs=jobs)
    emit(as_json, lambda: reports.reproduction_json(result), lambda: reports.reproduction_text(result, verbose))
    ctx.exit(0 if result.ok else 1)


@click.command()
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

    result = rebuild_store(open_read_only_store(ctx), into, stored_text=stored_text, jobs=jobs)
    emit(as_json, lambda: reports.rebuild_json(result), lambda: reports.rebuild_text(result))
    ctx.exit(0 if result.identical else 1)


@click.command()
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

    result = export_store(open_read_only_store(ctx), export_format, target, force=force)
    emit(as_json, lambda: reports.export_json(result), lambda: reports.export_text(result))
