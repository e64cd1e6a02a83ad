"""`archive maintenance`: one pack with deltas, a commit-graph, a compact lookup cache; the history unchanged."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import SEED, SEED_REVISION, git

from archive.store.repository import Store


def _objects(store_path: Path) -> dict[str, str]:
    lines = git(store_path, "count-objects", "-v").splitlines()
    return dict(line.split(": ", 1) for line in lines)


def test_maintenance_packs_everything_and_changes_no_commit(store_path: Path, run) -> None:
    for number, source in enumerate((SEED, SEED_REVISION, SEED)):
        at = f"2021-12-{17 + number}T12:00:00Z"
        assert run("snapshot", str(source), "--id", "putin", "--at", at).exit_code == 0
    head = git(store_path, "rev-parse", "refs/heads/main")
    assert int(_objects(store_path)["count"]) > 0  # a snapshot writes loose objects
    result = run("maintenance")
    assert result.exit_code == 0, result.output
    assert "objects:" in result.stdout and "lookup cache:" in result.stdout
    counts = _objects(store_path)
    assert counts["count"] == "0" and counts["packs"] == "1"
    assert (store_path / ".git" / "objects" / "info" / "commit-graph").is_file()
    assert git(store_path, "rev-parse", "refs/heads/main") == head
    assert run("verify").exit_code == 0
    again = run("maintenance", "--json")  # safe to run again
    assert again.exit_code == 0 and '"objects_after"' in again.stdout
    assert git(store_path, "rev-parse", "refs/heads/main") == head
    assert [v.number for v in Store.open(store_path).versions("putin")] == [1, 2, 3]


def test_maintenance_waits_for_a_writer(store_path: Path, run) -> None:
    assert run("snapshot", str(SEED), "--id", "putin", "--at", "2021-12-17T12:00:00Z").exit_code == 0
    with Store.open(store_path) as store, store.writing():
        process = subprocess.Popen(
            [sys.executable, "-m", "archive", "--store", str(store_path), "maintenance"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.5)
        assert process.poll() is None  # waiting for the lock this writer holds
        assert int(_objects(store_path)["count"]) > 0
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert _objects(store_path)["count"] == "0"


def test_each_text_is_packed_as_a_delta_of_its_raw_capture(store_path: Path, run) -> None:
    # A Markdown capture: the text is the raw capture without its blank lines, so git can store it as a
    # delta of the raw capture once the two are searched side by side.
    source = store_path.parent / "capture.md"
    paragraphs = [f"Paragraph {n}: " + " ".join(f"word{n}x{i}" for i in range(40)) for n in range(12)]
    source.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    assert run("snapshot", str(source), "--id", "law", "--at", "2021-12-17T12:00:00Z").exit_code == 0
    head = git(store_path, "rev-parse", "refs/heads/main")
    text = git(store_path, "rev-parse", "refs/heads/main:" + _path(store_path, "text.txt")).strip()
    raw = git(store_path, "rev-parse", "refs/heads/main:" + _path(store_path, "raw.md")).strip()
    assert run("maintenance").exit_code == 0
    pack = next((store_path / ".git" / "objects" / "pack").glob("*.idx"))
    entries = {line.split()[0]: line.split() for line in git(store_path, "verify-pack", "-v", str(pack)).splitlines()}
    assert entries[text][-1] == raw  # a delta whose base is the raw capture
    assert int(entries[text][3]) < int(entries[raw][3]) // 4
    assert not list((store_path / ".git" / "objects" / "pack").glob("*.bitmap"))
    assert git(store_path, "rev-parse", "refs/heads/main") == head
    assert run("verify").exit_code == 0
    assert run("show", "law").exit_code == 0


def _path(store_path: Path, name: str) -> str:
    paths = git(store_path, "ls-tree", "-r", "--name-only", "refs/heads/main").split()
    return next(path for path in paths if path.endswith(name))


def test_a_rebuilt_cache_gives_the_same_answers(store_path: Path, run) -> None:
    for number, source in enumerate((SEED, SEED_REVISION)):
        for article in ("putin", "other"):
            at = f"2021-12-{17 + number}T12:00:00Z"
            assert run("snapshot", str(source), "--id", article, "--at", at).exit_code == 0
    cache = store_path / ".git" / "archive" / "index.sqlite3"
    questions = (("list", "--json"), ("history", "putin", "--json"), ("show", "other@1", "--json"), ("log", "-n", "3"))
    before = [run(*question).stdout for question in questions]
    with sqlite3.connect(cache) as connection:  # a cache that drifted from the history
        connection.execute("UPDATE versions SET title = 'wrong' WHERE article = 'other'")
        connection.execute("UPDATE articles SET title = 'wrong' WHERE article = 'other'")
    result = run("maintenance", "--json")
    assert [run(*question).stdout for question in questions] != before  # compacting keeps what it holds
    result = run("maintenance", "--rebuild-cache", "--json")
    assert result.exit_code == 0, result.output
    assert [run(*question).stdout for question in questions] == before
    cache.unlink()  # and reads work without one
    assert [run(*question).stdout for question in questions] == before
