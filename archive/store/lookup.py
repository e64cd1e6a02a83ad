"""A derived, rebuildable lookup table of articles and versions.

Answering "which articles are there" or "what are this article's versions"
from git alone means walking the whole history. The index caches, per
version, its article, number, commit and metadata, stamped with the branch
head it reflects. It lives inside ``.git`` and is never committed or trusted
for verification: deleting it only costs a rebuild.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from archive.model import Version, parse_time

__all__ = ["VersionRow", "Index", "as_version"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stamp (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    article TEXT NOT NULL,
    number INTEGER NOT NULL,
    commit_id TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    url TEXT,
    canonical_url TEXT,
    title TEXT,
    metadata TEXT NOT NULL,
    PRIMARY KEY (article, number)
);
CREATE INDEX IF NOT EXISTS versions_url ON versions (url);
CREATE INDEX IF NOT EXISTS versions_commit ON versions (commit_id);
"""
_INDEX_VERSION = "1"

VersionRow = tuple[str, int, str, dict[str, Any]]
"""(article id, version number, commit id, metadata)"""


def as_version(row: VersionRow) -> Version:
    """The version a row of the lookup table describes."""
    article, number, commit, metadata = row
    return Version(article, number, commit, parse_time(metadata["captured_at"]), metadata)


class Index:
    """The lookup table, backed by SQLite (or memory, when the store is read-only).

    The connection may be used from any thread, one at a time: callers that
    share a Store across threads (the web viewer) serialize their access.
    """

    def __init__(self, path: Path | None) -> None:
        self._connection = self._connect(path)

    @staticmethod
    def _connect(path: Path | None) -> sqlite3.Connection:
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
                connection.executescript(_SCHEMA)
                if Index._stamp_of(connection, "schema") not in (None, _INDEX_VERSION):
                    connection.executescript("DELETE FROM versions; DELETE FROM stamp;")
                connection.execute("INSERT OR REPLACE INTO stamp VALUES ('schema', ?)", (_INDEX_VERSION,))
                return connection
            except (sqlite3.Error, OSError):
                pass  # a read-only or damaged location: fall back to memory below
        connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        connection.executescript(_SCHEMA)
        return connection

    @staticmethod
    def _stamp_of(connection: sqlite3.Connection, key: str) -> str | None:
        row = connection.execute("SELECT value FROM stamp WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def head(self) -> str | None:
        """The branch head this index reflects (None for an empty index)."""
        return self._stamp_of(self._connection, "head")

    def update(self, rows: Iterable[VersionRow], head: str | None, reset: bool = False) -> None:
        """Add the versions of the commits up to ``head``, in one transaction."""
        connection = self._connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            if reset:
                connection.execute("DELETE FROM versions")
            connection.executemany(
                "INSERT OR REPLACE INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        article,
                        number,
                        commit,
                        metadata["captured_at"],
                        metadata.get("url"),
                        metadata.get("canonical_url"),
                        metadata.get("title"),
                        json.dumps(metadata, sort_keys=True, ensure_ascii=False),
                    )
                    for article, number, commit, metadata in rows
                ),
            )
            if head is None:
                connection.execute("DELETE FROM stamp WHERE key = 'head'")
            else:
                connection.execute("INSERT OR REPLACE INTO stamp VALUES ('head', ?)", (head,))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def versions(self, article: str) -> list[VersionRow]:
        """Every version of ``article``, oldest first."""
        return self._rows("WHERE article = ? ORDER BY number", (article,))

    def latest(self, article: str) -> VersionRow | None:
        rows = self._rows("WHERE article = ? ORDER BY number DESC LIMIT 1", (article,))
        return rows[0] if rows else None

    def article_ids(self) -> list[str]:
        return [row[0] for row in self._connection.execute("SELECT DISTINCT article FROM versions ORDER BY article")]

    def articles_with_url(self, url: str) -> list[str]:
        query = "SELECT DISTINCT article FROM versions WHERE url = ? OR canonical_url = ? ORDER BY article"
        return [row[0] for row in self._connection.execute(query, (url, url))]

    def urls(self) -> Iterator[tuple[str, str]]:
        """(article, URL) pairs for every URL an article has been captured under."""
        query = (
            "SELECT DISTINCT article, url FROM versions WHERE url IS NOT NULL "
            "UNION SELECT DISTINCT article, canonical_url FROM versions WHERE canonical_url IS NOT NULL"
        )
        yield from self._connection.execute(query)

    def all_versions(self) -> list[VersionRow]:
        """Every version of every article, by article then number."""
        return self._rows("ORDER BY article, number", ())

    def _rows(self, clause: str, parameters: tuple[Any, ...]) -> list[VersionRow]:
        query = f"SELECT article, number, commit_id, metadata FROM versions {clause}"
        return [
            (article, number, commit, json.loads(metadata))
            for article, number, commit, metadata in self._connection.execute(query, parameters)
        ]

    def close(self) -> None:
        self._connection.close()
