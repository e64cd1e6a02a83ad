"""Git objects: encoding trees and commits, writing them (loose for a handful, one packfile for many), reading trees.

A loose object costs a file, a rename and a directory entry; a bulk import
writes hundreds of thousands of them. A pack holds any number of objects in
one file with an index beside it, which is what ``git fast-import`` and
``git index-pack`` produce. Objects are stored whole (no deltas): ``git gc``
delta-compresses them later if the user wants a smaller store. Both ways
are atomic: a loose object or a pack only gets its final name once complete,
and git finds a pack only through its index, which is renamed into place last.

The formats: gitformat-pack(5) (pack version 2, index version 2).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import tempfile
import zlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from archive.store.reader import ObjectReader

__all__ = [
    "TREE_MODE",
    "FILE_MODE",
    "TreeEntries",
    "object_id",
    "tree_order",
    "tree_entry",
    "tree_object",
    "tree_entries",
    "commit_object",
    "pack_entry",
    "ObjectWriter",
    "TreeReader",
]

TREE_MODE, FILE_MODE = 0o040000, 0o100644
TreeEntries = dict[str, tuple[int, bytes]]
"""A tree's entries: name -> (mode, binary object id)."""

_PACK_TYPES = {b"commit": 1, b"tree": 2, b"blob": 3}
# zlib levels in a pack (any level reads back the same object; `git gc` and `archive maintenance` recompress).
# Level 1 is several times faster than the default and a little larger. Trees are mostly binary object ids,
# which level 1 shrank by 5% (French codes, 10,000 versions) at 30 microseconds each, seven trees a version:
# they are stored (level 0, a tenth of the time).
_LEVELS = {b"commit": 1, b"tree": 0, b"blob": 1}


def object_id(kind: bytes, data: bytes) -> bytes:
    """The binary SHA-1 git gives an object of ``kind`` holding ``data``."""
    return hashlib.sha1(b"%s %d\0%s" % (kind, len(data), data)).digest()


def pack_entry(kind: bytes, data: bytes) -> tuple[bytes, bytes]:
    """An object's binary id and its entry in a pack (header and zlib stream): pure, so that a worker
    process can make it and ``ObjectWriter.offer`` it to the writer (zlib is most of writing a blob)."""
    return object_id(kind, data), _entry_header(_PACK_TYPES[kind], len(data)) + zlib.compress(data, _LEVELS[kind])


def tree_order(entries: Mapping[str, tuple[int, bytes]]) -> list[str]:
    """Names in git's tree order: by bytes, a subtree's name compared as if it ended in "/"."""
    return sorted(entries, key=lambda name: name.encode("utf-8") + (b"/" if entries[name][0] == TREE_MODE else b""))


def tree_entry(mode: int, name: str, sha: bytes) -> bytes:
    """One entry of a tree object's data, as git writes it."""
    return b"%o %s\0%s" % (mode, name.encode("utf-8"), sha)


def tree_object(entries: Mapping[str, tuple[int, bytes]]) -> bytes:
    """A tree object's data."""
    return b"".join(tree_entry(entries[name][0], name, entries[name][1]) for name in tree_order(entries))


def tree_entries(data: bytes) -> Iterator[tuple[str, tuple[int, bytes]]]:
    """The entries of a tree object's data, in its order: (name, (mode, binary id)); a name that is not UTF-8
    keeps its bytes as surrogates, as GitPython decodes them."""
    position, end = 0, len(data)
    while position < end:
        space = data.index(b" ", position)
        nul = data.index(b"\0", space)
        mode = int(data[position:space], 8)
        yield data[space + 1 : nul].decode("utf-8", "surrogateescape"), (mode, data[nul + 1 : nul + 21])
        position = nul + 21


def commit_object(tree: bytes, parent: str | None, author: tuple[str, str], when: datetime, message: str) -> bytes:
    """A commit object's data: ``author`` (name, email) is also its committer, both dated ``when`` in UTC."""
    name, email = author
    stamp = f"{int(when.timestamp())} +0000"
    lines = [f"tree {tree.hex()}"]
    if parent:
        lines.append(f"parent {parent}")
    lines.append(f"author {name} <{email}> {stamp}")
    lines.append(f"committer {name} <{email}> {stamp}")
    return ("\n".join(lines) + "\n\n" + message).encode("utf-8")


class TreeReader:
    """Reads trees from a repository: a commit's root tree, and a tree's entries.

    A writer hands back the trees it writes on its articles' paths (``remember``) and drops those they
    replace (``forget``), so a bulk import's next block finds them here instead of asking git for each
    one again: reading them back cost a third of each block at 100,000 versions, more as the store grew.
    What is remembered is at most the current trees of the paths written, each one's data (a few hundred
    bytes): tens of megabytes for a store of 300,000 articles.
    """

    def __init__(self, objects: ObjectReader) -> None:
        self._objects = objects
        self._remembered: dict[bytes, bytes] = {}
        self._roots: dict[str, bytes] = {}  # commit -> its root tree

    def root(self, commit: str | None) -> bytes | None:
        """The root tree of ``commit`` (None for no commit); asked of git once per commit (a snapshot
        needs the old head's before and after it writes, and the new head's, which its writer made)."""
        if commit is None:
            return None
        tree = self._roots.get(commit)
        if tree is None:
            # A commit's first line names its tree: read by its id, a recent commit is a loose file, no git process.
            found = self._objects.read(commit)
            if found.kind == "commit" and found.data.startswith(b"tree "):
                tree = bytes.fromhex(found.data[5 : found.data.index(b"\n")].decode())
            else:
                tree = bytes.fromhex(self._objects.read(f"{commit}^{{tree}}").sha)
            self._roots[commit] = tree
        return tree

    def remember_root(self, commit: str, tree: bytes) -> None:
        """``commit`` (one a writer made) has the root ``tree``; only the last few are kept."""
        if len(self._roots) >= 64:
            self._roots.clear()
        self._roots[commit] = tree

    def entries(self, tree: bytes | None) -> TreeEntries:
        """The entries of ``tree`` (none for no tree); a new dict the caller may change."""
        if tree is None:
            return {}
        data = self._remembered.get(tree)
        if data is None:
            data = self._objects.read(tree.hex()).data
        return dict(tree_entries(data))

    def blob(self, sha: bytes) -> bytes:
        """The data of blob ``sha`` (a file the writer reads from its tree: the rules)."""
        return self._objects.read(sha.hex()).data

    def remember(self, tree: bytes, data: bytes) -> None:
        """Keep the data of ``tree`` (its id is a hash of it, so it is right for whoever asks, whenever)."""
        self._remembered[tree] = data

    def forget(self, tree: bytes) -> None:
        """Drop ``tree`` (replaced by a newer one on its path): what is remembered stays the current trees."""
        self._remembered.pop(tree, None)


class ObjectWriter:
    """The objects of one write: a few are written loose at the end, many are streamed into one pack.

    Nothing is visible to git before ``finish``: the first ``loose_limit``
    objects wait in memory, and past that every object goes to a temporary
    pack file that only gets its name, and its index, in ``finish``. Memory
    stays small however many objects a bulk import writes.
    """

    def __init__(self, objects_dir: Path, loose_limit: int) -> None:
        self._objects_dir = objects_dir
        self._loose_limit = loose_limit
        self._waiting: dict[bytes, tuple[bytes, bytes]] = {}
        self._pack: IO[bytes] | None = None
        self._pack_path: Path | None = None
        self._entries: dict[bytes, tuple[int, int]] = {}  # binsha -> (crc32, offset)
        self._offset = 0
        self._offered: Mapping[bytes, bytes] = {}  # binsha -> its pack entry, made elsewhere (``offer``)
        # What ``finish`` created (loose objects and their new directories, or the pack and its index),
        # removed again by ``abort`` unless ``keep`` said a branch now refers to them.
        self._created: list[Path] = []

    def add(self, kind: bytes, data: bytes) -> bytes:
        """Take an object to write; return its binary id."""
        binsha = object_id(kind, data)
        if self._pack is not None:
            self._append(kind, data, binsha)
        elif binsha not in self._waiting:
            self._waiting[binsha] = (kind, data)
            if len(self._waiting) > self._loose_limit:
                self._open_pack()
        return binsha

    def offer(self, entries: Mapping[bytes, bytes]) -> None:
        """Pack entries (``pack_entry``'s, by binary id) of objects ``add`` may be given next, made elsewhere
        (a bulk import's worker processes); they replace those offered before, so what is held stays small."""
        self._offered = entries

    def finish(self) -> None:
        """Write what was taken: loose objects, or the pack and then its index."""
        if self._pack is None:
            for binsha, (kind, data) in self._waiting.items():
                _write_loose(self._objects_dir, kind, data, binsha, self._created)
            self._waiting.clear()
            return
        pack, temporary = self._pack, self._pack_path
        assert temporary is not None
        pack.seek(8)
        pack.write(struct.pack(">I", len(self._entries)))
        pack.flush()
        pack.seek(0)
        digest = hashlib.sha1()
        while chunk := pack.read(1 << 20):
            digest.update(chunk)
        checksum = digest.digest()
        pack.write(checksum)
        pack.flush()
        os.fsync(pack.fileno())
        pack.close()
        self._pack = None
        pack_dir = temporary.parent
        name = f"pack-{checksum.hex()}"
        index = _write_temporary(pack_dir, "tmp_idx_", _index_bytes(self._entries, checksum))
        try:
            os.chmod(temporary, 0o444)
            existed = (pack_dir / f"{name}.pack").exists()
            os.replace(temporary, pack_dir / f"{name}.pack")
            if not existed:
                self._created.append(pack_dir / f"{name}.pack")
            os.replace(index, pack_dir / f"{name}.idx")  # last: git finds a pack through its index
            if not existed:
                self._created.insert(0, pack_dir / f"{name}.idx")
        except BaseException:
            Path(index).unlink(missing_ok=True)
            raise
        finally:
            temporary.unlink(missing_ok=True)
        self._entries.clear()

    def keep(self) -> None:
        """What ``finish`` wrote is referenced now (the branch moved to it): ``abort`` leaves it."""
        self._created.clear()

    def abort(self) -> None:
        """Drop everything taken: a partly written pack is removed, and so is what ``finish`` wrote unless kept.

        Safe on a full disk: closing the pack may fail to flush it (then it is removed all the same).
        """
        self._waiting.clear()
        if self._pack is not None:
            with contextlib.suppress(OSError):
                self._pack.close()
            self._pack = None
        if self._pack_path is not None:
            self._pack_path.unlink(missing_ok=True)
        # Newest first: an index before its pack, objects before the directories made for them.
        for path in reversed(self._created):
            with contextlib.suppress(OSError):
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink(missing_ok=True)
        self._created.clear()

    def _open_pack(self) -> None:
        pack_dir = self._objects_dir / "pack"
        pack_dir.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix="tmp_pack_", dir=pack_dir)
        self._pack_path = Path(temporary)
        self._pack = os.fdopen(descriptor, "w+b")
        self._pack.write(b"PACK" + struct.pack(">II", 2, 0))  # the object count is filled in by finish()
        self._offset = 12
        for binsha, (kind, data) in self._waiting.items():
            self._append(kind, data, binsha)
        self._waiting.clear()

    def _append(self, kind: bytes, data: bytes, binsha: bytes) -> None:
        if binsha in self._entries:
            return
        assert self._pack is not None
        entry = self._offered.get(binsha)
        if entry is None:
            entry = _entry_header(_PACK_TYPES[kind], len(data)) + zlib.compress(data, _LEVELS[kind])
        self._pack.write(entry)
        self._entries[binsha] = (zlib.crc32(entry), self._offset)
        self._offset += len(entry)


def _write_loose(objects_dir: Path, kind: bytes, data: bytes, binsha: bytes, created: list[Path]) -> None:
    """Write one loose object the way git does (zlib of header and data), unless it exists; add the
    paths it creates (a new fan-out directory, the object) to ``created``."""
    hexsha = binsha.hex()
    path = objects_dir / hexsha[:2] / hexsha[2:]
    if path.exists():
        return
    if not path.parent.is_dir():
        path.parent.mkdir()
        created.append(path.parent)
    descriptor, temporary = tempfile.mkstemp(prefix="tmp_obj_", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(zlib.compress(b"%s %d\0%s" % (kind, len(data), data)))
        os.chmod(temporary, 0o444)
        os.replace(temporary, path)
        created.append(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _entry_header(type_code: int, size: int) -> bytes:
    """An object's pack header: type and size, 4 bits then 7 bits a byte, high bit meaning 'more'."""
    out = bytearray()
    byte = (type_code << 4) | (size & 0x0F)
    size >>= 4
    while size:
        out.append(byte | 0x80)
        byte = size & 0x7F
        size >>= 7
    out.append(byte)
    return bytes(out)


def _index_bytes(entries: dict[bytes, tuple[int, int]], pack_checksum: bytes) -> bytes:
    """A version 2 pack index: fan-out table, sorted ids, CRC-32s, offsets, checksums."""
    ordered = sorted((binsha, crc, offset) for binsha, (crc, offset) in entries.items())
    fanout = [0] * 256
    for binsha, _, _ in ordered:
        fanout[binsha[0]] += 1
    running = 0
    for position in range(256):
        running += fanout[position]
        fanout[position] = running
    small_offsets: list[int] = []
    large_offsets: list[int] = []
    for _, _, offset in ordered:
        if offset < 0x80000000:
            small_offsets.append(offset)
        else:
            small_offsets.append(0x80000000 | len(large_offsets))
            large_offsets.append(offset)
    body = b"".join(
        (
            b"\377tOc" + struct.pack(">I", 2),
            struct.pack(">256I", *fanout),
            b"".join(binsha for binsha, _, _ in ordered),
            struct.pack(f">{len(ordered)}I", *(crc for _, crc, _ in ordered)),
            struct.pack(f">{len(ordered)}I", *small_offsets),
            struct.pack(f">{len(large_offsets)}Q", *large_offsets),
            pack_checksum,
        )
    )
    return body + hashlib.sha1(body).digest()


def _write_temporary(directory: Path, prefix: str, data: bytes) -> str:
    descriptor, temporary = tempfile.mkstemp(prefix=prefix, dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o444)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary
