"""Several real `archive` processes on one store at once, and processes killed mid-write."""

import fcntl
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import SEED, git

from archive.store.repository import Store

ARCHIVE = [sys.executable, "-m", "archive"]


def write_story(directory: Path, number: int) -> Path:
    path = directory / f"story-{number}.txt"
    path.write_text(
        f"Story number {number}\nBody of story {number}, with enough words to be an article.\n", encoding="utf-8"
    )
    return path


def test_concurrent_snapshots_all_land(store_path: Path, tmp_path: Path) -> None:
    stories = [write_story(tmp_path, n) for n in range(8)]
    processes = [
        subprocess.Popen(
            [*ARCHIVE, "--store", str(store_path), "snapshot", str(story), "--at", f"2024-01-0{1 + n % 8}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n, story in enumerate(stories)
    ]
    # Two more processes add versions to one article at the same time. They give no --at: each is
    # dated once it holds the lock, so neither can be refused as going back in time, whichever wins.
    same = [
        subprocess.Popen(
            [
                *ARCHIVE,
                "--store",
                str(store_path),
                "snapshot",
                "-",
                "--id",
                "shared",
                "--title",
                "Shared",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(2)
    ]
    for n, process in enumerate(same):
        assert process.stdin is not None
        process.stdin.write(f"Shared article text, edition {n}, long enough to count.\n".encode())
        process.stdin.close()
    for process in processes + same:
        assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    with Store.open(store_path) as store:
        assert len(store.articles()) == 9
        assert [v.number for v in store.versions("shared")] == [1, 2]
    assert git(store_path, "rev-list", "--count", "HEAD").strip() == "10"
    assert git(store_path, "status", "--porcelain") == ""
    subprocess.run(["git", "-C", str(store_path), "fsck", "--strict", "--no-progress"], check=True, capture_output=True)


def wait_until_lock_is_held(store_path: Path, process: subprocess.Popen[bytes]) -> None:
    """Poll the store's write lock so the kill lands while the writer is inside its critical section."""
    lock = store_path / ".git" / "archive" / "lock"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and process.poll() is None:
        if lock.exists():
            with lock.open("a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(handle, fcntl.LOCK_UN)
                except BlockingIOError:
                    return
        time.sleep(0.0005)


def test_a_writer_killed_at_any_moment_leaves_a_consistent_store(store_path: Path, tmp_path: Path) -> None:
    rng = random.Random(7)
    committed = 0
    for attempt in range(12):
        story = write_story(tmp_path, 100 + attempt)
        process = subprocess.Popen(
            [*ARCHIVE, "--store", str(store_path), "snapshot", str(story)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if attempt % 2:
            time.sleep(rng.uniform(0.0, 0.6))
        else:
            wait_until_lock_is_held(store_path, process)
            time.sleep(rng.uniform(0.0, 0.004))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        # Whatever happened, the next writer works and the store checks out clean.
        follow_up = subprocess.run(
            [
                *ARCHIVE,
                "--store",
                str(store_path),
                "snapshot",
                str(SEED),
                "--id",
                f"after-{attempt}",
                "--at",
                "2021-12-17",
            ],
            capture_output=True,
            text=True,
        )
        assert follow_up.returncode == 0, follow_up.stderr
        committed = int(git(store_path, "rev-list", "--count", "HEAD"))
        assert git(store_path, "status", "--porcelain") == ""
        subprocess.run(["git", "-C", str(store_path), "fsck", "--no-progress"], check=True, capture_output=True)
    with Store.open(store_path) as store:
        assert len(store.log(limit=None)) == committed
        for summary in store.articles():
            assert [v.number for v in store.versions(summary.article_id)] == list(range(1, summary.versions + 1))
