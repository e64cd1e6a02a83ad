"""A derived, rebuildable lookup table of articles and versions.

Answering "which articles are there" or "what are this article's versions"
from git alone means walking the whole history. The index caches, per
version, its article, number, commit and metadata, stamped with the branch
head it reflects. It lives inside ``.git`` and is never committed or trusted
for verification: deleting it only costs a rebuild.

Being derived, it needs to be right and whole, not durable: its stamp is
written in the same transaction as its rows, so a write lost in a crash only
leaves it stale, which the next command sees and redoes. It still keeps SQLite's
defaults, a rollback journal deleted at commit and ``synchronous=FULL`` (4
fsyncs a write: the journal twice, its directory, the file; all the fsyncs of a
small snapshot, whose git writes sync nothing), since each cheaper setting
costs as much in a process that writes once, or may corrupt the file:
``synchronous=NORMAL`` saves one fsync but may corrupt it on power loss; WAL
with ``NORMAL`` syncs nothing at commit but checkpoints when the process closes
it (4 fsyncs too), and every reader needs a ``-shm`` file: one made by a read
would stay behind, and a read-only store without one cannot be opened; a
journal truncated or kept (``TRUNCATE``, ``PERSIST``) costs a fifth fsync.
What is saved is a commit: a new cache's schema is made in the transaction of
its first write (``_transaction``), so making one costs 4 fsyncs, not 8.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.model import ArticleSummary, Version, parse_time

__all__ = ["VersionRow", "ChangeRow", "ChangeKey", "ChangeFilter", "Index", "Cursor", "as_version"]

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
CREATE INDEX IF NOT EXISTS versions_canonical_url ON versions (canonical_url);
CREATE INDEX IF NOT EXISTS versions_commit ON versions (commit_id);
CREATE TABLE IF NOT EXISTS articles (
    article TEXT PRIMARY KEY,
    versions INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT,
    canonical_url TEXT
);
CREATE INDEX IF NOT EXISTS articles_last_seen ON articles (last_seen, article);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(article, title, urls, tokenize = 'unicode61 remove_diacritics 2');
CREATE INDEX IF NOT EXISTS versions_captured ON versions (captured_at);
CREATE TABLE IF NOT EXISTS compared (
    article TEXT NOT NULL,
    number INTEGER NOT NULL,
    commit_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (article, number)
);
CREATE TABLE IF NOT EXISTS changes (
    article TEXT NOT NULL,
    old_number INTEGER NOT NULL,
    new_number INTEGER NOT NULL,
    position INTEGER NOT NULL,
    old_commit TEXT NOT NULL,
    new_commit TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    site TEXT,
    kind TEXT NOT NULL,
    tags TEXT NOT NULL,
    substantive INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    old_text TEXT,
    new_text TEXT,
    PRIMARY KEY (article, new_number, position)
);
CREATE INDEX IF NOT EXISTS changes_order ON changes (captured_at DESC, article, new_number DESC, position);
CREATE INDEX IF NOT EXISTS changes_site ON changes (site, captured_at);
CREATE INDEX IF NOT EXISTS versions_final_url ON versions (json_extract(metadata, '$.final_url'))
    WHERE json_extract(metadata, '$.final_url') IS NOT NULL;
"""
# 2: one row per article (its summary, for pages of the list) and a full-text index of ids, titles and URLs.
_INDEX_VERSION = "2"

# Each article's summary from its versions, for the articles in temp.touched (rowids are kept: the search
# index refers to them).
_SUMMARIZE = (
    """INSERT INTO articles (article, versions, first_seen, last_seen, title, url, canonical_url)
    SELECT s.article, s.n, s.first, s.last, coalesce(v.title, ''), v.url, v.canonical_url
    FROM (SELECT article, count(*) AS n, min(captured_at) AS first, max(captured_at) AS last, max(number) AS top
          FROM versions WHERE article IN temp.touched GROUP BY article) AS s
    JOIN versions AS v ON v.article = s.article AND v.number = s.top
    WHERE true
    ON CONFLICT (article) DO UPDATE SET versions = excluded.versions, first_seen = excluded.first_seen,
        last_seen = excluded.last_seen, title = excluded.title, url = excluded.url,
        canonical_url = excluded.canonical_url""",
    "DELETE FROM search WHERE rowid IN (SELECT rowid FROM articles WHERE article IN temp.touched)",
    """INSERT INTO search (rowid, article, title, urls)
    SELECT rowid, article, title, coalesce(url, '') || ' ' || coalesce(canonical_url, '')
    FROM articles WHERE article IN temp.touched""",
)
_SUMMARY_COLUMNS = "article, versions, first_seen, last_seen, title, url, canonical_url"
# A page of the list, newest first: (last_seen, article) after or before a cursor, on the articles_last_seen index.
_RECENT_FIRST = "last_seen DESC, article DESC"
_OLDER = "(last_seen < ? OR (last_seen = ? AND article < ?))"
_NEWER = "(last_seen > ? OR (last_seen = ? AND article > ?))"
_WORD = re.compile(r"\S+")

VersionRow = tuple[str, int, str, dict[str, Any]]
"""(article id, version number, commit id, metadata)"""

ChangeRow = tuple[str, int, int, int, str, str, str, str | None, str, str, bool, str, str | None, str | None]
"""One claim-level change of a version from the one before it, as the ``changes`` table keeps it:
(article, old number, new number, position, old commit, new commit, captured_at of the new version, site host,
kind, tags (the kind and the reason codes it may be selected by, space-separated), substantive, reasons (JSON),
old text, new text). ``archive.review.changelog`` computes them; this module only keeps and selects them."""

_CHANGE_COLUMNS = (
    "article, old_number, new_number, position, old_commit, new_commit, captured_at, site, kind, tags, "
    "substantive, reasons, old_text, new_text"
)
# Newest first; within one version pair, in reading order. A page cursor is (captured_at, article, new_number,
# position) of a row, compared in this order.
_NEWEST_FIRST = "captured_at DESC, article ASC, new_number DESC, position ASC"
_OLDER_THAN = (
    "(captured_at < ? OR (captured_at = ? AND (article > ? OR (article = ? AND "
    "(new_number < ? OR (new_number = ? AND position > ?))))))"
)
_NEWER_THAN = (
    "(captured_at > ? OR (captured_at = ? AND (article < ? OR (article = ? AND "
    "(new_number > ? OR (new_number = ? AND position < ?))))))"
)

ChangeKey = tuple[str, str, int, int]
"""Where a row sits in the newest-first order: (captured_at, article, new number, position)."""


@dataclass(frozen=True)
class ChangeFilter:
    """Which rows of the ``changes`` table a selection wants; None or empty means any.

    ``since``/``until`` bound the new version's capture time (canonical strings, inclusive); ``articles``
    are ids; ``site`` a host, matched with its subdomains; ``tags`` kinds or reason codes, any of which a row
    must carry; ``cosmetic`` keeps cosmetic rows too.
    """

    since: str | None = None
    until: str | None = None
    articles: tuple[str, ...] = ()
    site: str | None = None
    tags: tuple[str, ...] = ()
    cosmetic: bool = False


Cursor = tuple[str, str]
"""Where an article sits in the list, newest first: (last_seen, article id); stable as others are added."""


def as_version(row: VersionRow) -> Version:
    """The version a row of the lookup table describes."""
    article, number, commit, metadata = row
    return Version(article, number, commit, parse_time(metadata["captured_at"]), metadata)


class Index:
    """The lookup table, backed by SQLite (or memory, for a store whose file cannot be written).

    Reading never writes: the file is opened read-only (``mode=ro``), so a
    read command changes nothing and works on a read-only store. ``update``
    opens it for writing, creating or upgrading the schema. The connection may
    be used from any thread, one at a time.
    """

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._writable = path is None
        self._connection = self._memory() if path is None else self._reader(path)
        # Whether the writing connection's file has this schema; if not, its first transaction makes it.
        self._schema_made = path is None

    @staticmethod
    def _memory() -> sqlite3.Connection:
        connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        connection.executescript(_SCHEMA)
        return connection

    @staticmethod
    def _reader(path: Path) -> sqlite3.Connection | None:
        """The file opened read-only, or None when it is missing, unreadable or of another schema."""
        if not path.is_file():
            return None
        try:
            connection = sqlite3.connect(
                f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
            if Index._current(connection):
                return connection
            connection.close()
        except sqlite3.Error:
            pass
        return None

    @staticmethod
    def _current(connection: sqlite3.Connection) -> bool:
        """Whether the file has this schema (False for a new file, an older cache or one that cannot be read)."""
        try:
            return Index._stamp_of(connection, "schema") == _INDEX_VERSION
        except sqlite3.Error:
            return False

    def _writer(self) -> sqlite3.Connection:
        """The connection, opened for writing (on a read-only store, it or its first write raises sqlite3.Error
        or OSError)."""
        if self._writable and self._connection is not None:
            return self._connection
        assert self._path is not None
        self._path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self._path, timeout=60, isolation_level=None, check_same_thread=False)
        if self._connection is not None:
            self._connection.close()
        self._connection, self._writable, self._schema_made = connection, True, False
        return connection

    @contextmanager
    def _transaction(self, connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """One write transaction on ``connection`` (``_writer``'s or ``_scratch``'s), its first also creating what
        the schema lacks or upgrading it: a new cache is made and filled in one commit, one journal's fsyncs."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            if not self._schema_made:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    connection.execute(statement)
                if Index._stamp_of(connection, "schema") != _INDEX_VERSION:  # an older cache: rebuilt from git
                    for table in ("versions", "articles", "search", "compared", "changes", "stamp"):
                        connection.execute(f"DELETE FROM {table}")
                    connection.execute("INSERT INTO stamp VALUES ('schema', ?)", (_INDEX_VERSION,))
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):  # SQLite may have rolled back already (a full disk, an I/O error)
                connection.execute("ROLLBACK")
            if self._path is not None and not self._current(connection):  # a new or older file, not to be read
                connection.close()
                self._connection, self._writable = None, False
            raise
        self._schema_made = True

    def _scratch(self) -> sqlite3.Connection:
        """A connection derived tables can be written to: the file's, or, when it cannot be written (a read-only
        store, where SQLite opens it read-only and only a write would fail), a copy of it in memory for this
        process."""
        try:
            if self.keeps():
                return self._writer()
        except (sqlite3.Error, OSError):
            pass
        copy = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._read.backup(copy)
        self._read.close()
        self._connection, self._path, self._writable, self._schema_made = copy, None, True, True
        return copy

    def keeps(self) -> bool:
        """Whether what is recorded here is kept: False for a file that cannot be written (a read-only store),
        where recording would first copy the whole cache into memory (``_scratch``)."""
        if self._writable or self._path is None:
            return True
        writable = self._path if self._path.exists() else self._path.parent
        return os.access(writable, os.W_OK) and os.access(self._path.parent, os.W_OK)

    @staticmethod
    def _stamp_of(connection: sqlite3.Connection | None, key: str) -> str | None:
        if connection is None:
            return None
        row = connection.execute("SELECT value FROM stamp WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def head(self) -> str | None:
        """The branch head this index reflects (None for an empty or missing index)."""
        return self._stamp_of(self._connection, "head")

    def update(self, rows: Iterable[VersionRow], head: str | None, reset: bool = False) -> None:
        """Add the versions of the commits up to ``head``, and their articles' summaries, in one transaction."""
        connection = self._writer()
        touched: set[str] = set()

        def values() -> Iterator[tuple[Any, ...]]:
            for article, number, commit, metadata in rows:
                touched.add(article)
                yield (
                    article,
                    number,
                    commit,
                    metadata["captured_at"],
                    metadata.get("url"),
                    metadata.get("canonical_url"),
                    metadata.get("title"),
                    json.dumps(metadata, sort_keys=True, ensure_ascii=False),
                )

        with self._transaction(connection):
            if reset:
                # The changes go with the versions they describe: they are computed again when asked for.
                for table in ("versions", "articles", "search", "compared", "changes"):
                    connection.execute(f"DELETE FROM {table}")
            connection.executemany("INSERT OR REPLACE INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values())
            connection.execute("CREATE TEMP TABLE IF NOT EXISTS touched (article TEXT PRIMARY KEY)")
            connection.execute("DELETE FROM temp.touched")
            connection.executemany("INSERT INTO temp.touched VALUES (?)", ((article,) for article in touched))
            for statement in _SUMMARIZE:
                connection.execute(statement)
            if head is None:
                connection.execute("DELETE FROM stamp WHERE key = 'head'")
            else:
                connection.execute("INSERT OR REPLACE INTO stamp VALUES ('head', ?)", (head,))

    @property
    def _read(self) -> sqlite3.Connection:
        if self._connection is None:  # no file yet: an empty index (``head`` is None)
            self._connection = self._memory()
            self._writable = self._path is None
        return self._connection

    def versions(self, article: str) -> list[VersionRow]:
        """Every version of ``article``, oldest first."""
        return self._rows("WHERE article = ? ORDER BY number", (article,))

    def latest(self, article: str) -> VersionRow | None:
        rows = self._rows("WHERE article = ? ORDER BY number DESC LIMIT 1", (article,))
        return rows[0] if rows else None

    def has_article(self, article: str) -> bool:
        return self._read.execute("SELECT 1 FROM articles WHERE article = ?", (article,)).fetchone() is not None

    def article_ids(self) -> list[str]:
        return [row[0] for row in self._read.execute("SELECT article FROM articles ORDER BY article")]

    def articles_with_url(self, url: str) -> list[str]:
        query = "SELECT article FROM versions WHERE url = ? UNION SELECT article FROM versions WHERE canonical_url = ?"
        return sorted(row[0] for row in self._read.execute(query, (url, url)))

    def captures_from(self, url: str) -> list[tuple[str, int, str, str]]:
        """Every version of the articles captured from ``url`` (a version's URL, final URL or canonical URL), as
        (article, number, commit, captured_at), oldest first: the mementos of that URL (``archive.web.memento``).

        Final URLs are matched on their index, which the first write to a cache made before it creates: without
        it, they would cost a scan of every version's metadata, so only URLs and canonical URLs are matched."""
        final = "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'versions_final_url'"
        by_final = (
            " UNION SELECT article FROM versions WHERE json_extract(metadata, '$.final_url') = ?1"
            if self._read.execute(final).fetchone()
            else ""
        )
        query = (
            "SELECT article, number, commit_id, captured_at FROM versions WHERE article IN ("
            f"SELECT article FROM versions WHERE url = ?1 UNION SELECT article FROM versions WHERE canonical_url = ?1"
            f"{by_final}) ORDER BY captured_at, article, number"
        )
        return self._read.execute(query, (url,)).fetchall()

    def articles_starting(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` articles whose id, or a URL they were captured under, starts with ``prefix``."""
        end = prefix + "\U0010ffff"
        query = (
            "SELECT article FROM (SELECT article FROM articles WHERE article >= ?1 AND article < ?2 LIMIT ?3) "
            "UNION SELECT article FROM (SELECT article FROM versions WHERE url >= ?1 AND url < ?2 LIMIT ?3) "
            "UNION SELECT article FROM (SELECT article FROM versions WHERE canonical_url >= ?1 AND canonical_url < ?2 "
            "LIMIT ?3) ORDER BY article LIMIT ?3"
        )
        return [row[0] for row in self._read.execute(query, (prefix, end, limit))]

    def summaries(self, limit: int, after: Cursor | None = None, before: Cursor | None = None) -> list[ArticleSummary]:
        """A page of articles, most recently captured first: the ``limit`` after cursor ``after``, or before
        ``before`` (the page that precedes it), else the first ``limit``."""
        if before is not None:
            query = f"SELECT {_SUMMARY_COLUMNS} FROM articles WHERE {_NEWER} ORDER BY last_seen, article LIMIT ?"
            rows = list(self._read.execute(query, (before[0], before[0], before[1], limit)))[::-1]
        elif after is not None:
            query = f"SELECT {_SUMMARY_COLUMNS} FROM articles WHERE {_OLDER} ORDER BY {_RECENT_FIRST} LIMIT ?"
            rows = list(self._read.execute(query, (after[0], after[0], after[1], limit)))
        else:
            query = f"SELECT {_SUMMARY_COLUMNS} FROM articles ORDER BY {_RECENT_FIRST} LIMIT ?"
            rows = list(self._read.execute(query, (limit,)))
        return [_summary(row) for row in rows]

    def summaries_by_id(self, limit: int | None = None, after: str | None = None) -> list[ArticleSummary]:
        """Articles in id order, from the one after ``after``; all of them when ``limit`` is None."""
        query = f"SELECT {_SUMMARY_COLUMNS} FROM articles WHERE article > ? ORDER BY article LIMIT ?"
        return [_summary(row) for row in self._read.execute(query, (after or "", -1 if limit is None else limit))]

    def search(
        self, words: str, limit: int, after: int | None = None, before: int | None = None
    ) -> list[tuple[int, ArticleSummary]]:
        """Articles whose id, title or URLs hold every word of ``words`` (the last one as a prefix), with their
        search cursors, newest first: the ``limit`` after cursor ``after``, or before ``before``."""
        terms = [f'"{word.replace(chr(34), chr(34) * 2)}"' for word in _WORD.findall(words)]
        if not terms:
            return []
        terms[-1] += "*"
        columns = ", ".join(f"a.{name}" for name in _SUMMARY_COLUMNS.split(", "))
        query = f"SELECT s.rowid, {columns} FROM search AS s JOIN articles AS a ON a.rowid = s.rowid"
        query += " WHERE search MATCH ?"
        parameters: list[Any] = [" ".join(terms)]
        if before is not None:
            query += " AND s.rowid > ? ORDER BY s.rowid LIMIT ?"
            parameters += [before, limit]
        else:
            query += " AND s.rowid < ? ORDER BY s.rowid DESC LIMIT ?"
            parameters += [after if after is not None else 2**63 - 1, limit]
        try:
            rows = list(self._read.execute(query, parameters))
        except sqlite3.OperationalError:  # FTS5 rejects the words (an unbalanced construct): no match
            return []
        found = [(row[0], _summary(row[1:])) for row in rows]
        return found[::-1] if before is not None else found

    def all_versions(self) -> list[VersionRow]:
        """Every version of every article, by article then number."""
        return self._rows("ORDER BY article, number", ())

    def _rows(self, clause: str, parameters: tuple[Any, ...]) -> list[VersionRow]:
        query = f"SELECT article, number, commit_id, metadata FROM versions {clause}"
        return [
            (article, number, commit, json.loads(metadata))
            for article, number, commit, metadata in self._read.execute(query, parameters)
        ]

    def version_row(self, article: str, number: int) -> VersionRow | None:
        rows = self._rows("WHERE article = ? AND number = ?", (article, number))
        return rows[0] if rows else None

    def first_version(self) -> VersionRow | None:
        """The earliest capture in the store (the first version of the first article, by capture time)."""
        rows = self._rows("ORDER BY captured_at, article, number LIMIT 1", ())
        return rows[0] if rows else None

    def last_capture(self) -> str | None:
        """When the latest version was captured (canonical form), None for an empty store."""
        row = self._read.execute("SELECT max(captured_at) FROM versions").fetchone()
        return row[0] if row else None

    def articles_with_prefix(self, prefix: str) -> list[str]:
        query = "SELECT DISTINCT article FROM versions WHERE article >= ? AND article < ? ORDER BY article"
        return [row[0] for row in self._read.execute(query, (prefix, prefix + "\U0010ffff"))]

    # --- the changes each version brought (kept by archive.review.changelog) --------------------------

    def uncompared(self, selection: ChangeFilter, fingerprint: str, limit: int | None = None) -> list[VersionRow]:
        """Versions in ``selection``'s window and articles (not a first version) whose changes are not recorded,
        or were recorded for another commit or by another comparison (``fingerprint``), newest first."""
        clauses, parameters = self._version_window(selection, "v.")
        query = (
            "SELECT v.article, v.number, v.commit_id, v.metadata FROM versions v "
            "LEFT JOIN compared c ON c.article = v.article AND c.number = v.number "
            f"WHERE v.number > 1 AND {' AND '.join(clauses)} "
            "AND (c.commit_id IS NULL OR c.commit_id != v.commit_id OR c.fingerprint != ?) "
            "ORDER BY v.captured_at DESC, v.article, v.number DESC"
        )
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return [
            (article, number, commit, json.loads(metadata))
            for article, number, commit, metadata in self._read.execute(query, (*parameters, fingerprint))
        ]

    def versions_with_commits(self, commits: Sequence[str]) -> list[VersionRow]:
        """The versions recorded by ``commits`` (those the lookup knows), oldest first."""
        rows: list[VersionRow] = []
        for start in range(0, len(commits), 500):
            chunk = list(commits[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            rows.extend(self._rows(f"WHERE commit_id IN ({marks})", tuple(chunk)))
        return sorted(rows, key=lambda row: (row[3]["captured_at"], row[0], row[1]))

    def record_changes(
        self, compared: Iterable[tuple[str, int, str]], rows: Iterable[ChangeRow], fingerprint: str
    ) -> None:
        """Replace the recorded changes of the versions ``compared`` ((article, number, commit)) with ``rows``."""
        with self._transaction(self._scratch()) as connection:
            for article, number, commit in compared:
                connection.execute("DELETE FROM changes WHERE article = ? AND new_number = ?", (article, number))
                connection.execute(
                    "INSERT OR REPLACE INTO compared VALUES (?, ?, ?, ?)", (article, number, commit, fingerprint)
                )
            marks = ", ".join("?" * 14)
            connection.executemany(f"INSERT OR REPLACE INTO changes ({_CHANGE_COLUMNS}) VALUES ({marks})", rows)

    def changes(
        self,
        selection: ChangeFilter,
        limit: int | None = None,
        older_than: ChangeKey | None = None,
        newer_than: ChangeKey | None = None,
    ) -> list[ChangeRow]:
        """The recorded changes ``selection`` wants, newest first; a page of ``limit`` rows from a cursor:
        the rows after ``older_than``, or the ``limit`` rows just before ``newer_than``."""
        clauses, parameters = self._version_window(selection, "")
        if not selection.cosmetic:
            clauses.append("substantive = 1")
        if selection.site:
            clauses.append("(site = ? OR site LIKE ?)")
            parameters += [selection.site, "%." + selection.site]
        if selection.tags:
            clauses.append("(" + " OR ".join("instr(' ' || tags || ' ', ?) > 0" for _ in selection.tags) + ")")
            parameters += [f" {tag} " for tag in selection.tags]
        order = _NEWEST_FIRST
        if older_than is not None:
            clauses.append(_OLDER_THAN)
            parameters += _cursor_parameters(older_than)
        elif newer_than is not None:
            clauses.append(_NEWER_THAN)
            parameters += _cursor_parameters(newer_than)
            order = "captured_at ASC, article DESC, new_number ASC, position DESC"
        query = f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE {' AND '.join(clauses)} ORDER BY {order}"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        rows = [(*row[:10], bool(row[10]), *row[11:]) for row in self._read.execute(query, parameters)]
        if newer_than is not None:
            rows.reverse()
        return rows

    def is_compared(self, article: str, number: int, commit: str, fingerprint: str) -> bool:
        """True when the changes of that version (as of ``commit``) are recorded by that comparison code."""
        query = "SELECT 1 FROM compared WHERE article = ? AND number = ? AND commit_id = ? AND fingerprint = ?"
        return bool(self._recorded(query, (article, number, commit, fingerprint)))

    def _recorded(self, query: str, parameters: tuple[Any, ...]) -> list[Any]:
        """The rows of a query on the changes or compared table: none in a cache made before those tables were
        (they are created by the first write that records changes)."""
        try:
            return self._read.execute(query, parameters).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" not in str(error):
                raise
            return []

    def changes_of(self, article: str, number: int) -> list[ChangeRow]:
        """The recorded changes of one version from the one before, in reading order."""
        query = f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE article = ? AND new_number = ? ORDER BY position"
        return [(*row[:10], bool(row[10]), *row[11:]) for row in self._read.execute(query, (article, number))]

    def compared_versions(self, article: str, fingerprint: str) -> dict[int, str]:
        """The versions of ``article`` whose changes that comparison code recorded: number -> commit."""
        query = "SELECT number, commit_id FROM compared WHERE article = ? AND fingerprint = ?"
        return dict(self._recorded(query, (article, fingerprint)))

    def change_counts(self, article: str) -> dict[int, tuple[int, int]]:
        """How many substantive and cosmetic changes each version of ``article`` recorded (the headline apart)."""
        query = (
            "SELECT new_number, sum(substantive), count(*) - sum(substantive) FROM changes "
            "WHERE article = ? AND position >= 0 GROUP BY new_number"
        )
        return {number: (substantive, cosmetic) for number, substantive, cosmetic in self._recorded(query, (article,))}

    def has_tag(self, tag: str) -> bool:
        """True when a recorded change carries ``tag`` (a kind or reason code)."""
        query = "SELECT 1 FROM changes WHERE instr(' ' || tags || ' ', ?) > 0 LIMIT 1"
        return self._read.execute(query, (f" {tag} ",)).fetchone() is not None

    @staticmethod
    def _version_window(selection: ChangeFilter, prefix: str) -> tuple[list[str], list[Any]]:
        """SQL conditions on a table with ``captured_at`` and ``article`` columns for ``selection``'s window."""
        clauses, parameters = ["1 = 1"], list[Any]()
        if selection.since is not None:
            clauses.append(f"{prefix}captured_at >= ?")
            parameters.append(selection.since)
        if selection.until is not None:
            clauses.append(f"{prefix}captured_at <= ?")
            parameters.append(selection.until)
        if selection.articles:
            clauses.append(f"{prefix}article IN ({', '.join('?' * len(selection.articles))})")
            parameters += selection.articles
        return clauses, parameters

    def compact(self) -> None:
        """Rewrite the database without its free pages (``VACUUM``), and let SQLite refresh its statistics."""
        connection = self._writer()
        with self._transaction(connection):  # only the schema, for a cache made here (VACUUM runs outside one)
            pass
        connection.execute("VACUUM")
        connection.execute("PRAGMA optimize")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def _cursor_parameters(key: ChangeKey) -> list[Any]:
    captured_at, article, number, position = key
    return [captured_at, captured_at, article, article, number, number, position]


def _summary(row: tuple[Any, ...]) -> ArticleSummary:
    article, versions, first_seen, last_seen, title, url, canonical_url = row
    return ArticleSummary(article, title, url, canonical_url, versions, parse_time(first_seen), parse_time(last_seen))
