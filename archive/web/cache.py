"""A bounded least-recently-used map, shared by the viewer's request threads.

The viewer keeps what its article, diff and version pages cost to make (claim comparisons, rendered
pages) under keys of commit ids: a page of given versions never changes, so an entry is never stale,
only dropped when the map is full.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["LRU"]

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
