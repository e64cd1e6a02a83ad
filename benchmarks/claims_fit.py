"""Fit the hunk model of ``archive.claims`` and report its document-grouped cross-validated score.

Every hunk ``compare`` makes is described by features (``archive.claims.hunk_features``):
the claim signals the rules found, the content words it brings in or takes
out, its size and place. A logistic regression, written here in plain Python
(Newton's method with an L2 penalty), learns how to weigh them from
human-labelled edits: a hunk is a positive example when an edit it covers is
``meaning-changed``. Hunks whose verdict a rule fixes (respellings, moves,
boilerplate) are left out.

The threshold on the model's score is chosen for F1 among thresholds that keep
recall at or above ``--min-recall``, on scores the model gave to documents it
was not fitted on (an inner cross-validation over the training documents).

To say how well all that generalizes, the whole procedure (fit and threshold)
runs in k-fold cross-validation grouped by document: each fold is scored only
with a model fitted, and a threshold chosen, on the other folds' documents.
Finally the model is fitted on every document and written, with the
cross-validated figures, to ``archive/claims_model.json`` (``--write``).

    python benchmarks/claims_fit.py --corpus ../shared/corpora/wikinews-revisions/revisions.jsonl [--folds 5] [--write]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from claims_eval import Revision, covers, load, scores

from archive.claims import hunk_features
from archive.claims_model import FORMAT, MODEL_FILE, Model

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "wikinews-revisions" / "revisions.jsonl"
PENALTY = 1.0  # L2 penalty on standardized weights
MIN_RECALL = 0.78  # chosen on training scores; a little above the 0.75 target, which held-out folds must meet


@dataclass(frozen=True)
class Row:
    """One hunk the model decides: its features, document and label."""

    document: str
    values: dict[str, float]
    label: float  # 1 when it covers a meaning-changed edit
    soft: float  # the largest share of annotators who called a covered edit meaning-changed


@dataclass(frozen=True)
class Judged:
    """One labelled edit and what decides it: covering hunks forced substantive, and the model's rows."""

    document: str
    positive: bool
    forced: bool
    rows: tuple[int, ...]


def collect(revisions: Sequence[Revision]) -> tuple[list[Row], list[Judged], list[str]]:
    rows: list[Row] = []
    judged: list[Judged] = []
    names: list[str] = []
    for revision in revisions:
        hunks = hunk_features(revision.old, revision.new)
        row_of: dict[int, int] = {}
        for position, item in enumerate(hunks):
            if not names:
                names = list(item.features)
            covered = [edit for edit in revision.edits if covers(revision.old, item.hunk, edit)]
            if item.forced is None and covered:
                row_of[position] = len(rows)
                rows.append(
                    Row(
                        revision.doc_id,
                        item.features,
                        float(any(edit.positive for edit in covered)),
                        max(edit.votes for edit in covered),
                    )
                )
        for edit in revision.edits:
            covering = [p for p, item in enumerate(hunks) if covers(revision.old, item.hunk, edit)]
            judged.append(
                Judged(
                    revision.doc_id,
                    edit.positive,
                    any(hunks[p].forced for p in covering),
                    tuple(row_of[p] for p in covering if p in row_of),
                )
            )
    return rows, judged, names


# ---------------------------------------------------------------------------
# Logistic regression


def fit(rows: Sequence[Row], names: Sequence[str], penalty: float, soft: bool) -> Model:
    """L2-penalized logistic regression on standardized features, by Newton's method."""
    means = [sum(row.values[name] for row in rows) / len(rows) for name in names]
    scales = []
    for name, mean in zip(names, means, strict=True):
        variance = sum((row.values[name] - mean) ** 2 for row in rows) / len(rows)
        scales.append(math.sqrt(variance) or 1.0)
    x = [[(row.values[name] - m) / s for name, m, s in zip(names, means, scales, strict=True)] + [1.0] for row in rows]
    y = [row.soft if soft else row.label for row in rows]
    d = len(names) + 1
    w = [0.0] * d
    for _ in range(50):
        gradient = [penalty * w[j] if j < d - 1 else 0.0 for j in range(d)]
        hessian = [[(penalty if i == j and i < d - 1 else 0.0) for j in range(d)] for i in range(d)]
        for xi, yi in zip(x, y, strict=True):
            p = _sigmoid(sum(a * b for a, b in zip(w, xi, strict=True)))
            r = p - yi
            v = max(p * (1 - p), 1e-9)
            for i in range(d):
                if xi[i]:
                    gradient[i] += r * xi[i]
                    vi = v * xi[i]
                    row = hessian[i]
                    for j in range(i, d):
                        row[j] += vi * xi[j]
        for i in range(d):
            for j in range(i):
                hessian[i][j] = hessian[j][i]
        hessian[d - 1][d - 1] += 1e-6
        step = _solve(hessian, gradient)
        w = [a - b for a, b in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return Model(tuple(names), tuple(w[:-1]), w[-1], 0.5, tuple(means), tuple(scales), {})


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Solve a x = b by Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [value] for row, value in zip(a, b, strict=True)]
    for column in range(n):
        pivot = max(range(column, n), key=lambda r: abs(m[r][column]))
        m[column], m[pivot] = m[pivot], m[column]
        for r in range(column + 1, n):
            factor = m[r][column] / m[column][column]
            if factor:
                for c in range(column, n + 1):
                    m[r][c] -= factor * m[column][c]
    solution = [0.0] * n
    for r in range(n - 1, -1, -1):
        solution[r] = (m[r][n] - sum(m[r][c] * solution[c] for c in range(r + 1, n))) / m[r][r]
    return solution


# ---------------------------------------------------------------------------
# Thresholds and cross-validation


def edit_scores(judged: Sequence[Judged], row_scores: dict[int, float]) -> list[tuple[float, bool]]:
    """Each edit's deciding score (the largest of its covering hunks; 1 when a rule forces it) and label."""
    return [
        (1.0 if edit.forced else max((row_scores[r] for r in edit.rows), default=0.0), edit.positive)
        for edit in judged
    ]


def choose_threshold(pairs: Sequence[tuple[float, bool]], min_recall: float) -> float:
    """The threshold with the best F1 among those whose recall is at least ``min_recall``."""
    candidates = sorted({score for score, _ in pairs if score > 0})
    best: tuple[float, float] | None = None
    fallback = candidates[0] if candidates else 0.5
    for threshold in candidates:
        result = scores((score >= threshold, positive) for score, positive in pairs)
        if result["recall"] + 1e-12 < min_recall:
            break
        if best is None or result["f1"] > best[0]:
            best = (float(result["f1"]), threshold)
    if best is None:
        return fallback
    # Halfway to the next lower score, so a borderline score on new text is not decided by rounding.
    lower = [score for score in candidates if score < best[1]]
    return (best[1] + lower[-1]) / 2 if lower else best[1]


def folds_of(documents: Sequence[str], k: int, seed: int) -> list[list[str]]:
    order = sorted(documents)
    if seed:
        random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def fit_with_threshold(
    rows: Sequence[Row],
    judged: Sequence[Judged],
    names: Sequence[str],
    documents: Sequence[str],
    folds: int,
    options: argparse.Namespace,
) -> Model:
    """Fit on ``documents``; choose the threshold on inner cross-validated scores of the same documents."""
    inner: dict[int, float] = {}
    for fold in folds_of(documents, folds, 0):
        held = set(fold)
        model = fit([r for r in rows if r.document in documents and r.document not in held], names, options.penalty, options.soft)
        inner.update({i: model.score(r.values) for i, r in enumerate(rows) if r.document in held})
    kept = set(documents)
    threshold = choose_threshold(edit_scores([e for e in judged if e.document in kept], inner), options.min_recall)
    model = fit([r for r in rows if r.document in kept], names, options.penalty, options.soft)
    return Model(model.features, model.weights, model.bias, threshold, model.means, model.scales, {})


def cross_validate(
    rows: Sequence[Row], judged: Sequence[Judged], names: Sequence[str], options: argparse.Namespace, seed: int
) -> tuple[dict[str, float | int], list[dict[str, float | int]]]:
    documents = sorted({edit.document for edit in judged})
    pooled: list[tuple[bool, bool]] = []
    per_fold = []
    for fold in folds_of(documents, options.folds, seed):
        held = set(fold)
        training = [doc for doc in documents if doc not in held]
        model = fit_with_threshold(rows, judged, names, training, options.folds, options)
        row_scores = {i: model.score(r.values) for i, r in enumerate(rows) if r.document in held}
        pairs = [
            (score >= model.threshold, positive)
            for score, positive in edit_scores([e for e in judged if e.document in held], row_scores)
        ]
        pooled += pairs
        per_fold.append({**scores(pairs), "threshold": model.threshold, "documents": len(fold), "edits": len(pairs)})
    return scores(pooled), per_fold


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=0, help="also report this many reshuffled fold assignments")
    parser.add_argument("--penalty", type=float, default=PENALTY)
    parser.add_argument("--min-recall", type=float, default=MIN_RECALL)
    parser.add_argument("--soft", action="store_true", help="fit to the annotators' vote share, not the majority")
    parser.add_argument("--write", action="store_true", help=f"write the model fitted on all documents to archive/{MODEL_FILE}")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    revisions = load(options.corpus)
    rows, judged, names = collect(revisions)
    documents = sorted({edit.document for edit in judged})
    pooled, per_fold = cross_validate(rows, judged, names, options, 0)
    repeats = [cross_validate(rows, judged, names, options, seed)[0] for seed in range(1, options.repeats + 1)]
    final = fit_with_threshold(rows, judged, names, documents, options.folds, options)
    in_sample_scores = {i: final.score(r.values) for i, r in enumerate(rows)}
    in_sample = scores((score >= final.threshold, positive) for score, positive in edit_scores(judged, in_sample_scores))
    result = {
        "documents": len(documents),
        "edits": len(judged),
        "hunks": len(rows),
        "folds": options.folds,
        "cv_precision": pooled["precision"],
        "cv_recall": pooled["recall"],
        "cv_f1": pooled["f1"],
        "per_fold": per_fold,
        "repeats": [{key: r[key] for key in ("precision", "recall", "f1")} for r in repeats],
        "in_sample": {key: in_sample[key] for key in ("precision", "recall", "f1")},
        "threshold": final.threshold,
    }
    if options.write:
        about = {
            "corpus": options.corpus.name,
            "documents": len(documents),
            "edits": len(judged),
            "hunks": len(rows),
            "penalty": options.penalty,
            "min_recall": options.min_recall,
            "labels": "annotator vote share" if options.soft else "majority intent",
            "cross_validated": {
                "folds": options.folds,
                "precision": round(pooled["precision"], 4),
                "recall": round(pooled["recall"], 4),
                "f1": round(pooled["f1"], 4),
            },
        }
        model = Model(final.features, final.weights, final.bias, final.threshold, final.means, final.scales, about)
        text = json.dumps(_rounded(model.to_dict()), indent=1) + "\n"
        (ROOT / "archive" / MODEL_FILE).write_text(text, encoding="utf-8")
    if options.json:
        print(json.dumps(result, sort_keys=True))
        return 0
    print(f"{len(documents)} documents, {len(judged)} edits, {len(rows)} hunks weighed by the model")
    print(f"{options.folds}-fold cross-validation grouped by document (held-out documents only):")
    for number, fold in enumerate(per_fold, 1):
        print(
            f"  fold {number}: {fold['documents']:3} documents {fold['edits']:4} edits  threshold {fold['threshold']:.3f}"
            f"  precision {fold['precision']:.3f} recall {fold['recall']:.3f} F1 {fold['f1']:.3f}"
        )
    print(f"  pooled: precision {pooled['precision']:.3f} recall {pooled['recall']:.3f} F1 {pooled['f1']:.3f}")
    for seed, repeat in enumerate(repeats, 1):
        print(
            f"  reshuffled folds (seed {seed}): precision {repeat['precision']:.3f}"
            f" recall {repeat['recall']:.3f} F1 {repeat['f1']:.3f}"
        )
    print(
        f"fitted on all documents: threshold {final.threshold:.3f}; in-sample precision {in_sample['precision']:.3f}"
        f" recall {in_sample['recall']:.3f} F1 {in_sample['f1']:.3f} (optimistic)"
    )
    weights = sorted(zip(final.features, final.weights, strict=True), key=lambda item: -abs(item[1]))
    print("weights (per standard deviation): " + ", ".join(f"{name} {weight:+.2f}" for name, weight in weights))
    if options.write:
        print(f"written: archive/{MODEL_FILE}")
    return 0


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


if __name__ == "__main__":
    sys.exit(main())
