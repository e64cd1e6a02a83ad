"""Helpers shared by the benchmarks: timing whole processes and building realistic text."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
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
