"""`archive push` / `archive pull`: two collectors and a bare remote on local disk."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SEED, SEED_REVISION, git, store_state

from archive.audit.verify import verify
from archive.cli import cli
from archive.errors import HistoryConflict
from archive.ingest.remote import pull, push
from archive.ingest.snapshot import snapshot
from archive.store.repository import Store

T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def page(tmp_path: Path, name: str, title: str, body: str) -> str:
    path = tmp_path / f"{name}.txt"
    path.write_text(f"{title}\n\nBy Jane Doe\n\n{body}\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """An empty bare repository, as a shared archive would be set up."""
    path = tmp_path / "shared.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    return path


def collector(tmp_path: Path, name: str, shared: Path) -> Store:
    store = Store.init(tmp_path / name)
    git(store.path, "remote", "add", "origin", str(shared))
    return store


def visible_state(path: Path) -> tuple[str, str, dict[str, str]]:
    """Branch, status and working tree: a failed pull may keep the objects it fetched, nothing else."""
    head, status, files = store_state(path)
    return head, status, {name: digest for name, digest in files.items() if not name.startswith(".git/")}


def cli_in(path: Path) -> Callable[..., Result]:
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, ["--store", str(path), *args], catch_exceptions=False)


def test_two_collectors_feed_one_archive(tmp_path: Path, shared: Path) -> None:
    a, b = collector(tmp_path, "a", shared), collector(tmp_path, "b", shared)
    snapshot(a, page(tmp_path, "one", "One", "First story."), article_id="one", at=at(0))
    snapshot(b, page(tmp_path, "two", "Two", "Second story."), article_id="two", at=at(1))
    assert push(a).sent == 1
    with pytest.raises(HistoryConflict, match="run `archive pull origin` first"):
        push(b)
    result = pull(b)
    assert (result.received, result.replayed, result.duplicates) == (1, 1, 0)
    assert push(b).sent == 1
    assert pull(a).received == 1  # a fast-forward: a's own commit is already there
    assert a.head() == b.head() == git(shared, "rev-parse", "main").strip()
    for store in (a, b):
        assert sorted(store.article_ids()) == ["one", "two"]
        assert git(store.path, "status", "--porcelain") == ""
        assert git(store.path, "rev-list", "--merges", "main") == ""  # the history stays linear
        assert verify(store).ok, verify(store).findings
    assert (b.path / "articles").is_dir()
    assert {p.name for p in (a.path / "articles").glob("*/*/*/*/*")} == {"one", "two"}


def test_the_same_article_on_both_collectors_gets_one_chain(tmp_path: Path, shared: Path) -> None:
    a, b = collector(tmp_path, "a", shared), collector(tmp_path, "b", shared)
    snapshot(a, str(SEED), article_id="putin", at=at(0))
    push(a)
    pull(b)
    first = b.versions("putin")[0].commit
    # Both capture the revision; b later, and then a change of its own.
    snapshot(a, str(SEED_REVISION), article_id="putin", at=at(2))
    snapshot(b, str(SEED_REVISION), article_id="putin", at=at(3))
    snapshot(b, page(tmp_path, "edit", "Putin’s Post-Trump Standoff", "Rewritten."), article_id="putin", at=at(4))
    push(a)
    result = pull(b)
    assert (result.received, result.replayed, result.duplicates) == (1, 1, 1)
    versions = b.versions("putin")
    assert [(v.number, v.captured_at) for v in versions] == [(1, at(0)), (2, at(2)), (3, at(4))]
    assert versions[0].commit == first and versions[1].commit == a.head()
    assert versions[2].metadata["previous_commit"] == versions[1].commit
    assert verify(b).ok, verify(b).findings
    push(b)
    pull(a)
    assert a.head() == b.head() and verify(a).ok


def test_a_real_conflict_is_one_line_and_changes_nothing(tmp_path: Path, shared: Path) -> None:
    a, b = collector(tmp_path, "a", shared), collector(tmp_path, "b", shared)
    snapshot(a, str(SEED), article_id="putin", at=at(0))
    push(a)
    pull(b)
    snapshot(b, page(tmp_path, "b", "Putin", "What b saw."), article_id="putin", at=at(1))
    snapshot(a, page(tmp_path, "a", "Putin", "What a saw."), article_id="putin", at=at(2))
    push(a)
    before = visible_state(b.path)
    result = cli_in(b.path)("pull")
    assert result.exit_code == 11
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: cannot pull from origin: putin was")
    assert visible_state(b.path) == before
    assert [v.number for v in b.versions("putin")] == [1, 2]


def test_cli_push_and_pull_by_path(tmp_path: Path, shared: Path) -> None:
    Store.init(tmp_path / "a").close()
    Store.init(tmp_path / "b").close()
    run_a, run_b = cli_in(tmp_path / "a"), cli_in(tmp_path / "b")
    assert run_a("snapshot", str(SEED), "--id", "putin", "--at", "2021-12-17T12:00:00Z").exit_code == 0
    assert run_a("push").exit_code == 6 - 2  # no remote named origin: SourceUnavailable
    pushed = run_a("push", str(shared))
    assert pushed.exit_code == 0 and pushed.stdout == f"{shared}: sent 1 version\n"
    pulled = run_b("pull", str(shared), "--json")
    assert pulled.exit_code == 0 and '"received": 1' in pulled.stdout
    assert run_b("history", "putin").exit_code == 0
    assert run_b("pull", str(shared)).stdout == f"{shared}: already up to date\n"
    not_archive = tmp_path / "plain.git"
    subprocess.run(["git", "init", "-q", "-b", "main", str(not_archive)], check=True)
    (not_archive / "x").write_text("x")
    git(not_archive, "add", "x")
    git(not_archive, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "x")
    refused = run_b("pull", str(not_archive))
    assert refused.exit_code == 2 and "is not an archive store" in refused.stderr
    assert run_b("snapshot", str(SEED_REVISION), "--id", "putin", "--at", "2021-12-18T12:00:00Z").exit_code == 0
    into_store = run_b("push", str(tmp_path / "a"))  # a store with a working tree, not a bare repository
    assert into_store.exit_code == 4 and "push to a bare repository" in into_store.stderr


def test_independent_stores_merge_on_first_pull(tmp_path: Path, shared: Path) -> None:
    """Two collectors started separately (no common history) still merge into one archive."""
    a, b = collector(tmp_path, "a", shared), collector(tmp_path, "b", shared)
    snapshot(a, page(tmp_path, "one", "One", "First story."), article_id="one", at=at(0))
    snapshot(b, page(tmp_path, "two", "Two", "Second story."), article_id="two", at=at(1))
    snapshot(b, page(tmp_path, "two2", "Two", "Second story, updated."), article_id="two", at=at(2))
    push(a)
    result = pull(b)
    assert (result.received, result.replayed) == (1, 2)
    assert [v.number for v in b.versions("two")] == [1, 2]
    assert b.versions("two")[1].metadata["previous_commit"] == b.versions("two")[0].commit
    assert verify(b).ok, verify(b).findings
