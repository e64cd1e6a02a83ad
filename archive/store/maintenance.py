"""Maintenance: packing a store's objects with deltas, and compacting its lookup cache.

A write stores objects whole (``archive.store.objects``): a bulk import is
fast that way, and a store is as large as its versions. A repack finds the
deltas between versions of a file or tree and packs everything into one
pack; the commit-graph lets git walk the history without opening each
commit; the lookup cache is compacted (it is not evidence: deleting
it only costs a rebuild). The store's write lock is held throughout, so a
writer waits (or gives up after its timeout) and never sees a half-packed
store; readers need no lock, since git replaces packs atomically.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from archive.errors import StoreCorrupt
from archive.store.layout import META_FILE, SHARD_LEVELS, article_of_path
from archive.store.repository import Store

__all__ = ["Maintenance", "maintain"]

# After the objects are packed anew (``_pack``), commands run in this order, each to completion; any may be
# run again at any time. The repack gathers every object into one pack, keeping the deltas ``_pack`` found
# (``--window=0``: no new search) and the old packs' objects that no ref reaches, and deletes the old packs;
# no bitmap (0.7 MiB at 10,000 versions): it only speeds up serving clones.
_COMMANDS = (
    ("-c", "repack.writeBitmaps=false", "repack", "-a", "-d", "-q", "--window=0"),
    ("prune-packed",),
    ("pack-refs", "--all"),
    ("commit-graph", "write", "--reachable", "--changed-paths"),
)


@dataclass(frozen=True)
class Maintenance:
    """What ``maintain`` did: the sizes before and after, in bytes, and how long it took."""

    store: str
    objects_before: int
    objects_after: int
    cache_before: int
    cache_after: int
    seconds: float


def maintain(store: Store, rebuild_cache: bool = False) -> Maintenance:
    """Repack the store's objects with deltas, write the commit-graph and compact the lookup cache
    (``rebuild_cache``: delete it and build it again from the history instead)."""
    start = time.monotonic()
    objects = store.objects_dir
    with store.writing():  # the store's lock; the block adds nothing, so nothing is published
        objects_before, cache_before = _size(objects), store.lookup_size()
        _pack(store)
        for command in _COMMANDS:
            _run(store, command)
        if rebuild_cache:
            store.rebuild_lookup()
        store.compact_lookup()
        objects_after, cache_after = _size(objects), store.lookup_size()
    return Maintenance(
        store=str(store.path),
        objects_before=objects_before,
        objects_after=objects_after,
        cache_before=cache_before,
        cache_after=cache_after,
        seconds=time.monotonic() - start,
    )


def _pack(store: Store) -> None:
    """Pack every reachable object anew, finding deltas afresh, with each version's text beside its raw capture.

    git looks for a delta among objects sorted by a hash of the end of their path, so ``text.txt`` and
    ``raw.md`` of one article never meet: the normalized text is nearly the raw capture without its blank
    lines, yet each was packed whole (at 10,000 versions, 2.6 MiB of 14.6). Naming both by their article
    (the name only steers the search; nothing is renamed) puts them, and the article's earlier versions,
    side by side, and the text becomes a delta of a few dozen bytes.
    """
    listed = _run(store, ("rev-list", "--objects", "--all", "--reflog", "--indexed-objects"))
    lines = []
    for line in listed.decode("utf-8", "surrogateescape").splitlines():
        name, _, path = line.partition(" ")
        article = article_of_path(path)
        if article is not None and not path.endswith("/" + META_FILE) and path.count("/") == SHARD_LEVELS + 2:
            path = hashlib.sha256(article.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        lines.append(f"{name} {path}" if path else name)
    objects = "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape")
    _run(
        store,
        ("pack-objects", "-q", "--delta-base-offset", "--no-reuse-delta", str(store.objects_dir / "pack" / "pack")),
        objects,
    )


def _run(store: Store, command: tuple[str, ...], input: bytes | None = None) -> bytes:
    result = store.git(*command, input=input)
    if result.returncode != 0:
        name = next(part for part in command if not part.startswith("-") and "=" not in part)
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise StoreCorrupt(f"git {name} failed in {store.path}: {reason[-1] if reason else 'no message'}")
    return result.stdout


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
