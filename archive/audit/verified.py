"""The record of the last verified head, for ``verify --since-verified``: outside the history, in the store's
private directory, with what checking the commits after it needs.

Checking a new version needs its article's latest version as of the verified head (the chain continues
from it), and a new rules file the blobs the rules were set to. A record read and written whole costs time
in proportion to the archive's articles (0.6 s of a check of three new versions at 100,000), so the record
is a SQLite database: a check reads the rows of the articles the new commits touch, and writes those back
with the new head in one transaction. It is disposable: without it, or when it cannot be read, the whole
history is verified, which writes it anew.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field

from archive.store.layout import VERIFIED_FILE
from archive.store.repository import Store

__all__ = ["VerifiedHead", "LatestVersions", "read_verified", "record_verified"]

_FORMAT = "archive verified head, format 2"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS record (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS latest (article TEXT PRIMARY KEY, number INTEGER NOT NULL, commit_id TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rules (blob TEXT PRIMARY KEY)",
)


class LatestVersions:
    """Each article's latest version, (number, commit), as of the verified head, read from the record one
    article at a time, with the versions a check adds after it (``changed``)."""

    def __init__(self, connection: sqlite3.Connection | None = None) -> None:
        self._connection = connection
        self.changed: dict[str, tuple[int, str]] = {}

    def get(self, article: str) -> tuple[int, str] | None:
        found = self.changed.get(article)
        if found is not None or self._connection is None:
            return found
        row = self._connection.execute("SELECT number, commit_id FROM latest WHERE article = ?", (article,)).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def __setitem__(self, article: str, version: tuple[int, str]) -> None:
        self.changed[article] = version

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@dataclass
class VerifiedHead:
    """A verified head (None: nothing verified yet), each article's latest version then, and the blobs the noise
    rules were set to by then."""

    head: str | None
    latest: LatestVersions = field(default_factory=LatestVersions)
    rules_set: set[str] = field(default_factory=set)


def read_verified(store: Store) -> tuple[VerifiedHead | None, str | None]:
    """The recorded verified head, if the branch still contains it; else None and why the whole history is
    checked. The caller closes ``latest`` when done."""
    path = store.private_dir / VERIFIED_FILE
    if not path.is_file():
        return None, "no verified head was recorded"
    unreadable = f"the record of the verified head ({path}) is unreadable"
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None, unreadable
    try:
        record = dict(connection.execute("SELECT key, value FROM record").fetchall())
        rules = {str(blob) for (blob,) in connection.execute("SELECT blob FROM rules")}
    except sqlite3.Error:
        connection.close()
        return None, unreadable
    head = record.get("head")
    if record.get("format") != _FORMAT or not head:
        connection.close()
        return None, unreadable
    current = store.head()
    if current is None or not store.is_ancestor(head, current):
        connection.close()
        return None, f"the branch no longer contains the verified head {head[:12]}: its history was rewritten"
    return VerifiedHead(head, LatestVersions(connection), rules), None


def record_verified(store: Store, head: str, state: VerifiedHead) -> None:
    """Record ``head`` as verified, with the versions ``state`` added since its head: one transaction (when
    ``state`` was read from the record, only its changed rows; else a new record). Not written when it cannot be."""
    path = store.private_dir / VERIFIED_FILE
    temporary = path.with_name(path.name + ".tmp")
    fresh = state.head is None
    target = temporary if fresh else path
    with contextlib.suppress(OSError, sqlite3.Error):
        path.parent.mkdir(exist_ok=True)
        if fresh:
            temporary.unlink(missing_ok=True)
        connection = sqlite3.connect(target)
        try:
            with connection:
                for statement in _SCHEMA:
                    connection.execute(statement)
                connection.executemany(
                    "INSERT OR REPLACE INTO latest (article, number, commit_id) VALUES (?, ?, ?)",
                    [(article, number, commit) for article, (number, commit) in sorted(state.latest.changed.items())],
                )
                connection.executemany(
                    "INSERT OR IGNORE INTO rules (blob) VALUES (?)", [(blob,) for blob in sorted(state.rules_set)]
                )
                connection.executemany(
                    "INSERT OR REPLACE INTO record (key, value) VALUES (?, ?)", [("format", _FORMAT), ("head", head)]
                )
        finally:
            connection.close()
        if fresh:
            temporary.replace(path)
    temporary.unlink(missing_ok=True)
