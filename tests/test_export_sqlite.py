"""`archive export --format sqlite`: a database Datasette opens and queries, holding every version's text,
the sentences and the claim-level changes; deterministic; an existing target refused unless --force."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import SEED, SEED_REVISION, store_state
from datasette.app import Datasette

from archive.audit.database import export_sqlite
from archive.capture.fetch import Capture
from archive.compare.claims import compare
from archive.compare.sentences import split_sentences
from archive.ingest.snapshot import snapshot
from archive.store.repository import Store


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2021, 12, day, hour, tzinfo=UTC)


@pytest.fixture
def filled(store: Store) -> Store:
    """Two versions of a seed article and two of a stdin note."""
    snapshot(store, str(SEED), article_id="putin", at=at(19))
    snapshot(store, str(SEED_REVISION), article_id="putin", at=at(20))
    snapshot(store, Capture(raw=b"Note\nA line of text.\n", source="stdin", media_type="text/plain"),
             article_id="note", at=at(20, 13))  # fmt: skip
    snapshot(store, Capture(raw=b"Note\nA line of text. Police said 12 were hurt.\n", source="stdin",
             media_type="text/plain"), article_id="note", at=at(21))  # fmt: skip
    return store


def datasette_rows(path: Path, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of ``sql`` as Datasette's JSON API answers it (the database opened read-only by Datasette)."""

    async def query() -> list[dict[str, Any]]:
        ds = Datasette([str(path)])
        response = await ds.client.get(f"/{path.stem}.json", params={"sql": sql, "_shape": "array", **params})
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()
        return rows

    return asyncio.run(query())


def test_datasette_round_trips_every_version_text(filled: Store, tmp_path: Path) -> None:
    target = tmp_path / "archive.db"
    result = export_sqlite(filled, target)
    assert (result.format, result.versions, result.files) == ("sqlite", 4, 1)
    rows = datasette_rows(target, "select article, version, [commit], text from versions order by id")
    stored = [(v.article_id, v.number, v.commit, filled.text(v)) for a in ("putin", "note") for v in filled.versions(a)]
    assert [(r["article"], r["version"], r["commit"], r["text"]) for r in rows] == stored


def test_sentences_have_the_newsedits_shape_and_the_splitter_s_sentences(filled: Store, tmp_path: Path) -> None:
    target = tmp_path / "archive.db"
    export_sqlite(filled, target)
    rows = datasette_rows(
        target,
        "select s.[index], s.text from sentences s join versions v on v.id = s.version_id "
        "where v.article = :article and v.version = :version order by s.[index]",
        article="putin",
        version="2",
    )
    version = filled.versions("putin")[1]
    expected = [(s.index, s.text) for s in split_sentences(filled.text(version))]
    assert [(r["index"], r["text"]) for r in rows] == expected
    columns = datasette_rows(target, "select name from pragma_table_info('sentences') order by cid")
    assert [c["name"] for c in columns] == ["article", "version", "index", "text", "paragraph", "version_id"]


def test_changes_are_the_claim_comparison_of_each_consecutive_pair(filled: Store, tmp_path: Path) -> None:
    target = tmp_path / "archive.db"
    export_sqlite(filled, target)
    old, new = filled.versions("note")
    comparison = compare(filled.text(old), filled.text(new), old_title=old.title, new_title=new.title)
    expected = [
        (str(c.kind), int(c.substantive), [r.code for r in c.reasons], c.old and c.old.text, c.new and c.new.text)
        for c in comparison.changes
        if c.kind != "unchanged"
    ]
    rows = datasette_rows(
        target,
        "select kind, substantive, reasons, old_text, new_text from changes "
        "where article = 'note' and old_version = 1 and new_version = 2 order by position",
    )
    got = [
        (r["kind"], r["substantive"], [x["code"] for x in json.loads(r["reasons"])], r["old_text"], r["new_text"])
        for r in rows
    ]
    assert got == expected and got  # the added sentence with a number is there
    assert any(r["substantive"] for r in rows)


def test_full_text_search_and_foreign_keys(filled: Store, tmp_path: Path) -> None:
    target = tmp_path / "archive.db"
    export_sqlite(filled, target)
    hits = datasette_rows(
        target,
        "select s.article, s.version from sentences s join sentences_fts f on f.rowid = s.rowid "
        "where sentences_fts match :q order by s.article, s.version",
        q="police",
    )
    assert hits == [{"article": "note", "version": 2}]

    async def table_facts() -> tuple[list[Any], list[Any]]:
        ds = Datasette([str(target)])
        db = ds.get_database("archive")
        fts = await db.fts_table("versions")
        keys = await db.execute("select [table], [from], [to] from pragma_foreign_key_list('sentences')")
        return [fts], sorted(tuple(row) for row in keys.rows)

    fts, keys = asyncio.run(table_facts())
    assert fts == ["versions_fts"]
    assert keys == [("articles", "article", "id"), ("versions", "version_id", "id")]


def test_same_store_gives_the_same_bytes(filled: Store, tmp_path: Path) -> None:
    export_sqlite(filled, tmp_path / "a.db")
    export_sqlite(filled, tmp_path / "b.db")
    assert (tmp_path / "a.db").read_bytes() == (tmp_path / "b.db").read_bytes()


def test_an_existing_target_is_refused_unless_force(
    filled: Store, run: Callable[..., Result], store_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "archive.db"
    target.write_text("mine\n")
    before = store_state(store_path)
    result = run("export", "--format", "sqlite", str(target))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {target} already exists (give --force to replace it)\n"
    assert target.read_text() == "mine\n" and store_state(store_path) == before
    result = run("export", "--format", "sqlite", str(target), "--force")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote {target} (sqlite): 4 versions")
    assert datasette_rows(target, "select count(*) as n from versions") == [{"n": 4}]
    assert store_state(store_path) == before


def test_a_target_inside_the_store_is_refused(filled: Store, run: Callable[..., Result], store_path: Path) -> None:
    before = store_state(store_path)
    result = run("export", "--format", "sqlite", str(store_path / "archive.db"))
    assert result.exit_code == 2 and result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert store_state(store_path) == before
