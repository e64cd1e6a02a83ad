"""The command groups: where every expected failure becomes one ``Error: message`` line and its exit code, and
where a command's module is loaded, only when that command runs or help lists it."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from importlib import import_module
from typing import Any, NoReturn

import click

from archive import ArchiveError


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
            click.echo(f"Error: {_printable(str(error))}", err=True)
            ctx.exit(error.exit_code)
        except click.UsageError as error:
            _usage_error(error)


class LazyGroup(ArchiveGroup):
    """An ``ArchiveGroup`` whose commands live in other modules, named in ``lazy`` (command name: module and
    attribute), each imported on first use (click's "lazy loading subcommands"): a command pays for its own
    module, never for the others'."""

    def __init__(self, *args: Any, lazy: Mapping[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        module, attribute = self.lazy[cmd_name]
        command = getattr(import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module}.{attribute} is not a click command")
        return command


def _printable(text: str) -> str:
    from archive.present.terminal import printable

    return printable(text)


def _usage_error(error: click.UsageError) -> NoReturn:
    if isinstance(error, click.exceptions.NoArgsIsHelpError):  # `archive` alone: the help is the answer
        error.show()
        sys.exit(error.exit_code)
    command = error.ctx.command_path if error.ctx is not None else "archive"
    message = _printable(error.format_message())
    click.echo(f"Error: {message} (see '{command} --help')", err=True)
    sys.exit(error.exit_code)
