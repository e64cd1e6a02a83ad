"""Score ``archive.compare.claims.compare`` against human-labelled edits (IteraTeR-style JSONL).

Each line holds ``before_revision``, ``after_revision`` and ``edit_actions``:
edits with a character span in the old text and the annotators' intent.
An edit counts as *flagged* when a substantive hunk covers it: a hunk covers
an edit when their old-text spans overlap (see ``covers``). The positive class
is ``meaning-changed``.

    python benchmarks/claims_eval.py --corpus ../shared/corpora/wikinews-revisions/revisions.jsonl [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.compare.align import align
from archive.compare.claims import Comparison, Hunk, compare
from archive.compare.sentences import split_sentences

POSITIVE = "meaning-changed"


@dataclass(frozen=True)
class Edit:
    """One labelled edit: its span in the old text and whether its intent is the positive class."""

    doc_id: str
    start: int
    end: int
    positive: bool
    intent: str
    before: str | None
    after: str | None
    votes: float = 0.0  # share of annotators who gave the positive intent


@dataclass(frozen=True)
class Revision:
    doc_id: str
    old: str
    new: str
    edits: tuple[Edit, ...]


def load(path: Path) -> list[Revision]:
    revisions = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            doc_id = str(row.get("doc_id", number))
            edits = tuple(
                Edit(
                    doc_id,
                    int(edit["start_char_pos"]),
                    int(edit["end_char_pos"] if edit.get("end_char_pos") is not None else edit["start_char_pos"]),
                    edit.get("major_intent") == POSITIVE,
                    str(edit.get("major_intent")),
                    edit.get("before"),
                    edit.get("after"),
                    _votes(edit),
                )
                for edit in row["edit_actions"]
            )
            revisions.append(Revision(doc_id, row["before_revision"], row["after_revision"], edits))
    return revisions


def _votes(edit: dict[str, Any]) -> float:
    raw = edit.get("raw_intents") or [edit.get("major_intent")]
    return sum(intent == POSITIVE for intent in raw) / len(raw)


def covers(text: str, hunk: Hunk, edit: Edit) -> bool:
    """Whether ``hunk`` covers ``edit``: their old-text spans overlap.

    An empty span (an insertion point) stands for the whitespace run around it,
    since "a| b" and "a |b" are the same place, and overlaps any span that
    touches that run, ends included.
    """
    a, b = hunk.old_start, hunk.old_end
    s, e = edit.start, edit.end
    if a < b and s < e:
        return a < e and s < b
    if a == b:
        a, b = _whitespace_around(text, a)
    if s == e:
        s, e = _whitespace_around(text, s)
    return max(a, s) <= min(b, e)


def _whitespace_around(text: str, position: int) -> tuple[int, int]:
    start = end = position
    while start > 0 and text[start - 1].isspace():
        start -= 1
    while end < len(text) and text[end].isspace():
        end += 1
    return start, end


def covering(text: str, hunks: Iterable[Hunk], edit: Edit) -> list[Hunk]:
    return [hunk for hunk in hunks if covers(text, hunk, edit)]


def hunks_of(comparison: Comparison) -> list[Hunk]:
    return [hunk for change in comparison.changes for hunk in change.hunks]


def judgements(revisions: Iterable[Revision]) -> Iterator[tuple[Edit, list[Hunk]]]:
    """Every edit with the hunks that cover it."""
    for revision in revisions:
        hunks = hunks_of(compare(revision.old, revision.new))
        for edit in revision.edits:
            yield edit, covering(revision.old, hunks, edit)


def scores(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float | int]:
    """Precision, recall and F1 of (predicted, actual) pairs."""
    tp = fp = fn = tn = 0
    for predicted, actual in pairs:
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        tn += not predicted and not actual
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def evaluate(revisions: list[Revision]) -> dict[str, Any]:
    started = time.perf_counter()
    judged = list(judgements(revisions))
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    for revision in revisions:
        align(split_sentences(revision.old), split_sentences(revision.new))
    align_seconds = time.perf_counter() - started
    result = scores((any(h.substantive for h in hunks), edit.positive) for edit, hunks in judged)
    baseline = scores((bool(hunks), edit.positive) for edit, hunks in judged)
    return {
        **{key: result[key] for key in ("precision", "recall", "f1")},
        "baseline_precision": baseline["precision"],
        "baseline_recall": baseline["recall"],
        "baseline_f1": baseline["f1"],
        "edits": len(judged),
        "positives": sum(edit.positive for edit, _ in judged),
        "uncovered": sum(not hunks for _, hunks in judged),
        "revisions": len(revisions),
        "seconds": seconds,
        "align_seconds": align_seconds,
        "confusion": {key: result[key] for key in ("tp", "fp", "fn", "tn")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="JSONL file of labelled revisions")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--show", choices=("fp", "fn", "all"), help="list misclassified (or all) edits")
    args = parser.parse_args(argv)
    revisions = load(args.corpus)
    result = evaluate(revisions)
    if args.show:
        for edit, hunks in judgements(revisions):
            flagged = any(h.substantive for h in hunks)
            wrong = "fp" if flagged and not edit.positive else "fn" if edit.positive and not flagged else None
            if args.show == "all" or wrong == args.show:
                reasons = [r.code for h in hunks for r in h.reasons]
                print(f"{wrong or 'ok':3} {edit.intent[:9]:9} {edit.before!r} -> {edit.after!r}  {reasons}")
    if args.json:
        print(json.dumps(result, sort_keys=True))
        return 0
    print(f"{result['revisions']} revisions, {result['edits']} edits, {result['positives']} {POSITIVE}")
    print(f"{'':22}{'precision':>10}{'recall':>8}{'F1':>7}")
    print(f"{'compare':22}{result['precision']:10.3f}{result['recall']:8.3f}{result['f1']:7.3f}")
    print(
        f"{'all substantive':22}{result['baseline_precision']:10.3f}"
        f"{result['baseline_recall']:8.3f}{result['baseline_f1']:7.3f}"
    )
    print(f"edits no hunk covers: {result['uncovered']}")
    print(
        f"time for {result['revisions']} revisions: compare {result['seconds']:.3f} s,"
        f" of which segmentation and alignment {result['align_seconds']:.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
