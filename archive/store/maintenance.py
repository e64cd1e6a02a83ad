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

import time
from dataclasses import dataclass
from pathlib import Path

from archive.errors import StoreCorrupt
from archive.store.repository import Store

__all__ = ["Maintenance", "maintain"]

# Commands run in this order, each to completion; any may be run again at any time. ``-f``: git reuses
# an object a pack holds whole as it is, without looking for a delta (``git gc`` left the trees of a
# 10,000-version import 95% whole); computing them again costs as much as finding them the first time.
_COMMANDS = (
    ("repack", "-a", "-d", "-f", "-q"),
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


def maintain(store: Store) -> Maintenance:
    """Repack the store's objects with deltas, write the commit-graph and compact the lookup cache."""
    start = time.monotonic()
    objects = store.objects_dir
    with store.writing():  # the store's lock; the block adds nothing, so nothing is published
        objects_before, cache_before = _size(objects), store.lookup_size()
        for command in _COMMANDS:
            result = store.git(*command)
            if result.returncode != 0:
                reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
                raise StoreCorrupt(f"git {command[0]} failed in {store.path}: {reason[-1] if reason else 'no message'}")
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


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
