"""Helpers shared by the benchmarks: timing whole processes and building realistic text."""

from __future__ import annotations

import hashlib
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
ARCHIVE = [sys.executable, "-m", "archive"]


def median_seconds(command: list[str], runs: int = 5, setup: Callable[[], None] | None = None) -> float:
    """Median wall time of running ``command`` as a separate process ``runs`` times."""
    times = []
    for _ in range(runs):
        if setup is not None:
            setup()
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass(frozen=True)
class Usage:
    """One whole process: wall seconds, CPU seconds (user and system, its waited-for children included), peak
    resident memory in KiB (``ru_maxrss``), and what it printed on stdout (when captured)."""

    wall: float
    cpu: float
    peak_kib: int
    stdout: str = ""

    @property
    def peak_mib(self) -> int:
        return self.peak_kib // 1024


def run_process(
    command: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | str | None = None,
    capture: bool = False,
    stdin: Path | None = None,
) -> Usage:
    """Run ``command`` once, timed with ``os.wait4`` (CPU and memory of that process, not of this one); exit
    with its stderr if it fails. ``capture`` keeps its stdout (in a file: a pipe could fill and block it)."""
    with tempfile.TemporaryFile() as out, open(stdin or os.devnull, "rb") as feed:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdin=feed, stdout=out if capture else subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd
        )
        assert process.stderr is not None
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {errors.decode(errors='replace').strip()}")
        out.seek(0)
        return Usage(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out.read().decode("utf-8", "replace"))


_TRAILERS = re.compile(r"^Article: (\S+)\nVersion: (\d+)$", re.MULTILINE)


def pick_article(store: Path) -> tuple[str, int, str]:
    """An article with at least two versions among the newest commits: (id, latest number, its commit)."""
    log = subprocess.run(
        ["git", "-C", str(store), "log", "-n", "5000", "--format=%H%n%(trailers:only,unfold)%x00"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for entry in log.split("\0"):
        commit, _, trailers = entry.strip().partition("\n")
        found = _TRAILERS.search(trailers)
        if found and int(found.group(2)) >= 2:
            return found.group(1), int(found.group(2)), commit
    raise SystemExit(f"{store}: no article with two versions among the newest 5,000 commits")


def text_path(article: str) -> str:
    """Where store format 1 keeps an article's text."""
    digest = hashlib.sha256(article.encode()).hexdigest()
    return "/".join(("articles", *digest[:4], article, "text.txt"))


def real_words() -> list[str]:
    """The words of every document in the shared terms-versions corpus, in order."""
    words: list[str] = []
    for path in sorted((SHARED / "corpora" / "terms-versions").glob("*/v0*.md")):
        words.extend(path.read_text(encoding="utf-8").split())
    return words


def ten_thousand_word_pair(seed: int = 1, size: int = 10_000) -> tuple[str, str]:
    """Two versions of a 10,000-word text built from real prose, the second with realistic edits.

    About 2% of sentences are edited (a number changed, a word swapped), 1% removed,
    1% added, and a few moved, which is what news and policy revisions look like.
    """
    rng = random.Random(seed)
    words = real_words()[:size]
    paragraphs = [" ".join(words[i : i + 80]) for i in range(0, len(words), 80)]
    old = "\n".join(paragraphs) + "\n"
    edited = []
    for paragraph in paragraphs:
        roll = rng.random()
        if roll < 0.05:
            tokens = paragraph.split()
            tokens[rng.randrange(len(tokens))] = str(rng.randrange(10, 10_000))
            paragraph = " ".join(tokens)
        elif roll < 0.06:
            continue
        elif roll < 0.07:
            edited.append("The company said on Friday that it would review the policy again next year.")
        edited.append(paragraph)
    if len(edited) > 20:
        edited.insert(3, edited.pop(15))
    return old, "\n".join(edited) + "\n"
