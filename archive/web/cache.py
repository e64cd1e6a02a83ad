"""What the viewer keeps of the pages it made: a bounded least-recently-used map in the process, shared by
its request threads, and a bounded file of rendered diff pages beside the store's lookup cache.

The viewer keeps what its article, diff and version pages cost to make (claim comparisons, rendered
pages) under keys of commit ids: a page of given versions never changes, so an entry is never stale,
only dropped when the map is full. A diff page costs a claim comparison (tens to hundreds of
milliseconds), so it is also kept on disk under its entity tag (commit ids and the code's digest), for a
viewer started again.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["LRU", "PageFile"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most ``capacity`` in total weight (``weigh`` of each value; 1 each by default); the least recently used
    entries are dropped first. Safe to use from several threads."""

    def __init__(self, capacity: int, weigh: Callable[[V], int] | None = None) -> None:
        self.capacity = capacity
        self._weigh = weigh or (lambda _: 1)
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V) -> None:
        weight = self._weigh(value)
        if weight > self.capacity:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= old[1]
            self._entries[key] = (value, weight)
            self._weight += weight
            while self._weight > self.capacity:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._weight -= dropped

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def weight(self) -> int:
        return self._weight


class PageFile:
    """Pages kept on disk under their entity tags (an SQLite file, zlib-compressed bodies): at most ``capacity``
    bytes, the oldest written dropped first. Like the lookup cache it is never evidence, and deleting it
    costs only time. A file that cannot be written (a read-only store) keeps nothing new."""

    def __init__(self, path: Path, capacity: int) -> None:
        self.path = path
        self.capacity = capacity
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._tried = False

    def _open(self) -> sqlite3.Connection | None:
        if not self._tried:
            self._tried = True
            try:
                connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
                connection.execute("CREATE TABLE IF NOT EXISTS pages (tag TEXT PRIMARY KEY, body BLOB NOT NULL)")
                self._connection = connection
            except (sqlite3.Error, OSError):
                self._connection = None
        return self._connection

    def get(self, tag: str) -> bytes | None:
        with self._lock:
            connection = self._open()
            try:
                row = (
                    connection.execute("SELECT body FROM pages WHERE tag = ?", (tag,)).fetchone()
                    if connection
                    else None
                )
            except sqlite3.Error:
                return None
        return zlib.decompress(row[0]) if row else None

    def put(self, tag: str, body: bytes) -> None:
        packed = zlib.compress(body)
        with self._lock:
            connection = self._open()
            if connection is None or len(packed) > self.capacity:
                return
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT OR REPLACE INTO pages VALUES (?, ?)", (tag, packed))
                size = connection.execute("SELECT coalesce(sum(length(body)), 0) FROM pages").fetchone()[0]
                oldest = "SELECT rowid, length(body) FROM pages ORDER BY rowid"
                for rowid, length in connection.execute(oldest).fetchall() if size > self.capacity else []:
                    if size <= self.capacity:
                        break
                    connection.execute("DELETE FROM pages WHERE rowid = ?", (rowid,))
                    size -= length
                connection.execute("COMMIT")
            except sqlite3.Error:  # a read-only file, or another viewer holding it too long: kept in memory only
                if connection.in_transaction:
                    connection.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
            self._connection, self._tried = None, False
