"""What the commands share: the store(s) the group's --store names, --json and its output, what follows a write.

Nothing here imports the API's heavy parts at import time: each command's module loads when that command
runs (``archive.cli``), and takes what it uses from the API inside the command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from archive import InvalidInput

if TYPE_CHECKING:
    from archive import Store, StoreSet

F = TypeVar("F", bound=Callable[..., Any])


def json_option(command: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (shapes in docs/json.md).")(command)


def emit(as_json: bool, data: Callable[[], Any], text: Callable[[], str]) -> None:
    """Print the result as JSON (``data``) or as text (``text``); only the one asked for is built."""
    from archive.present import terminal as render

    click.echo(render.to_json(data()) if as_json else text())


def open_store(ctx: click.Context) -> Store:
    """The store --store names (one), closed when the command ends."""
    from archive import Store

    if len(ctx.meta["stores"]) > 1:
        raise InvalidInput(f"`{ctx.command_path}` works on one store: give one --store")
    store = Store.open(ctx.obj)
    ctx.call_on_close(store.close)
    return store


def open_stores(ctx: click.Context) -> Store | StoreSet:
    """The store, or the stores given with several --store options, read as one (``archive.StoreSet``)."""
    if len(ctx.meta["stores"]) == 1:
        return open_store(ctx)
    from archive import StoreSet

    stores = StoreSet.open(ctx.meta["stores"])
    ctx.call_on_close(stores.close)
    return stores


def open_read_only_store(ctx: click.Context) -> Store:
    """The store, opened so that nothing in it is written (the integrity commands; a read-only filesystem)."""
    from archive import Store

    if len(ctx.meta["stores"]) > 1:
        raise InvalidInput(f"`{ctx.command_path}` works on one store: give one --store")
    store = Store.open(ctx.obj, read_only=True)
    ctx.call_on_close(store.close)
    return store


def after_write(store: Store) -> None:
    """What a write could not do but did not need to (a timestamp: docs/evidence.md), then its notifications."""
    from archive.present.terminal import printable

    for notice in store.notices:
        click.echo(f"warning: {printable(notice)}", err=True)
    store.notices.clear()
    _notify(store)


def _notify(store: Store) -> None:
    """After a write is published: the notifications it calls for (docs/changes.md). A notifier that fails is a
    warning, never an error: what was stored stays stored, and the message stays queued for the next run."""
    from archive import ArchiveError, notify_configured

    if not notify_configured(store):
        return
    from archive import notify_deliver
    from archive.present.terminal import printable

    try:
        delivery = notify_deliver(store)
    except (ArchiveError, OSError) as error:
        click.echo(f"warning: notifications not sent: {printable(str(error))}", err=True)
        return
    for failure in delivery.failures:
        click.echo(f"warning: {printable(failure)}", err=True)


def write_page(store: Store, path: Path, html: str) -> None:
    """Write an HTML page (diff --html, audit --html) and say where, on stderr."""
    from archive.present.html import write_page as write
    from archive.present.terminal import printable

    write(store, path, html)
    click.echo(f"Wrote {printable(str(path))}", err=True)
