"""Export to a SQLite database that Datasette opens: articles, versions, sentences and changes.

Built with sqlite-utils from the versions the other exports read (each checked against its recorded
sha256 first). ``sentences`` has the shape NewsEdits publishes (article, version, index, text), split by
``archive.compare``'s sentence splitter; ``changes`` holds the claim-level comparison of each consecutive
pair of versions (``archive.compare.claims.compare`` on the stored texts and titles), the changes that
are not ``unchanged``. Text columns have full-text search (FTS5); rows reference their article and
version by foreign keys. The same store gives the same bytes: rows go in in the order of the history,
nothing holds the clock, and the file is vacuumed before it is renamed into place.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table

from archive.audit.export import Export, ExportedVersion, exported_versions, file_target_folder, refuse_inside_store
from archive.compare.claims import compare
from archive.compare.sentences import split_sentences
from archive.errors import InvalidInput
from archive.store.repository import Store

__all__ = ["export_sqlite"]


def export_sqlite(store: Store, target: str | Path, force: bool = False) -> Export:
    """A SQLite database at ``target`` (see the module docstring for its tables); an existing file is refused
    unless ``force``, and then replaced only once the new database is complete."""
    refuse_inside_store(store, target)
    destination = Path(target)
    parent = file_target_folder(target, force)
    history, versions = exported_versions(store)
    try:
        handle, name = tempfile.mkstemp(dir=parent, prefix=f".{destination.name}.", suffix=".part")
    except OSError as error:
        raise InvalidInput(f"cannot write {target}: {error.strerror or error}") from None
    os.close(handle)
    work = Path(name)
    try:
        work.unlink()  # sqlite3 makes the file itself
        connection = sqlite3.connect(work)
        try:
            _fill(sqlite_utils.Database(connection), versions)
            connection.execute("VACUUM")
        finally:
            connection.close()
        os.replace(work, destination)
    except BaseException:
        work.unlink(missing_ok=True)
        raise
    return Export("sqlite", str(destination), history.head, len(versions), 1, destination.stat().st_size)


def _fill(db: sqlite_utils.Database, versions: list[ExportedVersion]) -> None:
    by_article: dict[str, list[tuple[int, ExportedVersion]]] = {}
    for key, version in enumerate(versions, start=1):
        by_article.setdefault(version.article, []).append((key, version))
    for rows in by_article.values():
        rows.sort(key=lambda row: row[1].number)
    # Tables are created before rows go in, so an empty store gives the same (empty) tables.
    articles = Table(db, "articles")
    articles.create(_ARTICLE_COLUMNS, pk="id")
    articles.insert_all(_article_row(article, rows) for article, rows in by_article.items())
    table = Table(db, "versions")
    table.create(_VERSION_COLUMNS, pk="id", foreign_keys=[("article", "articles", "id")])
    table.create_index(["article", "version"], unique=True)
    table.insert_all(_version_row(key, version) for key, version in enumerate(versions, start=1))
    sentences = Table(db, "sentences")
    sentences.create(
        _SENTENCE_COLUMNS,
        pk=("version_id", "index"),
        foreign_keys=[("article", "articles", "id"), ("version_id", "versions", "id")],
    )
    sentences.create_index(["article", "version"])
    sentences.insert_all(_sentence_rows(versions))
    changes = Table(db, "changes")
    changes.create(
        _CHANGE_COLUMNS,
        pk="id",
        foreign_keys=[
            ("article", "articles", "id"),
            ("old_version_id", "versions", "id"),
            ("new_version_id", "versions", "id"),
        ],
    )
    changes.create_index(["article", "old_version", "new_version"])
    changes.insert_all(_change_rows(by_article))
    # Static tables: the FTS index is built once, with no triggers (nothing writes to an export afterwards).
    table.enable_fts(["title", "text"], fts_version="FTS5")
    sentences.enable_fts(["text"], fts_version="FTS5")
    changes.enable_fts(["old_text", "new_text"], fts_version="FTS5")


_ARTICLE_COLUMNS: dict[str, Any] = {
    "id": str,
    "url": str,
    "title": str,
    "versions": int,
    "first_captured": str,
    "last_captured": str,
}

_SENTENCE_COLUMNS: dict[str, Any] = {
    "article": str,
    "version": int,
    "index": int,
    "text": str,
    "paragraph": int,
    "version_id": int,
}

_VERSION_COLUMNS: dict[str, Any] = {
    "id": int,
    "article": str,
    "version": int,
    "commit": str,
    "captured_at": str,
    "source": str,
    "url": str,
    "final_url": str,
    "title": str,
    "published": str,
    "text_sha256": str,
    "raw_file": str,
    "raw_sha256": str,
    "media_type": str,
    "metadata": str,
    "text": str,
}

_CHANGE_COLUMNS: dict[str, Any] = {
    "id": int,
    "article": str,
    "old_version": int,
    "new_version": int,
    "position": int,
    "kind": str,
    "substantive": int,
    "reasons": str,
    "old_text": str,
    "new_text": str,
    "old_version_id": int,
    "new_version_id": int,
}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _article_row(article: str, rows: list[tuple[int, ExportedVersion]]) -> dict[str, Any]:
    first, last = rows[0][1].metadata, rows[-1][1].metadata
    return {
        "id": article,
        "url": _text(first.get("url")),
        "title": _text(last.get("title")),
        "versions": len(rows),
        "first_captured": str(first["captured_at"]),
        "last_captured": str(last["captured_at"]),
    }


def _version_row(key: int, version: ExportedVersion) -> dict[str, Any]:
    metadata = version.metadata
    raw = metadata.get("raw") or {}
    return {
        "id": key,
        "article": version.article,
        "version": version.number,
        "commit": version.commit,
        "captured_at": str(metadata["captured_at"]),
        "source": _text(metadata.get("source")),
        "url": _text(metadata.get("url")),
        "final_url": _text(metadata.get("final_url")),
        "title": _text(metadata.get("title")),
        "published": _text(metadata.get("published")),
        "text_sha256": str(metadata["text"]["sha256"]),
        "raw_file": _text(raw.get("file")),
        "raw_sha256": _text(raw.get("sha256")),
        "media_type": _text(raw.get("media_type")),
        "metadata": json.dumps(metadata, ensure_ascii=False, sort_keys=True, default=str),
        "text": version.text.decode("utf-8"),
    }


def _sentence_rows(versions: list[ExportedVersion]) -> Iterator[dict[str, Any]]:
    for key, version in enumerate(versions, start=1):
        for sentence in split_sentences(version.text.decode("utf-8")):
            yield {
                "article": version.article,
                "version": version.number,
                "index": sentence.index,
                "text": sentence.text,
                "paragraph": sentence.paragraph,
                "version_id": key,
            }


def _change_rows(by_article: dict[str, list[tuple[int, ExportedVersion]]]) -> Iterator[dict[str, Any]]:
    key = 0
    for article, rows in by_article.items():
        for (old_key, old), (new_key, new) in pairwise(rows):
            comparison = compare(
                old.text.decode("utf-8"),
                new.text.decode("utf-8"),
                old_title=_text(old.metadata.get("title")),
                new_title=_text(new.metadata.get("title")),
            )
            for position, change in enumerate(comparison.changes):
                if change.kind == "unchanged":
                    continue
                key += 1
                yield {
                    "id": key,
                    "article": article,
                    "old_version": old.number,
                    "new_version": new.number,
                    "position": position,
                    "kind": str(change.kind),
                    "substantive": int(change.substantive),
                    "reasons": json.dumps([reason.to_dict() for reason in change.reasons], ensure_ascii=False),
                    "old_text": change.old.text if change.old else None,
                    "new_text": change.new.text if change.new else None,
                    "old_version_id": old_key,
                    "new_version_id": new_key,
                }
