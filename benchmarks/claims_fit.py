"""Fit ``archive.compare.claims.RULES`` on labelled edits and report the document-grouped cross-validated score.

The thresholds of the content rule (``archive.compare.claims.Rules``: how many content
words, and how many words new to the article, a rewording must bring in to be
substantive, whether the first sentence asks for fewer, and through how many
of a word's most frequent WordNet senses a synonym excuses a swap, if at all)
are the only values fitted on labelled data. Fitting is a search over a small grid: the
setting with the best F1 among those whose recall reaches ``--min-recall``
(the best F1 overall when none does).

To say how well that choice generalizes, the whole search runs in k-fold
cross-validation grouped by document: each fold is scored only with the
setting chosen on the other folds' documents. Fold assignments are drawn
with several seeds, and the script prints the mean and spread of the pooled
held-out figures, then the setting chosen on every document, which is what
``archive.compare.claims.RULES`` must hold.

    python benchmarks/claims_fit.py --corpus ../shared/corpora/wikinews-revisions/revisions.jsonl [--seeds 10] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import random
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

from claims_eval import Revision, covering, hunks_of, load, scores

from archive.compare.claims import RULES, Rules, compare

# The thresholds are fitted for the rules alone: the learned weights (``claims_train.py``) judge their verdicts.
RULES_ALONE = dataclasses.replace(RULES, weights=False)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "wikinews-revisions" / "revisions.jsonl"
# A little above the 0.75 target, which held-out documents must meet, not only the training ones.
MIN_RECALL = 0.78
# Synonym test: None (off), or how many of each word's most frequent WordNet senses may match.
CANDIDATES = tuple(
    Rules(rewording, novel, lede, senses, weights=False)
    for rewording, novel, lede, senses in itertools.product((2, 3, 4), (1, 2, 3, 99), (None, 1, 2), (None, 1, 2, 3, 5))
    if lede is None or lede < rewording
)

Pairs = list[tuple[bool, bool]]


def predictions(revisions: Sequence[Revision], rules: Rules) -> dict[str, Pairs]:
    """(flagged, positive) for every edit, by document, under ``rules``."""
    by_document: dict[str, Pairs] = {}
    for revision in revisions:
        hunks = hunks_of(compare(revision.old, revision.new, rules=rules))
        pairs = by_document.setdefault(revision.doc_id, [])
        for edit in revision.edits:
            pairs.append((any(h.substantive for h in covering(revision.old, hunks, edit)), edit.positive))
    return by_document


def choose(table: dict[Rules, dict[str, Pairs]], documents: Sequence[str], min_recall: float) -> Rules:
    """The setting with the best F1 on ``documents`` among those reaching ``min_recall``.

    Ties go to the stricter thresholds, and to the synonym test with fewer
    senses, or none: a thesaurus ships only when it helps.
    """

    def result(rules: Rules) -> dict[str, float | int]:
        return scores(pair for document in documents for pair in table[rules][document])

    results = {rules: result(rules) for rules in table}
    eligible = [rules for rules in table if results[rules]["recall"] >= min_recall] or list(table)
    return max(
        eligible,
        key=lambda rules: (
            results[rules]["f1"],
            rules.rewording_words,
            rules.novel_words,
            -(rules.synonym_senses or 0),
        ),
    )


def folds_of(documents: Sequence[str], k: int, seed: int) -> list[list[str]]:
    order = sorted(documents)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(
    table: dict[Rules, dict[str, Pairs]], documents: Sequence[str], folds: int, seed: int, min_recall: float
) -> tuple[dict[str, float | int], list[Rules]]:
    """Pooled held-out scores of one fold assignment, and the setting each fold chose."""
    held_out: Pairs = []
    chosen = []
    for fold in folds_of(documents, folds, seed):
        training = [document for document in documents if document not in set(fold)]
        rules = choose(table, training, min_recall)
        chosen.append(rules)
        held_out += [pair for document in fold for pair in table[rules][document]]
    return scores(held_out), chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=10, help="fold assignments to draw")
    parser.add_argument("--min-recall", type=float, default=MIN_RECALL)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    revisions = load(args.corpus)
    table = {rules: predictions(revisions, rules) for rules in CANDIDATES}
    documents = sorted(table[CANDIDATES[0]])
    runs = [cross_validate(table, documents, args.folds, seed, args.min_recall) for seed in range(args.seeds)]
    summary = {
        key: {
            "mean": statistics.fmean(float(run[key]) for run, _ in runs),
            "sd": statistics.pstdev(float(run[key]) for run, _ in runs),
            "min": min(float(run[key]) for run, _ in runs),
            "max": max(float(run[key]) for run, _ in runs),
        }
        for key in ("precision", "recall", "f1")
    }
    fitted = choose(table, documents, args.min_recall)
    in_sample = scores(pair for document in documents for pair in table[fitted][document])
    result = {
        "documents": len(documents),
        "edits": sum(len(pairs) for pairs in table[fitted].values()),
        "folds": args.folds,
        "seeds": args.seeds,
        "min_recall": args.min_recall,
        "cv": summary,
        "cv_runs": [{key: run[key] for key in ("precision", "recall", "f1")} for run, _ in runs],
        "fitted": dataclasses.asdict(fitted),
        "shipped": dataclasses.asdict(RULES_ALONE),
        "in_sample": {key: in_sample[key] for key in ("precision", "recall", "f1")},
    }
    if args.json:
        print(json.dumps(result, sort_keys=True))
        return 0 if fitted == RULES_ALONE else 1
    print(f"{len(documents)} documents, {result['edits']} edits, {len(CANDIDATES)} candidate settings")
    print(
        f"{args.folds}-fold cross-validation grouped by document, {args.seeds} fold assignments"
        f" (held-out documents only; setting chosen for F1 at recall >= {args.min_recall} on the other folds):"
    )
    for seed, (run, chosen) in enumerate(runs):
        settings = " ".join(_short(rules) for rules in chosen)
        print(
            f"  seed {seed}: precision {run['precision']:.3f} recall {run['recall']:.3f} F1 {run['f1']:.3f}"
            f"  chosen: {settings}"
        )
    for key in ("precision", "recall", "f1"):
        stats = summary[key]
        print(
            f"  {key:9} mean {stats['mean']:.3f} ± {stats['sd']:.3f} (sd)  range {stats['min']:.3f}–{stats['max']:.3f}"
        )
    print(
        f"chosen on all documents: {_short(fitted)}; in-sample precision {in_sample['precision']:.3f}"
        f" recall {in_sample['recall']:.3f} F1 {in_sample['f1']:.3f} (optimistic)"
    )
    if fitted != RULES_ALONE:
        print(f"archive.compare.claims.RULES is {_short(RULES)}: update it to the fitted setting")
        return 1
    return 0


def _short(rules: Rules) -> str:
    lede = "-" if rules.lede_words is None else rules.lede_words
    senses = "-" if rules.synonym_senses is None else rules.synonym_senses
    return f"{rules.rewording_words}/{rules.novel_words if rules.novel_words < 99 else '∞'}/{lede}/{senses}"


if __name__ == "__main__":
    sys.exit(main())
