"""Train the content rule's second opinion (``archive/compare/weights.json``) and score it on news it never saw.

Every hunk that ``archive.compare.weights.weighed`` selects (substantive by the
content rule alone) in ``compare(..., rules=<RULES without weights>)`` gets its
``evidence``. A hunk's label is whether any labelled edit it covers (as
``claims_eval.covers`` says) is ``meaning-changed``; hunks that cover no edit
are left out. The model is a logistic regression with an L2 penalty, fitted by
Newton's method in plain Python from zero, so the weights reproduce exactly.
Each corpus counts as much as the other: the news hunks are weighted by the
ratio of other-domain hunks to news hunks. The threshold is the one with the
best F1 on the news training edits among those whose recall reaches
``--min-recall`` (0.83: a margin over the 0.80 that held-out news must reach).

Training data: all of ``--other`` (arXiv and Wikipedia revisions) and the news
documents of the training folds. The score is document-grouped k-fold
cross-validation on the news split, drawn with several seeds (the fold
assignments of ``claims_fit.py``): each news document is scored only by
weights and a threshold fitted without it. The shipped weights are fitted on
all documents of both corpora; ``--write`` writes them, and without it the
script exits 1 when the committed file differs from this fit.

    python benchmarks/claims_train.py [--seeds 10] [--ablation] [--write] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claims_eval import Revision, covering, hunks_of, load, scores
from claims_fit import folds_of

from archive.compare.claims import RULES, compare
from archive.compare.furniture import first_sentence
from archive.compare.signals import context_of, read_version
from archive.compare.weights import FEATURES, Weights, evidence, weighed

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
NEWS = CORPORA / "wikinews-revisions" / "revisions.jsonl"
OTHER = CORPORA / "iterater-other-domains" / "revisions.jsonl"
WEIGHTS = ROOT / "archive" / "compare" / "weights.json"
MIN_RECALL = 0.83
PENALTY = 1.0  # L2 on the weights (not the bias), in units of one training hunk
THRESHOLDS = tuple(round(0.02 + 0.01 * step, 2) for step in range(97))
# Feature sets for the ablation, each adding to the one before.
ABLATION = {
    "edit shape": "insertion old_words new_words share",
    "+ content words in and out": "came gone novel repeated capitalized from_sentence kept_in_sentence",
    "+ the content rule's reason": "added_words new_content reworded",
    "+ the change's kind and its other edits": "hunks sub_hunks split moved",
}
RULES_ALONE = dataclasses.replace(RULES, weights=False)

Row = tuple[list[float], bool, float]


@dataclass(frozen=True)
class Judged:
    """One revision: its hunks (evidence when weighed, else ``None``; the rules' verdict) and its edits."""

    doc_id: str
    hunks: tuple[tuple[dict[str, float] | None, bool], ...]
    edits: tuple[tuple[bool, tuple[int, ...]], ...]  # (meaning-changed, indices of the hunks that cover it)


def judge(revisions: Iterable[Revision]) -> list[Judged]:
    """The rules' verdicts on every revision, with the evidence of each hunk the weights would judge."""
    judged = []
    for revision in revisions:
        comparison = compare(revision.old, revision.new, rules=RULES_ALONE)
        context = context_of(revision.old, revision.new)
        seen: dict[tuple[str, str], list[Any]] = {}
        old, new = read_version(revision.old, context, seen), read_version(revision.new, context, seen)
        ledes = (first_sentence(old), first_sentence(new))
        rows = tuple(
            (evidence(change, hunk, old, new) if weighed(change, hunk, ledes) else None, hunk.substantive)
            for change in comparison.changes
            for hunk in change.hunks
        )
        hunks = hunks_of(comparison)
        index = {id(hunk): position for position, hunk in enumerate(hunks)}
        edits = tuple(
            (edit.positive, tuple(index[id(hunk)] for hunk in covering(revision.old, hunks, edit)))
            for edit in revision.edits
        )
        judged.append(Judged(revision.doc_id, rows, edits))
    return judged


def examples(judged: Iterable[Judged], names: Sequence[str], weight: float = 1.0) -> list[Row]:
    """(features, label, weight) of every weighed hunk that covers a labelled edit."""
    rows = []
    for revision in judged:
        labels: dict[int, bool] = {}
        for positive, hunks in revision.edits:
            for hunk in hunks:
                labels[hunk] = labels.get(hunk, False) or positive
        for hunk, label in sorted(labels.items()):
            features = revision.hunks[hunk][0]
            if features is not None:
                rows.append(([features[name] for name in names], label, weight))
    return rows


def fit(rows: Sequence[Row], penalty: float) -> tuple[list[float], float]:
    """Logistic regression weights and bias: Newton's method on the weighted, L2-penalized log loss, from zero."""
    width = len(rows[0][0])
    beta = [0.0] * (width + 1)  # bias last
    for _ in range(50):
        gradient = [0.0] * (width + 1)
        hessian = [[0.0] * (width + 1) for _ in range(width + 1)]
        for features, label, weight in rows:
            x = [*features, 1.0]
            p = _sigmoid(sum(b * v for b, v in zip(beta, x, strict=True)))
            error, curvature = (p - label) * weight, p * (1.0 - p) * weight
            for i, xi in enumerate(x):
                if xi:
                    gradient[i] += error * xi
                    row = hessian[i]
                    for j in range(i + 1):
                        row[j] += curvature * xi * x[j]
        for i in range(width):
            gradient[i] += penalty * beta[i]
            hessian[i][i] += penalty
        for i in range(width + 1):
            for j in range(i):
                hessian[j][i] = hessian[i][j]
        step = _solve(hessian, gradient)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-10:
            break
    return beta[:width], beta[width]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrix is small and positive definite)."""
    size = len(vector)
    a = [[*row, value] for row, value in zip(matrix, vector, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(a[r][column]))
        a[column], a[pivot] = a[pivot], a[column]
        for r in range(column + 1, size):
            factor = a[r][column] / a[column][column]
            if factor:
                for c in range(column, size + 1):
                    a[r][c] -= factor * a[column][c]
    solution = [0.0] * size
    for r in reversed(range(size)):
        solution[r] = (a[r][size] - sum(a[r][c] * solution[c] for c in range(r + 1, size))) / a[r][r]
    return solution


def flags(judged: Iterable[Judged], weights: Weights | None) -> list[tuple[bool, bool]]:
    """(flagged, meaning-changed) of every edit: flagged when a covering hunk is substantive."""
    pairs = []
    for revision in judged:
        verdicts = [
            rule if features is None or weights is None else weights.score(features) >= weights.threshold
            for features, rule in revision.hunks
        ]
        pairs += [(any(verdicts[h] for h in hunks), positive) for positive, hunks in revision.edits]
    return pairs


def threshold_for(judged: Sequence[Judged], weights: Weights, min_recall: float) -> float:
    """The threshold with the best F1 on ``judged`` among those reaching ``min_recall`` (ties: the higher)."""
    results = []
    for threshold in THRESHOLDS:
        result = scores(flags(judged, Weights(weights.weights, weights.bias, threshold)))
        results.append((result["recall"] >= min_recall, result["f1"], threshold))
    return max(results)[2]


def train(
    news: Sequence[Judged],
    other: Sequence[Judged],
    names: Sequence[str],
    min_recall: float,
    penalty: float,
    balanced: bool = True,
) -> Weights:
    """Weights fitted on ``other`` and ``news``, the threshold chosen on ``news``."""
    from_other = examples(other, names)
    from_news = examples(news, names)
    if balanced and from_other and from_news:
        from_news = examples(news, names, len(from_other) / len(from_news))
    weights, bias = fit([*from_other, *from_news], penalty)
    fitted = Weights(dict(zip(names, weights, strict=True)), bias, 0.5)
    return dataclasses.replace(fitted, threshold=threshold_for(news, fitted, min_recall))


def cross_validate(
    news: Sequence[Judged],
    other: Sequence[Judged],
    names: Sequence[str],
    args: argparse.Namespace,
    balanced: bool = True,
) -> list[dict[str, float | int]]:
    """Pooled held-out scores on the news documents, one per fold assignment."""
    documents = sorted({revision.doc_id for revision in news})
    runs = []
    for seed in range(args.seeds):
        held_out: list[tuple[bool, bool]] = []
        for fold in folds_of(documents, args.folds, seed):
            kept = set(fold)
            training = [revision for revision in news if revision.doc_id not in kept]
            weights = train(training, other, names, args.min_recall, args.penalty, balanced)
            held_out += flags([revision for revision in news if revision.doc_id in kept], weights)
        runs.append(scores(held_out))
    return runs


def summary(runs: Sequence[dict[str, float | int]]) -> dict[str, dict[str, float]]:
    return {
        key: {
            "mean": statistics.fmean(float(run[key]) for run in runs),
            "sd": statistics.pstdev(float(run[key]) for run in runs),
            "min": min(float(run[key]) for run in runs),
            "max": max(float(run[key]) for run in runs),
        }
        for key in ("precision", "recall", "f1")
    }


def encode(weights: Weights, args: argparse.Namespace, trained_on: dict[str, int]) -> str:
    """The weights as committed: rounded to six places, so a rebuild compares byte for byte."""
    data: dict[str, Any] = {
        "format": 1,
        "kind": "logistic regression over archive.compare.weights.FEATURES",
        "trained_by": "benchmarks/claims_train.py --write",
        "penalty": args.penalty,
        "min_recall": args.min_recall,
        "trained_on": trained_on,
        "weights": {name: round(weight, 6) for name, weight in weights.weights.items()},
        "bias": round(weights.bias, 6),
        "threshold": weights.threshold,
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news", type=Path, default=NEWS)
    parser.add_argument("--other", type=Path, default=OTHER)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=10, help="fold assignments to draw (0: no cross-validation)")
    parser.add_argument("--min-recall", type=float, default=MIN_RECALL)
    parser.add_argument("--penalty", type=float, default=PENALTY)
    parser.add_argument("--ablation", action="store_true", help="also cross-validate each feature set in turn")
    parser.add_argument("--write", action="store_true", help="write the weights fitted on all data to weights.json")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    news, other = judge(load(args.news)), judge(load(args.other))
    names = list(FEATURES)
    result: dict[str, Any] = {"rules": {key: scores(flags(news, None))[key] for key in ("precision", "recall", "f1")}}
    if args.seeds:
        runs = cross_validate(news, other, names, args)
        result["cv"] = summary(runs)
        result["cv_runs"] = [{key: run[key] for key in ("precision", "recall", "f1")} for run in runs]
    ablation = {}
    if args.ablation and args.seeds:
        grown: list[str] = []
        for label, added in ABLATION.items():
            grown += added.split()
            ablation[label] = summary(cross_validate(news, other, grown, args))
        ablation["all, corpora unweighted"] = summary(cross_validate(news, other, names, args, balanced=False))
        ablation["all, news training folds only"] = summary(cross_validate(news, [], names, args))
    result["ablation"] = ablation
    final = train(news, other, names, args.min_recall, args.penalty)
    trained_on = {
        "news_revisions": len(news),
        "other_revisions": len(other),
        "hunks": len(examples([*news, *other], names)),
    }
    text = encode(final, args, trained_on)
    written = json.loads(text)
    final = Weights(written["weights"], written["bias"], written["threshold"])
    for label, judged in (("news", news), ("other", other)):
        in_sample = scores(flags(judged, final))
        result[f"in_sample_{label}"] = {key: in_sample[key] for key in ("precision", "recall", "f1")}
    result["weights"] = written
    if args.write:
        WEIGHTS.write_text(text, encoding="utf-8")
    current = WEIGHTS.exists() and WEIGHTS.read_text(encoding="utf-8") == text
    result["shipped_matches"] = current
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        _print(result, args)
    return 0 if current else 1


def _print(result: dict[str, Any], args: argparse.Namespace) -> None:
    def row(label: str, stats: dict[str, dict[str, float]]) -> str:
        cells = "  ".join(f"{stats[key]['mean']:.3f} ± {stats[key]['sd']:.3f}" for key in ("precision", "recall", "f1"))
        ranges = "  ".join(f"{stats[key]['min']:.3f}–{stats[key]['max']:.3f}" for key in ("precision", "recall", "f1"))
        return f"{label:42} {cells}   range {ranges}"

    rules = result["rules"]
    print(
        f"rules alone, in sample on news: precision {rules['precision']:.3f}"
        f" recall {rules['recall']:.3f} F1 {rules['f1']:.3f}"
    )
    if "cv" in result:
        print(f"news documents, {args.folds}-fold CV grouped by document, {args.seeds} draws (precision, recall, F1):")
        print(row("with the weights", result["cv"]))
        for label, stats in result["ablation"].items():
            print(row(label, stats))
    for label in ("news", "other"):
        stats = result[f"in_sample_{label}"]
        print(
            f"shipped weights in sample on {label}: precision {stats['precision']:.3f}"
            f" recall {stats['recall']:.3f} F1 {stats['f1']:.3f}"
        )
    print(f"threshold {result['weights']['threshold']}, bias {result['weights']['bias']:+.3f}, weights:")
    for name, weight in sorted(result["weights"]["weights"].items(), key=lambda item: -abs(item[1])):
        print(f"  {weight:+8.3f}  {name}  ({FEATURES[name]})")
    if not result["shipped_matches"]:
        print(f"{WEIGHTS.relative_to(ROOT)} differs from this fit: run with --write")


if __name__ == "__main__":
    sys.exit(main())
