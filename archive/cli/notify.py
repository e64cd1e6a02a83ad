"""The notify commands: notifications of claim changes through Apprise URLs (docs/changes.md)."""

from __future__ import annotations

import click

from archive.cli.context import emit, json_option, open_store
from archive.present import terminal as render


@click.group()
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

    target = add_target(open_store(ctx), url, kinds, sites, viewer)
    click.echo(f"Added {target.id}: {render.printable(target.shown())} (versions recorded from now on)")


@notify.command(name="list")
@json_option
@click.pass_context
def notify_list(ctx: click.Context, as_json: bool) -> None:
    """The notification targets (passwords masked), with their messages sent and queued."""
    from archive import notify_counts, notify_targets

    store = open_store(ctx)
    found, counts = notify_targets(store), notify_counts(store)
    emit(
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

    removed = remove_target(open_store(ctx), target)
    click.echo(f"Removed {removed.id}: {render.printable(removed.shown())}")


@notify.command(name="test")
@click.argument("target", metavar="[ID|URL]", required=False)
@click.pass_context
def notify_test(ctx: click.Context, target: str | None) -> None:
    """Send a sample message to every target (or TARGET); exit 4 naming the first that fails."""
    from archive import notify_test as test_targets

    for sent in test_targets(open_store(ctx), target):
        click.echo(f"Sent a test message to {sent.id}: {render.printable(sent.shown())}")


@notify.command(name="retry")
@click.pass_context
def notify_retry(ctx: click.Context) -> None:
    """Send what is queued (messages whose notifier failed, versions not announced yet); exit 4 if any fails."""
    from archive import NotifierFailed, notify_deliver

    delivery = notify_deliver(open_store(ctx))
    for failure in delivery.failures[:-1]:
        click.echo(f"warning: {render.printable(failure)}", err=True)
    if delivery.failures:
        raise NotifierFailed(delivery.failures[-1])
    click.echo(f"{delivery.sent} notification{'s' if delivery.sent != 1 else ''} sent")
