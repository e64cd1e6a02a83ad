"""`archive verify --since-verified`: only the commits after the last verified head, or everything, saying why."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import SEED, SEED_REVISION, git

from archive.store.layout import VERIFIED_FILE


def _snapshot(run, source: Path, article: str, day: int) -> None:
    result = run("snapshot", str(source), "--id", article, "--at", f"2021-12-{day:02d}T12:00:00Z")
    assert result.exit_code == 0, result.output


def _verify(run) -> tuple[int, dict]:
    result = run("verify", "--since-verified", "--json")
    return result.exit_code, json.loads(result.stdout)


def test_only_what_was_added_since_the_verified_head_is_checked(store_path: Path, run) -> None:
    _snapshot(run, SEED, "putin", 17)
    _snapshot(run, SEED, "other", 17)
    code, first = _verify(run)
    assert code == 0 and first["since"] is None and first["full_because"] == "no verified head was recorded"
    assert first["versions"] == 2
    verified = git(store_path, "rev-parse", "refs/heads/main").strip()
    code, again = _verify(run)
    assert code == 0 and again["since"] == verified and again["versions"] == 0 and again["full_because"] is None
    _snapshot(run, SEED_REVISION, "putin", 18)
    code, later = _verify(run)
    assert code == 0 and later["since"] == verified and later["versions"] == 1 and later["commits"] == 1
    text = run("verify", "--since-verified").stdout
    assert "0 versions of 0 articles in 0 commits added since the verified head" in text
    assert "git fsck only when the whole history is verified" in text


def test_a_commit_added_with_plain_git_after_the_verified_head_is_found(store_path: Path, run) -> None:
    _snapshot(run, SEED, "putin", 17)
    assert _verify(run)[0] == 0
    (store_path / "notes.txt").write_text("added by hand\n")
    git(store_path, "add", "notes.txt")
    git(store_path, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "by hand")
    code, found = _verify(run)
    assert code == 1 and found["versions"] == 0 and found["commits"] == 1
    assert {problem["check"] for problem in found["problems"]} >= {"foreign-commit", "head"}
    # a failed verify records nothing: the next one starts from the same head, and finds it again
    assert _verify(run)[0] == 1


def test_a_rewritten_history_is_verified_whole(store_path: Path, run) -> None:
    _snapshot(run, SEED, "putin", 17)
    _snapshot(run, SEED_REVISION, "putin", 18)
    assert _verify(run)[0] == 0
    git(store_path, "reset", "-q", "--hard", "HEAD~1")
    _snapshot(run, SEED, "other", 19)
    code, rewritten = _verify(run)
    assert code == 0 and rewritten["since"] is None and rewritten["versions"] == 2
    assert "history was rewritten" in rewritten["full_because"]
    # and the version changed after it was verified is checked as well
    _snapshot(run, SEED_REVISION, "other", 20)
    code, later = _verify(run)
    assert code == 0 and later["versions"] == 1


def _record(store_path: Path) -> tuple[dict[str, str], dict[str, tuple[int, str]]]:
    with sqlite3.connect(store_path / ".git" / "archive" / VERIFIED_FILE) as connection:
        record = dict(connection.execute("SELECT key, value FROM record").fetchall())
        latest = {a: (n, c) for a, n, c in connection.execute("SELECT article, number, commit_id FROM latest")}
    connection.close()
    return record, latest


def test_the_record_keeps_each_articles_latest_version_row_by_row(store_path: Path, run) -> None:
    _snapshot(run, SEED, "putin", 17)
    _snapshot(run, SEED, "other", 17)
    assert _verify(run)[0] == 0
    record, latest = _record(store_path)
    head = git(store_path, "rev-parse", "refs/heads/main").strip()
    assert record["head"] == head and latest == {"putin": (1, latest["putin"][1]), "other": (1, head)}
    _snapshot(run, SEED_REVISION, "putin", 18)
    assert _verify(run)[0] == 0
    record, latest = _record(store_path)
    second = git(store_path, "rev-parse", "refs/heads/main").strip()
    assert record["head"] == second and latest["putin"] == (2, second) and latest["other"] == (1, head)
    # the chain continues from the recorded version: a third version checks against the second
    _snapshot(run, SEED, "putin", 19)
    code, third = _verify(run)
    assert code == 0 and third["since"] == second and third["versions"] == 1


def test_an_unreadable_record_means_the_whole_history_is_verified(store_path: Path, run) -> None:
    _snapshot(run, SEED, "putin", 17)
    assert _verify(run)[0] == 0
    (store_path / ".git" / "archive" / VERIFIED_FILE).write_bytes(b"not a database\n" * 100)
    code, whole = _verify(run)
    assert code == 0 and whole["since"] is None and "unreadable" in whole["full_because"]
    code, again = _verify(run)  # the whole verify wrote the record anew
    assert code == 0 and again["since"] is not None and again["versions"] == 0
