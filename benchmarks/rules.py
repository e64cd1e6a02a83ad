"""What noise rules cost on the capture paths, against the same captures into a store without rules.

Run: python benchmarks/rules.py
Prints, for `archive snapshot` of one page and `archive import` of a folder of N pages (several sizes),
the median wall time without rules and with a rules file that applies to every page (patterns, a
selector to drop and a body selector), their ratio, and the peak memory of the import processes.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from _common import ARCHIVE, real_words

RULES = """\
sites:
  example.org:
    ignore_lines: ['^Share (this|on)']
    ignore_text: ['Updated \\\\d+ minutes ago\\\\.?']
    drop: [.share, aside]
    body: article
"""


def page(words: list[str], number: int) -> str:
    paragraphs = [" ".join(words[i : i + 60]) + "." for i in range(number * 7, number * 7 + 600, 60)]
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Story {number}</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>Story {number}</h1><p>Updated {number % 50} minutes ago</p>"
        f"{body}<div class='share'>Share on X Share on Facebook</div></article><aside>Related stories</aside>"
        "</body></html>"
    )


def folder(root: Path, words: list[str], count: int) -> Path:
    pages = root / f"pages-{count}"
    pages.mkdir()
    sidecar = []
    for number in range(count):
        (pages / f"p{number}.html").write_text(page(words, number), encoding="utf-8")
        sidecar.append(
            f"p{number}.html:\n  url: https://www.example.org/story/{number}\n  captured_at: 2024-03-01T08:00:00Z\n"
        )
    (pages / "captures.yaml").write_text("".join(sidecar), encoding="utf-8")
    return pages


def store(root: Path, rules: Path | None) -> Path:
    path = root / "store"
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([*ARCHIVE, "--store", str(path), "init"], check=True, capture_output=True)
    if rules is not None:
        subprocess.run(
            [*ARCHIVE, "--store", str(path), "rules", "set", str(rules), "--at", "2024-01-01T00:00:00Z"],
            check=True,
            capture_output=True,
        )
    return path


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="archive-bench-rules-"))
    try:
        words = real_words()
        rules = work / "rules.yaml"
        rules.write_text(RULES, encoding="utf-8")
        one = work / "one.html"
        one.write_text(page(words, 1), encoding="utf-8")
        print(f"{'what':<28}{'no rules':>10}{'rules':>10}{'ratio':>8}")
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(5):
            for with_rules in (False, True):
                target = store(work, rules if with_rules else None)
                command = [*ARCHIVE, "--store", str(target), "snapshot", str(one), "--url", "https://example.org/s"]
                times[with_rules].append(timed([*command, "--at", "2024-03-01T08:00:00Z"]))
        plain, ruled = statistics.median(times[False]), statistics.median(times[True])
        print(f"{'snapshot, one page':<28}{plain * 1000:>8.0f}ms{ruled * 1000:>8.0f}ms{ruled / plain:>8.2f}")
        for count in (50, 200, 800):
            pages = folder(work, words, count)
            results: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(3):
                for with_rules in (False, True):
                    target = store(work, rules if with_rules else None)
                    results[with_rules].append(timed([*ARCHIVE, "--store", str(target), "import", str(pages)]))
            plain, ruled = statistics.median(results[False]), statistics.median(results[True])
            label = f"import, {count} pages"
            print(f"{label:<28}{plain:>9.2f}s{ruled:>9.2f}s{ruled / plain:>8.2f}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory of a child process: {peak:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
