"""The rules commands: noise rules per site or article, kept in the store as rules.yaml (docs/rules.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive import parse_time
from archive.cli.context import emit, json_option, open_read_only_store, open_store
from archive.cli.group import ArchiveGroup
from archive.present import terminal as render


@click.group(cls=ArchiveGroup)
def rules() -> None:
    """Noise rules per site or article, kept in the store as rules.yaml (docs/rules.md)."""


@rules.command(name="check")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.pass_context
def rules_check(ctx: click.Context, file: Path | None) -> None:
    """Check a rules FILE (default: the store's rules.yaml); each problem on one line with file, line and rule."""
    from archive import rules_problems

    store = open_read_only_store(ctx) if file is None else None
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

    change = set_rules(open_store(ctx), file, parse_time(at, end_of_day=False) if at is not None else None)
    from archive.present import rules as shown

    click.echo(shown.change_text(change))


@rules.command(name="remove")
@click.option("--at", help="The commit's date [default: the date of the store's latest commit].")
@click.pass_context
def rules_remove(ctx: click.Context, at: str | None) -> None:
    """Remove the store's rules.yaml, in a commit of its own; later captures are read without rules."""
    from archive import set_rules

    change = set_rules(open_store(ctx), None, parse_time(at, end_of_day=False) if at is not None else None)
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
        open_read_only_store(ctx),
        source,
        article_id=article_id,
        url=url,
        rules_path=rules_path,
        stdin=sys.stdin.buffer,
        timeout=timeout,
    )
    emit(as_json, lambda: shown.test_json(result), lambda: shown.test_text(result))
