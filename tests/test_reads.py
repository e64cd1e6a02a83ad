"""Reading a store: commands find one article by its key, write nothing, and work on a read-only store, with the
lookup cache current, stale or missing."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SEED, SEED_REVISION, on_read_only_filesystem, read_only_mount_works

from archive.cli import cli
from archive.ingest.snapshot import snapshot
from archive.store.layout import LOOKUP_FILE, PRIVATE_DIR
from archive.store.repository import Store

DAY = [datetime(2021, 12, day, 12, tzinfo=UTC) for day in (17, 18, 19)]
READS = [
    ["show", "putin@latest"],
    ["show", "putin@1", "--json"],
    ["history", "putin"],
    ["diff", "putin"],
    ["claims", "putin"],
    ["timeline", "putin"],
    ["log", "-n", "20"],
    ["list", "-n", "20"],
    ["list"],
]


def every_file(path: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``path`` (``.git`` and its lookup cache included): a hash of its bytes and its mtime."""
    return {
        item.relative_to(path).as_posix(): (hashlib.sha256(item.read_bytes()).hexdigest(), item.stat().st_mtime_ns)
        for item in sorted(path.rglob("*"))
        if item.is_file()
    }


def cli_run(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), *args], catch_exceptions=False)


def cache(store: Path) -> Path:
    return store / ".git" / PRIVATE_DIR / LOOKUP_FILE


@pytest.fixture
def archived(store: Store, store_path: Path) -> Path:
    """Two articles: putin with two versions, other with one."""
    snapshot(store, str(SEED), article_id="putin", at=DAY[0])
    snapshot(store, str(SEED_REVISION), article_id="putin", at=DAY[1])
    snapshot(store, str(SEED), article_id="other", at=DAY[2])
    return store_path


def test_read_commands_write_nothing_when_the_cache_is_current(archived: Path) -> None:
    before = every_file(archived)
    assert cache(archived).relative_to(archived).as_posix() in before
    for command in READS:
        result = cli_run(archived, *command)
        assert result.exit_code == 0, (command, result.output)
    assert every_file(archived) == before


def test_reads_on_a_read_only_store_with_a_stale_or_missing_cache_read_git(archived: Path, tmp_path: Path) -> None:
    if not read_only_mount_works(archived):
        pytest.skip("no user namespaces here to mount the store read-only")
    expected = {tuple(command): cli_run(archived, *command).output for command in READS}
    # A cache from before the last two snapshots (stale: its head is an ancestor of the branch's), then none.
    stale = tmp_path / "stale"
    shutil.copytree(archived, stale)
    with Store.open(stale) as store:
        head = store.head() or ""
        store.git("update-ref", "refs/heads/main", f"{head}~2")
        cache(stale).unlink()
        store.refresh_index()
        store.git("update-ref", "refs/heads/main", head)
    shutil.rmtree(archived / ".git" / PRIVATE_DIR)
    (archived / ".git" / PRIVATE_DIR).mkdir()
    shutil.copy(cache(stale), cache(archived))
    for state in ("stale", "missing"):
        before = every_file(archived)
        for command in READS:
            done = on_read_only_filesystem(archived, *command)
            assert done.returncode == 0 and done.stderr == "", (state, command, done.stderr)
            assert done.stdout == expected[tuple(command)], (state, command)
        assert every_file(archived) == before
        cache(archived).unlink(missing_ok=True)


def test_reads_on_a_read_only_store_with_a_cache_of_an_older_schema_read_git(archived: Path) -> None:
    if not read_only_mount_works(archived):
        pytest.skip("no user namespaces here to mount the store read-only")
    expected = {tuple(command): cli_run(archived, *command).output for command in READS}
    with sqlite3.connect(cache(archived)) as connection:  # schema 1: no article rows, no full-text index
        connection.executescript(
            "DROP TABLE articles; DROP TABLE search; UPDATE stamp SET value = '1' WHERE key = 'schema'"
        )
    connection.close()
    before = every_file(archived)
    for command in READS:  # each opens the cache to upgrade it, cannot, and must not read it as it is
        done = on_read_only_filesystem(archived, *command)
        assert done.returncode == 0 and done.stderr == "", (command, done.stderr)
        assert done.stdout == expected[tuple(command)], command
    assert every_file(archived) == before


def test_a_stale_cache_on_a_writable_store_is_brought_up_to_date_by_a_read(archived: Path) -> None:
    with Store.open(archived) as store:
        head = store.head()
    cache(archived).unlink()
    assert json.loads(cli_run(archived, "history", "putin", "--json").output)["versions"][1]["version"] == 2
    with Store.open(archived, read_only=True) as store:
        assert store._index.head == head


def test_list_pages_through_the_articles_by_id(archived: Path) -> None:
    first = json.loads(cli_run(archived, "list", "-n", "1", "--json").output)["articles"]
    assert [(a["id"], a["versions"]) for a in first] == [("other", 1)]
    second = json.loads(cli_run(archived, "list", "-n", "1", "--after", "other", "--json").output)["articles"]
    assert [(a["id"], a["versions"], a["first_seen"]) for a in second] == [("putin", 2, "2021-12-17T12:00:00Z")]
    assert json.loads(cli_run(archived, "list", "--after", "putin", "--json").output)["articles"] == []


def test_an_article_is_found_by_id_prefix_or_url_without_listing_them_all(archived: Path) -> None:
    with Store.open(archived) as store:
        assert store.find_article("put") == "putin"
        assert store.find_article("oth") == "other"
        with pytest.raises(Exception, match="no article matches 'zzz'"):
            store.find_article("zzz")


def test_log_lists_the_newest_snapshots_first(archived: Path) -> None:
    entries = json.loads(cli_run(archived, "log", "-n", "2", "--json").output)["snapshots"]
    assert [(e["article"], e["version"]) for e in entries] == [("other", 1), ("putin", 2)]
