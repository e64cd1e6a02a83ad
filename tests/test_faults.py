"""Faults: a read-only filesystem, a missing object, a directory that is not a store, a newer store format.

Each gives one clear line on stderr and a non-zero exit, and leaves the store
exactly as it was, every byte of it, ``.git`` included.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SEED, SEED_REVISION, git, on_read_only_filesystem, read_only_mount_works
from tamper import blob_at, loose_object

from archive.cli import cli
from archive.ingest.snapshot import snapshot
from archive.store.layout import article_dir
from archive.store.repository import Store

READ_COMMANDS = [["verify"], ["audit"], ["reproduce"], ["list"], ["history", "putin"], ["show", "putin@1"]]


def every_byte(path: Path) -> dict[str, str]:
    """Every file and directory under ``path`` (``.git`` and ``.git/archive`` included), with a hash of its bytes."""
    state = {}
    for item in sorted(path.rglob("*")):
        relative = item.relative_to(path).as_posix()
        state[relative] = hashlib.sha256(item.read_bytes()).hexdigest() if item.is_file() else "dir"
    return state


def cli_run(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), *args])


def one_error_line(result: Result, code: int, expected: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def archived(store: Store, store_path: Path) -> Path:
    snapshot(store, str(SEED), article_id="putin", at=datetime(2021, 12, 17, 12, tzinfo=UTC))
    snapshot(store, str(SEED_REVISION), article_id="putin", at=datetime(2021, 12, 18, 12, tzinfo=UTC))
    store.refresh_index()
    return store_path


# --- a read-only filesystem ----------------------------------------------------------------


def test_a_read_only_store_can_be_read_verified_audited_and_exported(archived: Path, tmp_path: Path) -> None:
    if not read_only_mount_works(archived):
        pytest.skip("no user namespaces here to mount the store read-only")
    before = every_byte(archived)
    for command in READ_COMMANDS:
        done = on_read_only_filesystem(archived, *command)
        assert done.returncode == 0, (command, done.stderr)
        assert done.stderr == ""
    out = tmp_path / "out"
    out.mkdir()
    for export_format, target in (("bagit", out / "bag"), ("warc", out / "a.warc.gz"), ("jsonl", out / "a.jsonl")):
        done = on_read_only_filesystem(archived, "export", "--format", export_format, str(target))
        assert done.returncode == 0, done.stderr
        assert target.exists()
    assert every_byte(archived) == before


def test_writing_to_a_read_only_store_fails_with_one_line(archived: Path, tmp_path: Path) -> None:
    if not read_only_mount_works(archived):
        pytest.skip("no user namespaces here to mount the store read-only")
    page = tmp_path / "page.txt"
    page.write_text("A headline\nA paragraph that was not archived before.\n", encoding="utf-8")
    before = every_byte(archived)
    done = on_read_only_filesystem(archived, "snapshot", str(page), "--id", "new-one", "--at", "2022-01-01")
    assert done.returncode == 7 and done.stdout == ""
    assert done.stderr == f"Error: cannot write to the store at {archived}: Read-only file system\n"
    done = on_read_only_filesystem(archived, "rebuild", "--into", str(archived / "inside"))
    assert done.returncode != 0 and done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1
    assert every_byte(archived) == before


# --- a missing object ----------------------------------------------------------------------


@pytest.fixture
def missing_raw(archived: Path) -> Path:
    one = git(archived, "rev-list", "--reverse", "refs/heads/main").split()[0]
    blob = blob_at(archived, one, f"{article_dir('putin')}/raw.txt")
    assert blob is not None
    loose_object(archived, blob).unlink()
    return archived


def test_a_missing_object_is_reported_and_nothing_is_written(missing_raw: Path, tmp_path: Path) -> None:
    before = every_byte(missing_raw)
    result = cli_run(missing_raw, "verify")
    assert result.exit_code == 1 and "[object] putin@1" in result.stdout and "raw.txt (blob" in result.stdout
    result = cli_run(missing_raw, "reproduce")
    assert result.exit_code == 1 and "FAILED" in result.stdout
    assert "putin@1" in result.stdout and "the raw capture 'raw.txt' is missing or unreadable" in result.stdout
    audited = cli_run(missing_raw, "audit")  # CliRunner turns a crash into exit 1 too: check the finding
    assert audited.exit_code == 1 and "[object] putin@1" in audited.stdout
    for export_format in ("bagit", "warc", "jsonl"):
        target = tmp_path / f"export-{export_format}"
        result = cli_run(missing_raw, "export", "--format", export_format, str(target))
        one_error_line(result, 7, "cannot export putin@1: a file is missing or unreadable; run `archive verify`")
        assert not target.exists() and list(tmp_path.glob(".*part")) == []
    into = tmp_path / "rebuilt"
    one_error_line(cli_run(missing_raw, "rebuild", "--into", str(into)), 7, "putin@1: the raw capture")
    assert not into.exists()
    assert every_byte(missing_raw) == before


def test_a_missing_commit_object_stops_the_history_readers(archived: Path, tmp_path: Path) -> None:
    first = git(archived, "rev-list", "--reverse", "refs/heads/main").split()[0]
    loose_object(archived, first).unlink()
    before = every_byte(archived)
    result = cli_run(archived, "verify")
    assert result.exit_code == 1 and "[history]" in result.stdout
    one_error_line(cli_run(archived, "audit"), 7, "git cannot read the store's history")
    one_error_line(cli_run(archived, "export", "--format", "jsonl", str(tmp_path / "a.jsonl")), 7, "git cannot read")
    assert every_byte(archived) == before


# --- not a store -----------------------------------------------------------------------------

ALL_COMMANDS = [*READ_COMMANDS, ["export", "--format", "jsonl", "out.jsonl"], ["rebuild", "--into", "elsewhere"]]


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda c: c[0])
def test_a_directory_that_is_not_a_store_is_refused(
    tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the commands' relative targets (out.jsonl, elsewhere) would appear
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("not an archive\n")
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    for path in (plain, tmp_path / "repo"):
        before = every_byte(path)
        one_error_line(cli_run(path, *command), 6, f"{path} is not an archive store (create one with `archive init`)")
        assert every_byte(path) == before
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "out.jsonl").exists()


# --- a newer store format --------------------------------------------------------------------


@pytest.fixture
def newer_format(archived: Path) -> Path:
    marker = archived / "archive.yaml"
    marker.write_text(marker.read_text().replace("format: 1", "format: 2"))
    git(archived, "-c", "user.name=future", "-c", "user.email=f@example.org", "commit", "-qam", "format 2")
    git(archived, "config", "archive.format", "2")
    return archived


@pytest.mark.parametrize("command", [*ALL_COMMANDS, ["snapshot", str(SEED), "--id", "x"]], ids=lambda c: c[0])
def test_a_newer_store_format_is_refused_and_left_alone(newer_format: Path, command: list[str], tmp_path: Path) -> None:
    before = every_byte(newer_format)
    result = cli_run(newer_format, *command)
    one_error_line(result, 7, f"{newer_format} has store format 2, newer than this archive supports (1); upgrade")
    assert every_byte(newer_format) == before


def test_read_only_commands_write_nothing_to_a_healthy_store(archived: Path, tmp_path: Path) -> None:
    (archived / ".git" / "archive" / "index.sqlite3").unlink()  # not even the lookup index is rebuilt
    before = every_byte(archived)
    for command in READ_COMMANDS[:3]:
        assert cli_run(archived, *command).exit_code == 0
    assert cli_run(archived, "export", "--format", "warc", str(tmp_path / "a.warc")).exit_code == 0
    assert cli_run(archived, "rebuild", "--into", str(tmp_path / "new")).exit_code == 0
    assert every_byte(archived) == before
