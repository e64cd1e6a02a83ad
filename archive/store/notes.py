"""Refs beside the branch: git notes on version commits, and a small tree of settings; no commit id changes.

A signature or a timestamp token of a version cannot go inside its commit
without changing the commit's id, which must stay what the captures alone
give (docs/store-format.md). So they live beside the history, as git notes:
a ref whose commits hold a tree with one blob per annotated commit, read with
``git notes --ref archive-signatures show COMMIT`` as well as by ``archive``.
The store's evidence settings (its allowed signers, its time-stamping
authority) are the files of another side ref. These refs have their own
history, so a change to them is recorded, and they are pushed and pulled with
the branch. Their commits are written with the branch's objects and moved
with it in one ``git update-ref`` transaction (``Store.writing``).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from archive.store.objects import FILE_MODE, TREE_MODE, ObjectWriter, TreeEntries, TreeReader, tree_object

__all__ = ["Repository", "RefWriter", "note_path", "tip", "read_notes", "read_files"]

# Notes are filed as ab/cd/<36 hex digits>: two levels of 256, so a tree on a note's path stays small
# (about 15 notes in a leaf at a million versions), as the articles' four levels of 16 do. git reads
# notes in any such fan-out.
_NOTE_PATH = re.compile(r"(?:[0-9a-f]{2}/)*[0-9a-f]+")


class Repository(Protocol):
    """What reading side refs needs of a store (``Store`` is one)."""

    def git(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]: ...

    def read_objects(self, names: Sequence[str]) -> Iterator[tuple[str, bytes | None]]: ...


def note_path(commit: str) -> str:
    """Where the note on ``commit`` is filed in a notes tree."""
    return f"{commit[:2]}/{commit[2:4]}/{commit[4:]}"


def tip(repository: Repository, ref: str) -> str | None:
    """The commit ``ref`` points at, or None when the store has no such ref."""
    result = repository.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return result.stdout.decode().strip() or None if result.returncode == 0 else None


def _blobs(repository: Repository, revision: str) -> dict[str, str]:
    """Path -> blob id of every file in ``revision``'s tree."""
    listing = repository.git("ls-tree", "-r", "-z", "--full-tree", revision)
    if listing.returncode != 0:
        return {}
    files = {}
    for entry in listing.stdout.decode("utf-8", "replace").split("\0"):
        header, _, path = entry.partition("\t")
        parts = header.split()
        if len(parts) == 3 and parts[1] == "blob":
            files[path] = parts[2]
    return files


def read_notes(repository: Repository, ref: str, revision: str | None = None) -> dict[str, bytes]:
    """Every note of ``ref`` (or of ``revision``, a fetched tip): annotated commit id -> the note's bytes (none
    when the ref does not exist).

    Notes are read in any fan-out git uses (``git notes`` files them flat while there are few); files whose
    path is not a note's are left out.
    """
    head = revision or tip(repository, ref)
    if head is None:
        return {}
    files = _blobs(repository, head)
    blobs = {path.replace("/", ""): blob for path, blob in files.items() if _NOTE_PATH.fullmatch(path)}
    blobs = {commit: blob for commit, blob in blobs.items() if len(commit) == 40}
    commits = list(blobs)
    data = [content for _, content in repository.read_objects([blobs[commit] for commit in commits])]
    return {commit: content for commit, content in zip(commits, data, strict=True) if content is not None}


def read_files(repository: Repository, ref: str, revision: str | None = None) -> dict[str, bytes]:
    """The files at the top of ``ref``'s tree (or of ``revision``'s, a fetched tip), by name."""
    head = revision or tip(repository, ref)
    if head is None:
        return {}
    blobs = {path: blob for path, blob in _blobs(repository, head).items() if "/" not in path}
    names = list(blobs)
    data = [content for _, content in repository.read_objects([blobs[name] for name in names])]
    return {name: content for name, content in zip(names, data, strict=True) if content is not None}


class RefWriter:
    """New commits for side refs, written into one block's objects; ``updates`` says how each ref moves.

    Each call adds one commit on top of the ref's tip (or of the commit this
    writer made for it before), so the refs keep their history.
    """

    def __init__(
        self,
        objects: ObjectWriter,
        trees: TreeReader,
        tips: Callable[[str], str | None],
        identity: tuple[str, str],
    ) -> None:
        self._objects = objects
        self._trees = trees
        self._tips = tips
        self._identity = identity
        self.updates: dict[str, tuple[str | None, str]] = {}  # ref -> (tip before, new tip)

    def current(self, ref: str) -> str | None:
        """The tip ``ref`` has in this block: the commit written for it here, else the store's."""
        return self.updates[ref][1] if ref in self.updates else self._tips(ref)

    def take(self, ref: str, commit: str) -> None:
        """Point ``ref`` at ``commit`` (a fetched tip that contains the ref's history)."""
        before = self.updates[ref][0] if ref in self.updates else self._tips(ref)
        self.updates[ref] = (before, commit)

    def add_notes(
        self, ref: str, notes: Mapping[str, bytes], when: datetime, message: str, merge: str | None = None
    ) -> None:
        """Attach ``notes`` (commit id -> note), replacing any note those commits had; ``merge`` a second parent.

        Notes that ``git notes`` filed in another fan-out (flat while there are few, or 2/38) are moved into
        ours as their part of the tree is rewritten, so that no commit has two notes.
        """
        if not notes:
            return
        base = self.current(ref)
        root = self._trees.entries(self._trees.root(base))
        middles: dict[str, TreeEntries] = {}  # first level -> its entries
        leaves: dict[tuple[str, str], TreeEntries] = {}  # (first, second) -> its entries

        def leaf(first: str, second: str) -> TreeEntries:
            if first not in middles:
                middle = middles[first] = self._entries(root, first)
                for name in [name for name, entry in middle.items() if entry[0] != TREE_MODE]:  # 2/38
                    leaf(first, name[:2])[name[2:]] = middle.pop(name)
            if (first, second) not in leaves:
                leaves[first, second] = self._entries(middles[first], second)
            return leaves[first, second]

        for name in [name for name, entry in root.items() if entry[0] != TREE_MODE and len(name) == 40]:  # flat
            leaf(name[:2], name[2:4])[name[4:]] = root.pop(name)
        for commit, note in sorted(notes.items()):
            leaf(commit[:2], commit[2:4])[commit[4:]] = (FILE_MODE, self._objects.add(b"blob", note))
        for (first, second), entries in leaves.items():
            middles[first][second] = (TREE_MODE, self._objects.add(b"tree", tree_object(entries)))
        for first, middle in middles.items():
            root[first] = (TREE_MODE, self._objects.add(b"tree", tree_object(middle)))
        self._commit(ref, base, root, when, message, merge)

    def put_files(
        self, ref: str, files: Mapping[str, bytes | None], when: datetime, message: str, merge: str | None = None
    ) -> None:
        """Set (or, for None, remove) files at the top of ``ref``'s tree."""
        base = self.current(ref)
        root = self._trees.entries(self._trees.root(base))
        for name, data in files.items():
            if data is None:
                root.pop(name, None)
            else:
                root[name] = (FILE_MODE, self._objects.add(b"blob", data))
        self._commit(ref, base, root, when, message, merge)

    def _entries(self, tree: TreeEntries, name: str) -> TreeEntries:
        entry = tree.get(name)
        return self._trees.entries(entry[1] if entry and entry[0] == TREE_MODE else None)

    def _commit(
        self, ref: str, base: str | None, root: TreeEntries, when: datetime, message: str, merge: str | None
    ) -> None:
        tree = self._objects.add(b"tree", tree_object(root))
        name, email = self._identity
        stamp = f"{int(when.timestamp())} +0000"
        lines = [f"tree {tree.hex()}"]
        lines += [f"parent {parent}" for parent in (base, merge) if parent]
        lines += [f"author {name} <{email}> {stamp}", f"committer {name} <{email}> {stamp}"]
        commit = self._objects.add(b"commit", ("\n".join(lines) + "\n\n" + message + "\n").encode("utf-8")).hex()
        before = self.updates[ref][0] if ref in self.updates else base
        self.updates[ref] = (before, commit)
