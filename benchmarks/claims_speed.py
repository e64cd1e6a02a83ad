"""Time ``archive.compare.claims.compare`` on two ~10,000-word versions built from real text.

The old version is real prose (Wikinews revisions from the evaluation corpus,
then the Platform Governance Archive terms, until the word budget is met).
The new version applies the edits news updates make: changed numbers,
dropped hedges, swapped dates, new sentences, moved and split sentences.
The plain ``word_diff`` of the same pair, and ``compare`` with the rules alone
(without the learned weights, ``archive.compare.weights``), are timed in the
same process for scale. Each figure is the best of ``--repeat`` runs, as wall
time and as CPU time of the process (the machine may be shared).

    python benchmarks/claims_speed.py [--words 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import sys
import time
from pathlib import Path

from archive.capture.normalize import normalize_text
from archive.compare.claims import RULES, compare
from archive.compare.sentences import split_sentences
from archive.compare.words import count_words, word_diff

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def real_text(words: int) -> str:
    """At least ``words`` words of real prose, one paragraph per line."""
    paragraphs: list[str] = []
    total = 0
    revisions = CORPORA / "wikinews-revisions" / "revisions.jsonl"
    sources = [json.loads(line)["after_revision"] for line in revisions.read_text(encoding="utf-8").splitlines()]
    sources += [path.read_text(encoding="utf-8") for path in sorted((CORPORA / "terms-versions").glob("*/v001.md"))]
    for source in sources:
        for paragraph in normalize_text(source).splitlines():
            paragraphs.append(paragraph)
            total += count_words(paragraph)
            if total >= words:
                return "\n".join(paragraphs) + "\n"
    return "\n".join(paragraphs) + "\n"


def edited(text: str, seed: int = 7) -> str:
    """``text`` with about one sentence in ten edited the way news updates are."""
    rng = random.Random(seed)
    lines = []
    for paragraph in text.splitlines():
        sentences = [sentence.text for sentence in split_sentences(paragraph)]
        out = []
        for sentence in sentences:
            roll = rng.random()
            if roll < 0.2 and ", and " in sentence:
                head, tail = sentence.split(", and ", 1)
                sentence = f"{head}. {tail[:1].upper()}{tail[1:]}"
            elif roll < 0.03:
                sentence = re.sub(r"\d+", lambda m: str(int(m.group()) + 7), sentence, count=1)
            elif roll < 0.05:
                sentence = re.sub(r"\b(reportedly|allegedly|may|might|could|likely) ", "", sentence, count=1)
            elif roll < 0.06:
                sentence = re.sub(r"\b(today|yesterday|Monday|Tuesday)\b", "on Saturday", sentence, count=1)
            elif roll < 0.07:
                sentence = sentence.replace(" will ", " will not ", 1)
            elif roll < 0.09:
                out.append("Officials said the figure was later revised, according to a statement released on Friday.")
            elif roll < 0.11:
                continue
            out.append(sentence)
        if len(out) > 2 and rng.random() < 0.05:
            out.insert(0, out.pop())  # a sentence moved to the front of its paragraph
        lines.append(" ".join(out))
    return "\n".join(line for line in lines if line) + "\n"


def best_of(repeat: int, function, *args, **kwargs) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The best wall time and the best CPU time of ``repeat`` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        function(*args, **kwargs)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    old = real_text(args.words)
    new = edited(old)
    comparison = compare(old, new)
    compare_seconds, compare_cpu = best_of(args.repeat, compare, old, new)
    alone_seconds, alone_cpu = best_of(args.repeat, compare, old, new, rules=dataclasses.replace(RULES, weights=False))
    diff_seconds, diff_cpu = best_of(args.repeat, word_diff, old, new)
    result = {
        "old_words": count_words(old),
        "new_words": count_words(new),
        "changes": comparison.counts,
        "compare_seconds": compare_seconds,
        "compare_cpu_seconds": compare_cpu,
        "rules_alone_seconds": alone_seconds,
        "rules_alone_cpu_seconds": alone_cpu,
        "word_diff_seconds": diff_seconds,
        "word_diff_cpu_seconds": diff_cpu,
        "ratio": compare_seconds / diff_seconds if diff_seconds else None,
    }
    if args.json:
        print(json.dumps(result, sort_keys=True))
        return 0
    print(f"versions: {result['old_words']} and {result['new_words']} words")
    print("changes: " + ", ".join(f"{kind} {count}" for kind, count in comparison.counts.items()))
    print(f"best of {args.repeat}:            wall     CPU")
    print(f"compare:              {compare_seconds:.3f} s  {compare_cpu:.3f} s")
    print(f"compare, rules alone: {alone_seconds:.3f} s  {alone_cpu:.3f} s")
    print(f"word_diff:            {diff_seconds:.3f} s  {diff_cpu:.3f} s")
    print(f"ratio compare / word_diff: {result['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
