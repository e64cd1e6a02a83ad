"""Faults a real collector meets: kill -9, a full disk, cut-off downloads, many writers (issue 10, "Tests").

Everything here is real: the installed ``archive`` command in subprocesses,
killed with SIGKILL at seeded moments; a tmpfs mounted small and filled; HTTP
servers on 127.0.0.1 that lie about their bodies; eight writer processes on
one article. The figures each test measures (kill moments, versions found)
are printed, for the issue's closing note (``pytest -s``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SEED, SEED_REVISION, STORY, RawServer, article_html
from test_bad_input import changes, every_byte

ARCHIVE = str(ROOT / ".venv" / "bin" / "archive")
SEED_VALUE = 20240310  # the kill moments are random, but the same on every run


def child_environment() -> dict[str, str]:
    """The user's environment without proxies (servers are on 127.0.0.1) or a default store."""
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "ARCHIVE_STORE"}


def archive(store: Path, *args: str, check: bool = False, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    ran = subprocess.run(
        [ARCHIVE, "--store", str(store), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_environment(),
    )
    if check:
        assert ran.returncode == 0, f"archive {' '.join(args)}: exit {ran.returncode}\n{ran.stderr}"
    return ran


def history(store: Path, article: str) -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = json.loads(archive(store, "history", article, "--json", check=True).stdout)[
        "versions"
    ]
    return versions


def head(store: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(store), "rev-parse", "refs/heads/main"], capture_output=True, text=True, check=True
    ).stdout.strip()


def all_versions(store: Path) -> list[tuple[str, str, str]]:
    """(article, capture time, text sha256) of every version, in history order."""
    listed = json.loads(archive(store, "list", "--json", check=True).stdout)["articles"]
    return [
        (article["id"], version["captured_at"], version["text_sha256"])
        for article in listed
        for version in history(store, article["id"])
    ]


def assert_verified(store: Path) -> None:
    ran = archive(store, "verify")
    assert ran.returncode == 0 and ran.stdout.startswith("OK"), ran.stdout + ran.stderr


def kill_after(command: list[str], delay: float, log: Path) -> float:
    """Start ``command`` in its own process group and SIGKILL the whole group after ``delay`` seconds.

    Returns how long it actually ran (it may finish first)."""
    started = time.monotonic()
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=output, start_new_session=True, env=child_environment()
        )
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return time.monotonic() - started


# --- (a) kill -9 during a snapshot loop and during an import --------------------------------------

LOOP = 30


def loop_script(tmp: Path, store: Path) -> Path:
    """A shell script of 30 ``snapshot --at`` calls, each a new text at a later time, as a user's cron job."""
    lines = ["#!/bin/sh"]
    for number in range(LOOP):
        capture = tmp / f"capture-{number:02d}.txt"
        capture.write_text(
            f"Border talks\n\nOfficials said {number + 1} convoys had crossed by the time of update {number}.\n"
            f"The second paragraph stays the same in every version of the story.\n",
            encoding="utf-8",
        )
        at = (datetime(2023, 5, 1, 6, tzinfo=UTC) + timedelta(hours=number)).strftime("%Y-%m-%dT%H:%M:%SZ")
        arguments = ["--store", str(store), "snapshot", str(capture), "--id", "border-talks", "--at", at]
        lines.append(f"{shlex.quote(ARCHIVE)} {shlex.join(arguments)}")
    script = tmp / f"loop-{store.name}.sh"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return script


def test_kill_during_snapshot_loop_then_rerun(tmp_path: Path) -> None:
    """Three kill -9s mid-loop and a full re-run give the same head as one uninterrupted run, with no duplicates."""
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    for store in (reference, killed):
        archive(store, "init", check=True)
    started = time.monotonic()
    subprocess.run(["sh", str(loop_script(tmp_path, reference))], check=True, capture_output=True)
    duration = time.monotonic() - started
    expected = all_versions(reference)
    assert len(expected) == LOOP

    script = loop_script(tmp_path, killed)
    rng = random.Random(SEED_VALUE)
    figures = []
    for _ in range(3):
        delay = rng.uniform(0.1, duration * 0.9)
        kill_after(["sh", str(script)], delay, tmp_path / "loop.log")
        figures.append((round(delay, 2), len(history(killed, "border-talks")) if head_exists(killed) else 0))
    subprocess.run(["sh", str(script)], capture_output=True)  # the whole loop again, as a user would after a crash
    found = all_versions(killed)
    print(
        f"\nsnapshot loop: uninterrupted {duration:.1f} s; kills at (s, versions then): {figures}; "
        f"after re-run {len(found)} versions, {len(found) - len(set(found))} duplicates"
    )
    assert found == expected, f"{len(found)} versions after the re-run, {LOOP} expected"
    assert head(killed) == head(reference)
    assert_verified(killed)


def head_exists(store: Path) -> bool:
    return (
        subprocess.run(
            ["git", "-C", str(store), "rev-parse", "-q", "--verify", "refs/heads/main"], capture_output=True
        ).returncode
        == 0
    )


def import_folder(folder: Path) -> None:
    """100 saved web pages: 25 articles of 4 versions each, their ids and capture times in captures.yaml."""
    folder.mkdir()
    sidecar = []
    for number in range(100):
        article, version = divmod(number, 4)
        name = f"story-{article:02d}-v{version}.html"
        paragraphs = [
            f"The council met on day {version} to discuss item {article}, and {version * 3 + article} "
            "residents spoke at the meeting, officials said.",
            *STORY,
        ]
        (folder / name).write_text(
            article_html(f"Council story {article}", paragraphs, f"https://news.example.org/council/{article}"),
            encoding="utf-8",
        )
        at = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(days=version, minutes=article)
        sidecar.append(f"{name}:\n  id: story-{article:02d}\n  captured_at: {at.strftime('%Y-%m-%dT%H:%M:%SZ')}\n")
    (folder / "captures.yaml").write_text("".join(sidecar), encoding="utf-8")


def test_kill_during_import_then_rerun(tmp_path: Path) -> None:
    """Three kill -9s mid-import and a re-run give the same head as one uninterrupted import."""
    folder = tmp_path / "pages"
    import_folder(folder)
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    for store in (reference, killed):
        archive(store, "init", check=True)
    started = time.monotonic()
    archive(reference, "import", str(folder), check=True)
    duration = time.monotonic() - started
    expected = all_versions(reference)
    assert len(expected) == 100

    rng = random.Random(SEED_VALUE + 1)
    figures = []
    for _ in range(3):
        delay = rng.uniform(duration * 0.3, duration * 0.95)  # past start-up, before the end
        kill_after([ARCHIVE, "--store", str(killed), "import", str(folder)], delay, tmp_path / "import.log")
        figures.append((round(delay, 2), head_exists(killed) and len(all_versions(killed))))
    rerun = archive(killed, "import", str(folder))
    found = all_versions(killed)
    print(
        f"\nimport: uninterrupted {duration:.1f} s; kills at (s, versions then): {figures}; "
        f"after re-run {len(found)} versions, {len(found) - len(set(found))} duplicates"
    )
    assert rerun.returncode == 0, rerun.stderr
    assert found == expected
    assert head(killed) == head(reference)
    assert_verified(killed)


# --- (b) a full filesystem ---------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs, mounted for the test and unmounted after it; skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> int:
    """Write a filler file until the filesystem says no space is left; returns its size."""
    written = 0
    with (disk / "filler").open("wb", buffering=0) as filler:
        for size in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    written += filler.write(b"\0" * size)
    return written


def no_space_problems(ran: subprocess.CompletedProcess[str]) -> list[str]:
    """How a command's answer on a full disk falls short of one `Error: …` line naming the cause."""
    lines = ran.stderr.splitlines()
    problems = []
    if ran.returncode == 0:
        problems.append("exit status 0")
    if "Traceback" in ran.stderr + ran.stdout:
        problems.append("a traceback")
    if len(lines) != 1 or not lines[0].startswith("Error: "):
        problems.append(f"stderr is {len(lines)} lines, not one Error: line")
    elif "no space left" not in lines[0].lower():
        problems.append(f"the error does not name the cause: {lines[0]}")
    return problems


def test_full_disk_snapshot_and_import(small_disk: Path, tmp_path: Path) -> None:
    """On a full disk, snapshot and import say so in one line and leave the store, every byte, as it was."""
    store = small_disk / "store"
    archive(store, "init", check=True)
    archive(store, "snapshot", str(SEED), "--id", "putin", "--at", "2021-12-17T12:00:00Z", check=True)
    archive(store, "list", check=True)  # the lookup cache exists before the disk fills
    folder = tmp_path / "pages"
    import_folder(folder)
    filled = fill(small_disk)
    before = every_byte(small_disk)
    print(f"\nfull disk: tmpfs 16 MiB, filler {filled} bytes")

    problems = []
    for what, arguments in (
        ("snapshot", ["snapshot", str(SEED_REVISION), "--id", "putin", "--at", "2021-12-18T09:30:00Z"]),
        ("import", ["import", str(folder)]),
    ):
        ran = archive(store, *arguments)
        print(f"{what} on a full disk: exit {ran.returncode}, stderr {ran.stderr.strip()[-400:]!r}")
        problems += [f"{what}: {problem}" for problem in no_space_problems(ran)]
        changed = changes(before, every_byte(small_disk))
        if changed:
            problems.append(f"{what}: the store changed or temporary files were left: {changed[:4]}")
    assert not problems, problems

    (small_disk / "filler").unlink()
    assert_verified(store)


# --- (c) servers that cut bodies short ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["short", "chunked"], ids=["fewer bytes than Content-Length", "chunked cut"])
def test_truncated_body_is_not_stored(kind: str, raw_server: RawServer, tmp_path: Path) -> None:
    """A body that ends early is an error in one line, and nothing is stored."""
    page = article_html().encode("utf-8")
    path = f"/{kind}"
    if kind == "short":
        url = raw_server.short_body(path, page, missing=len(page) - len(page) // 2)
    else:
        url = raw_server.cut_chunked(path, page)
    store = tmp_path / "store"
    archive(store, "init", check=True)
    before = every_byte(store)
    ran = archive(store, "snapshot", url, "--timeout", "10")
    print(f"\n{path}: exit {ran.returncode}, stderr {ran.stderr.strip()[:300]!r}, stdout {ran.stdout.strip()[:200]!r}")
    assert ran.returncode != 0, ran.stdout
    assert "Traceback" not in ran.stderr
    lines = ran.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), ran.stderr
    assert not changes(before, every_byte(store))


# --- (d) concurrent writers on one article --------------------------------------------------------

WRITERS, EACH = 8, 10


def test_concurrent_writers_on_one_article(tmp_path: Path) -> None:
    """8 processes x 10 snapshots of one article: every version stored, times strictly increasing, audit clean."""
    store = tmp_path / "store"
    archive(store, "init", check=True)
    scripts = []
    for writer in range(WRITERS):
        lines = ["#!/bin/sh", "status=0"]
        for number in range(EACH):
            capture = tmp_path / f"w{writer}-{number}.txt"
            capture.write_text(
                f"Busy story\n\nWriter {writer} saw revision {number} of the story, with {writer * EACH + number} "
                "people reported at the scene.\nA paragraph that every version shares.\n",
                encoding="utf-8",
            )
            arguments = ["--store", str(store), "snapshot", str(capture), "--id", "busy"]
            lines.append(f"{shlex.quote(ARCHIVE)} {shlex.join(arguments)} || status=1")
        lines.append("exit $status")
        script = tmp_path / f"writer-{writer}.sh"
        script.write_text("\n".join(lines) + "\n", encoding="utf-8")
        scripts.append(script)
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            ["sh", str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_environment()
        )
        for script in scripts
    ]
    failures = [process.communicate(timeout=600)[1].decode() for process in processes if process.wait() != 0]
    elapsed = time.monotonic() - started
    versions = history(store, "busy")
    times = [version["captured_at"] for version in versions]
    backwards = sum(1 for a, b in itertools.pairwise(times) if b <= a)
    audit = json.loads(archive(store, "audit", "--json").stdout)
    print(
        f"\nconcurrent writers: {WRITERS}x{EACH} in {elapsed:.1f} s; {len(versions)} versions stored; "
        f"{backwards} non-increasing capture times; {len(audit['anomalies'])} audit anomalies"
    )
    assert not failures, failures[:2]
    assert len(versions) == WRITERS * EACH
    assert backwards == 0, times
    assert audit["anomalies"] == [], audit["anomalies"][:5]
    assert audit["ok"]
