"""The serve command: the local, read-only viewer."""

from __future__ import annotations

from pathlib import Path

import click

from archive.cli.context import open_stores


@click.command()
@click.argument("paths", metavar="[STORE]...", nargs=-1, type=click.Path(path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0 picks a free port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; loopback keeps it private.")
@click.pass_context
def serve(ctx: click.Context, paths: tuple[Path, ...], port: int, host: str) -> None:
    """Browse the archive in a web browser: a local, read-only viewer.

    STORE... (or --store repeated): several stores read as one, article ids NAME:ID (NAME the store
    folder's name).
    """
    from archive import make_server

    if paths:
        ctx.obj, ctx.meta["stores"] = paths[0], paths
    server = make_server(open_stores(ctx), host, port)
    bound_host, bound_port = str(server.server_address[0]), server.server_address[1]
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: serving on {host}, reachable from other machines.", err=True)
    shown = ", ".join(str(path) for path in ctx.meta["stores"])
    click.echo(f"Serving {shown} at http://{bound_host}:{bound_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
