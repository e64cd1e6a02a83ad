"""The ``archive`` command line: parses arguments, calls the API, prints the result.

Expected failures arrive as ``ArchiveError`` and are turned into one line on stderr and the error's exit code,
in ``archive.cli.group`` and nowhere else. Each command lives in the module of its group (``COMMANDS``), loaded
only when that command runs or help lists it, and takes what it uses from the API when it runs: start-up costs
a command only what it uses (``benchmarks/startup.py``).
"""

from __future__ import annotations

from pathlib import Path

import click

from archive import __version__
from archive.cli.group import LazyGroup

# Each command's module and function, by command name.
COMMANDS = {
    **{name: ("archive.cli.store", name) for name in ("init", "timestamp", "sign", "maintenance", "pull", "push")},
    "snapshot": ("archive.cli.capture", "snapshot"),
    "import": ("archive.cli.capture", "import_"),
    "watch": ("archive.cli.capture", "watch"),
    "list": ("archive.cli.reads", "list_articles"),
    **{name: ("archive.cli.reads", name) for name in ("history", "show", "diff", "claims", "timeline", "coverage")},
    "log": ("archive.cli.reads", "log"),
    "changes": ("archive.cli.changes", "changes"),
    "feed": ("archive.cli.changes", "feed"),
    "notify": ("archive.cli.notify", "notify"),
    "serve": ("archive.cli.serve", "serve"),
    **{name: ("archive.cli.audit", name) for name in ("verify", "audit", "reproduce", "rebuild", "export")},
    "rules": ("archive.cli.rules", "rules"),
}


@click.group(cls=LazyGroup, lazy=COMMANDS)
@click.option(
    "--store",
    "store_paths",
    type=click.Path(path_type=Path),
    multiple=True,
    help="The store to use [default: $ARCHIVE_STORE, else ./snapshots]; repeated, several read as one "
    "(list, coverage, changes, serve; ids become NAME:ID, NAME the store folder's name).",
)
@click.version_option(__version__, prog_name="archive")
@click.pass_context
def cli(ctx: click.Context, store_paths: tuple[Path, ...]) -> None:
    """Keep a reproducible, auditable record of how news articles change."""
    from archive import default_store_path

    ctx.obj = store_paths[0] if store_paths else default_store_path()
    ctx.meta["stores"] = store_paths or (ctx.obj,)
