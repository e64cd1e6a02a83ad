"""Reading a repository's objects by name through one ``git cat-file --batch`` process.

The process starts on the first read and serves every later one, so a command that reads a few objects
(``show``: the store marker, then one text) pays for one git process, and importing GitPython (tens of
milliseconds, and a ``git version`` process) is left to the commands that need more of git. An object
named by its id is first looked for loose, as a file, until one is not: a snapshot into a small store
reads the trees its last write left loose, and starts no git process for them.
"""

from __future__ import annotations

import contextlib
import string
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["GitObject", "ObjectReader"]


@dataclass(frozen=True, slots=True)
class GitObject:
    """One object as git gave it: its id (hex), its type (blob, tree, commit, tag) and its data."""

    sha: str
    kind: str
    data: bytes


class ObjectReader:
    """Objects of the repository at ``path``, read by any name ``git cat-file`` takes (an id, ``REV:PATH``,
    ``REV^{tree}``). One reader serves one thread at a time."""

    def __init__(self, path: Path, objects_dir: Path | None = None) -> None:
        self._path = path
        self._process: subprocess.Popen[bytes] | None = None
        # Where loose objects are looked for first (None: never), until one is not there: in a packed
        # store, every object after the first is asked of git straight away.
        self._loose_dir = objects_dir

    def read(self, name: str) -> GitObject:
        """The object ``name`` names; KeyError when there is none (or git could not read it)."""
        if "\n" in name:
            raise KeyError(name)
        if self._loose_dir is not None and len(name) == 40 and not name.strip(string.hexdigits):
            found = self._loose(self._loose_dir, name.lower())
            if found is not None:
                return found
            self._loose_dir = None
        process = self._started()
        stdin, stdout = _pipes(process)
        try:
            stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            stdin.flush()
            header = stdout.readline().split()
        except OSError:
            self.close()
            raise KeyError(name) from None
        if len(header) != 3:  # "<name> missing", "<name> ambiguous", or git died
            if not header:
                self.close()
            raise KeyError(name)
        size = int(header[2])
        data = stdout.read(size + 1)
        if len(data) != size + 1:
            self.close()
            raise KeyError(name)
        return GitObject(header[0].decode(), header[1].decode(), data[:size])

    @staticmethod
    def _loose(objects_dir: Path, sha: str) -> GitObject | None:
        """The loose object ``sha`` (zlib of ``<type> <size>\\0<data>``), or None when it is not a readable one:
        packed, missing or damaged objects are left to git, which says so as before."""
        try:
            raw = zlib.decompress((objects_dir / sha[:2] / sha[2:]).read_bytes())
        except (OSError, zlib.error):
            return None
        header, _, data = raw.partition(b"\0")
        kind, _, size = header.partition(b" ")
        if kind not in (b"blob", b"tree", b"commit", b"tag") or size != str(len(data)).encode():
            return None
        return GitObject(sha, kind.decode(), data)

    def close(self) -> None:
        """End the git process (a later read starts another)."""
        process, self._process = self._process, None
        if process is None:
            return
        stdin, stdout = _pipes(process)
        with contextlib.suppress(OSError):
            stdin.close()
        process.wait()
        stdout.close()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            self._process = subprocess.Popen(
                ["git", "-C", str(self._path), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        return self._process


def _pipes(process: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    assert process.stdin is not None and process.stdout is not None
    return process.stdin, process.stdout
