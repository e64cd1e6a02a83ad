"""The store's file locks: the writer's, the watcher's and the notification journal's.

``flock`` rather than a lock file that exists or not, because the kernel releases it when the process
dies, so a crash never leaves a store locked.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.errors import StoreBusy

__all__ = ["exclusive"]


@contextmanager
def exclusive(path: Path, timeout: float, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (made, with its folder, if missing), waiting up to ``timeout`` seconds
    for another process to release it; StoreBusy(``busy``) after that. OSError if the file cannot be made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy(busy) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
