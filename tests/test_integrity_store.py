"""Issue 10, store side: capture times git can record (1), the project's snapshots/README.md beside a store (2),
captures run again (4), commit subjects verify for any title (6), a full disk (8), increasing capture times (10),
and the test engineer's findings (captures.yaml dates, watch before its lock, --at "", pull, an empty import)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import git, store_state

from archive.capture.extract import Extracted
from archive.capture.fetch import Capture
from archive.cli import cli
from archive.errors import StoreCorrupt
from archive.ingest.snapshot import add_version, new_version
from archive.store import objects as objects_module
from archive.store.repository import Store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_dbbbf4a16fd70257.txt"
SEED_REVISION = ROOT / "seeds" / "000_dbbbf4a16fd70257.rev1-illustrative.txt"
DEMO = "putin-post-trump"


def cli_run(store: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--store", str(store), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def one_error(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    return lines[0]


def snapshot(store: Path, source: Path, at: str | None = None, article: str = DEMO) -> tuple[int, str, str]:
    return cli_run(store, "snapshot", str(source), "--id", article, *(("--at", at) if at is not None else ()))


# --- item 1: capture times git can record -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "named"),
    [
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
        ("0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00+01:00"),
        ((datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "in the future"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
        ("", "''"),
    ],
)
def test_snapshot_refuses_a_capture_time_git_cannot_record(store_path: Path, at: str, named: str) -> None:
    before = store_state(store_path)
    code, _, stderr = snapshot(store_path, SEED, at)
    assert code == 2
    assert named in one_error(stderr)
    assert store_state(store_path) == before


def test_the_earliest_time_git_records_is_accepted_and_verifies(store_path: Path) -> None:
    assert snapshot(store_path, SEED, "1970-01-01T00:00:00Z")[0] == 0
    assert snapshot(store_path, SEED_REVISION, "1970-01-01T00:00:01Z")[0] == 0
    code, stdout, _ = cli_run(store_path, "verify")
    assert code == 0 and stdout.startswith("OK")


def test_captures_yaml_with_an_impossible_or_early_date_is_one_error_naming_file_and_key(tmp_path: Path) -> None:
    for value in ("2021-02-30T12:00:00Z", "1965-06-01T12:00:00Z", "2021-02-03"):
        folder = tmp_path / f"pages-{value[:10]}"
        folder.mkdir()
        shutil.copyfile(SEED, folder / "story.txt")
        (folder / "captures.yaml").write_text(f"story.txt:\n  captured_at: {value}\n", encoding="utf-8")
        store = tmp_path / f"store-{value[:10]}"
        Store.init(store).close()
        code, _, stderr = cli_run(store, "import", str(folder))
        if value == "2021-02-03":  # a date alone is midnight: fine
            assert code == 0, stderr
            continue
        line = one_error(stderr)
        assert "captures.yaml" in line and "story.txt" in line and "captured_at" in line and value in line


def test_a_folder_file_dated_before_1970_is_skipped_with_a_warning(store_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copyfile(SEED, folder / "old.txt")
    shutil.copyfile(SEED_REVISION, folder / "new.txt")
    os.utime(folder / "old.txt", (-86400 * 365, -86400 * 365))
    os.utime(folder / "new.txt", (1_700_000_000, 1_700_000_000))
    code, stdout, stderr = cli_run(store_path, "import", str(folder))
    assert code == 1
    assert stderr.startswith("warning: old.txt: capture time 1969-01-01T00:00:00Z is before 1970-01-01T00:00:00Z")
    assert "1 new version" in stdout and "1 capture time out of range" in stdout, stdout
    assert cli_run(store_path, "verify")[0] == 0


def forge_commit(store: Path, header_date: str) -> str:
    """A snapshot-looking commit on top of the branch, with the given raw date, written with plain git."""
    head = git(store, "rev-parse", "HEAD").strip()
    tree = git(store, "rev-parse", "HEAD^{tree}").strip()
    data = (
        f"tree {tree}\nparent {head}\nauthor A <a@example.org> {header_date}\ncommitter A <a@example.org> "
        f"{header_date}\n\n{DEMO} v3: forged\n\nArticle: {DEMO}\nVersion: 3\n"
    )
    made = subprocess.run(
        ["git", "-C", str(store), "hash-object", "-t", "commit", "-w", "--stdin", "--literally"],
        input=data.encode(),
        capture_output=True,
        check=True,
    )
    commit = made.stdout.decode().strip()
    git(store, "update-ref", "refs/heads/main", commit)
    return commit


@pytest.mark.parametrize("header_date", ["-1 +0000", "not-a-date", "99999999999999999999 +0000"])
def test_a_malformed_commit_is_a_finding_and_no_reader_crashes(store_path: Path, header_date: str) -> None:
    snapshot(store_path, SEED, "2021-12-17T12:00:00Z")
    snapshot(store_path, SEED_REVISION, "2021-12-18T09:30:00Z")
    forge_commit(store_path, header_date)
    code, stdout, _ = cli_run(store_path, "verify")
    assert code != 0 and stdout.startswith("FAILED")
    code, stdout, _ = cli_run(store_path, "audit")
    assert code != 0
    code, _, stderr = cli_run(store_path, "log")
    if code != 0:
        assert "run archive verify" in one_error(stderr)
    for args in (("list",), ("history", DEMO), ("show", f"{DEMO}@1")):
        code, _, stderr = cli_run(store_path, *args)
        assert "Traceback" not in stderr


# --- item 2: the project's snapshots/README.md -------------------------------------------------------------


def test_the_readme_demo_twice_then_verify_is_ok(tmp_path: Path) -> None:
    """`make demo` (init, two snapshots) in a copy of the project's layout, twice, then `archive verify`."""
    project = tmp_path / "project"
    (project / "snapshots").mkdir(parents=True)
    shutil.copyfile(ROOT / "snapshots" / "README.md", project / "snapshots" / "README.md")
    store = project / "snapshots"
    for _ in range(2):
        assert cli_run(store, "init")[0] == 0
        assert snapshot(store, SEED, "2021-12-17T12:00:00Z")[0] == 0
        assert snapshot(store, SEED_REVISION, "2021-12-18T09:30:00Z")[0] == 0
    code, stdout, _ = cli_run(store, "verify")
    assert code == 0 and stdout.startswith("OK: 2 versions"), stdout
    assert [line.split()[0][:12] for line in git(store, "log", "--format=%H").splitlines()] == [
        "181f80141429",
        "1ce717ee4589",
    ]
    assert (store / "README.md").read_bytes() == (ROOT / "snapshots" / "README.md").read_bytes()
    # Exactly that file is let through: another untracked file is still a finding, even one git ignores.
    (store / "notes.txt").write_text("mine\n")
    with (store / ".git" / "info" / "exclude").open("a") as exclude:
        exclude.write("notes.txt\n")
    code, stdout, _ = cli_run(store, "verify")
    assert code != 0 and "notes.txt" in stdout


def test_init_refuses_a_folder_of_the_users_files(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "README.md").write_text("x\n")
    (folder / "thesis.docx").write_bytes(b"...")
    (folder / "photos").mkdir()
    code, _, stderr = cli_run(folder, "init")
    line = one_error(stderr)
    assert code != 0 and "photos" in line and "thesis.docx" in line
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "photos", "thesis.docx"]


# --- item 4: captures run again ----------------------------------------------------------------------------


def test_a_capture_run_again_adds_nothing_and_says_so(store_path: Path) -> None:
    snapshot(store_path, SEED, "2021-12-17T12:00:00Z")
    snapshot(store_path, SEED_REVISION, "2021-12-18T09:30:00Z")
    head = git(store_path, "rev-parse", "HEAD")
    for source, at in ((SEED, "2021-12-17T12:00:00Z"), (SEED_REVISION, "2021-12-18T09:30:00Z")):
        code, stdout, _ = snapshot(store_path, source, at)
        assert code == 0 and "already recorded" in stdout and "nothing added" in stdout
    assert git(store_path, "rev-parse", "HEAD") == head


def test_a_capture_before_the_latest_version_never_goes_back_in_time(store_path: Path) -> None:
    snapshot(store_path, SEED, "2021-12-17T12:00:00Z")
    snapshot(store_path, SEED_REVISION, "2021-12-18T09:30:00Z")
    before = store_state(store_path)
    # The first text again, between the two versions: it equals the version then current (recorded).
    code, stdout, _ = snapshot(store_path, SEED, "2021-12-17T18:00:00Z")
    assert code == 0 and "already recorded as version 1" in stdout
    # A different text before the latest version: refused, naming the latest capture time.
    code, _, stderr = snapshot(store_path, SEED_REVISION, "2021-12-17T18:00:00Z")
    assert code == 2 and "2021-12-18T09:30:00Z" in one_error(stderr)
    assert store_state(store_path) == before


# --- item 6: any title verifies -----------------------------------------------------------------------------


def test_a_title_with_line_breaks_and_separators_verifies(store: Store, store_path: Path) -> None:
    title = "Line one\nTrailer: forged\n\nArticle: other\x1e\x1f\u2028end\r"
    extracted = Extracted(
        text="The army sent troops to the border.\n",
        title=title,
        authors=(),
        published=None,
        canonical_url=None,
        site_name=None,
        image_credit=None,
        extractor="archive-text",
        extractor_version="0.1.0",
    )
    capture = Capture(raw=b"The army sent troops to the border.\n", source="file", media_type="text/plain")
    with store.writing() as writer:
        add_version(writer, new_version("titled", capture, extracted, datetime(2024, 3, 1, tzinfo=UTC)))
    code, stdout, _ = cli_run(store_path, "verify")
    assert code == 0 and stdout.startswith("OK"), stdout
    assert (
        git(store_path, "log", "-1", "--format=%s").strip() == "titled v1: Line one Trailer: forged Article: other end"
    )


# --- item 8: a full disk --------------------------------------------------------------------------------------


def test_a_write_that_fails_for_space_leaves_no_objects(
    store_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC on the third loose object: one StoreCorrupt naming the cause, and the objects dir as it was.
    (tests/test_fault_injection.py fills a real tmpfs.)"""
    before = store_state(store_path)
    real = objects_module._write_loose
    calls = []

    def failing(objects_dir: Path, kind: bytes, data: bytes, binsha: bytes, created: list[Path]) -> None:
        calls.append(binsha)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(objects_dir, kind, data, binsha, created)

    monkeypatch.setattr(objects_module, "_write_loose", failing)
    capture = Capture(raw=SEED.read_bytes(), source="file", media_type="text/plain")
    extracted = Extracted(SEED.read_text(), "T", (), None, None, None, None, "archive-text", "0.1.0")
    with pytest.raises(StoreCorrupt, match="No space left on device; nothing was stored"), store.writing() as writer:
        add_version(writer, new_version("full", capture, extracted, datetime(2024, 3, 1, tzinfo=UTC)))
    assert len(calls) == 3
    assert store_state(store_path) == before
    assert not list((store_path / ".git" / "objects").rglob("tmp_*"))


# --- item 10: capture times increase ------------------------------------------------------------------------


def test_captures_without_at_in_one_second_get_increasing_times(store_path: Path, tmp_path: Path) -> None:
    texts = []
    for number in range(4):
        path = tmp_path / f"take-{number}.txt"
        path.write_text(SEED.read_text() + f"\nUpdate {number}: more troops arrived.\n")
        texts.append(path)
    for path in texts:
        assert snapshot(store_path, path)[0] == 0
    _, stdout, _ = cli_run(store_path, "history", DEMO, "--json")
    times = [v["captured_at"] for v in json.loads(stdout)["versions"]]
    assert len(times) == 4 and times == sorted(set(times)), times
    assert cli_run(store_path, "audit")[0] == 0


# --- the test engineer's findings ------------------------------------------------------------------------------


def test_watch_of_a_bad_url_leaves_no_lock(store_path: Path) -> None:
    before = sorted(p.relative_to(store_path).as_posix() for p in store_path.rglob("*"))
    code, _, stderr = cli_run(store_path, "watch", "--once", "ftp://example.org/rss.xml")
    assert code != 0 and "ftp://" in one_error(stderr)
    assert sorted(p.relative_to(store_path).as_posix() for p in store_path.rglob("*")) == before


def test_pull_from_a_non_store_repository_leaves_none_of_its_objects(store_path: Path, tmp_path: Path) -> None:
    snapshot(store_path, SEED, "2021-12-17T12:00:00Z")
    foreign = tmp_path / "project"
    foreign.mkdir()
    git(foreign, "init", "-q", "-b", "main")
    for number in range(3):
        (foreign / f"f{number}.txt").write_text(f"{number}\n")
        git(foreign, "add", ".")
        git(foreign, "-c", "user.name=a", "-c", "user.email=a@example.org", "commit", "-qm", str(number))
    before = store_state(store_path)
    code, _, stderr = cli_run(store_path, "pull", str(foreign))
    assert code != 0 and "is not an archive store" in one_error(stderr)
    assert store_state(store_path) == before
    assert git(store_path, "for-each-ref") == git(store_path, "for-each-ref", "refs/heads")


def test_import_of_an_empty_folder_is_an_error(store_path: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, _, stderr = cli_run(store_path, "import", str(tmp_path / "empty"))
    assert code != 0 and "nothing to import" in one_error(stderr)
