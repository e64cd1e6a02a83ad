"""Commands that set a store up and look after it: init, sign, timestamp, maintenance, push, pull."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from archive.cli.context import emit, json_option, open_store
from archive.present import terminal as render


@click.command()
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
    from archive import Store
    from archive import sign as sign_store

    with Store.init(ctx.obj, bare=bare) as store:
        kind = "Bare archive store" if store.bare else "Archive store"
        if key is not None:
            result = sign_store(store, key)
            click.echo(render.signing_text(result))
        click.echo(f"{kind} ready at {store.path}")


@click.command()
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

    result = timestamp_store(open_store(ctx), tsa, ca_bundle)
    emit(as_json, lambda: dataclasses.asdict(result), lambda: render.timestamping_text(result))


@click.command()
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

    result = sign_store(open_store(ctx), key, allowed_signers)
    emit(as_json, lambda: dataclasses.asdict(result), lambda: render.signing_text(result))


@click.command()
@click.option("--rebuild-cache", is_flag=True, help="Delete the lookup cache and build it again from the history.")
@json_option
@click.pass_context
def maintenance(ctx: click.Context, rebuild_cache: bool, as_json: bool) -> None:
    """Pack the store's objects with deltas (git repack), write the commit-graph, compact the lookup cache.

    Safe to run again, and beside other commands: writers wait for it.
    """
    from archive import maintain

    result = maintain(open_store(ctx), rebuild_cache=rebuild_cache)
    emit(as_json, lambda: dataclasses.asdict(result), lambda: render.maintenance_text(result))


@click.command()
@click.argument("remote", default="origin")
@json_option
@click.pass_context
def pull(ctx: click.Context, remote: str, as_json: bool) -> None:
    """Bring in the versions another collector pushed to REMOTE (a git remote name, URL or path).

    This store's own versions that REMOTE lacks are recorded again after them.
    """
    from archive import pull as pull_store

    result = pull_store(open_store(ctx), remote)
    emit(as_json, lambda: dataclasses.asdict(result), lambda: render.pull_text(result))


@click.command()
@click.argument("remote", default="origin")
@json_option
@click.pass_context
def push(ctx: click.Context, remote: str, as_json: bool) -> None:
    """Send this store's versions to REMOTE (a git remote name, URL or path; best a bare repository)."""
    from archive import push as push_store

    result = push_store(open_store(ctx), remote)
    emit(as_json, lambda: dataclasses.asdict(result), lambda: render.push_text(result))
