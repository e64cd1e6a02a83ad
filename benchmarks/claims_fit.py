"""Fit ``archive.claims.MIN_REWORDING_WORDS`` and report its document-grouped cross-validated score.

The only parameter of the classifier fitted on labelled data is how many new
content words a rewording must bring in to count as substantive. This script
picks it by F1 on the corpus and, to say how well that choice generalizes,
runs k-fold cross-validation grouped by document: each fold's threshold is
chosen on the other folds' documents and scored only on its own.

    python benchmarks/claims_fit.py --corpus ../shared/corpora/wikinews-revisions/revisions.jsonl [--folds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from claims_eval import Revision, covering, hunks_of, load, scores

import archive.claims as claims

CANDIDATES = (1, 2, 3, 4, 5, 6)


def predictions(revisions: list[Revision], threshold: int) -> dict[str, list[tuple[bool, bool]]]:
    """(flagged, positive) for every edit, by document, with the given threshold."""
    claims.MIN_REWORDING_WORDS = threshold
    by_document: dict[str, list[tuple[bool, bool]]] = {}
    for revision in revisions:
        hunks = hunks_of(claims.compare(revision.old, revision.new))
        pairs = by_document.setdefault(revision.doc_id, [])
        for edit in revision.edits:
            pairs.append((any(h.substantive for h in covering(revision.old, hunks, edit)), edit.positive))
    return by_document


def best(table: dict[int, dict[str, list[tuple[bool, bool]]]], documents: list[str]) -> int:
    def f1(threshold: int) -> float:
        return float(scores(pair for doc in documents for pair in table[threshold][doc])["f1"])

    return max(CANDIDATES, key=lambda threshold: (f1(threshold), -threshold))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    shipped = claims.MIN_REWORDING_WORDS
    revisions = load(args.corpus)
    table = {threshold: predictions(revisions, threshold) for threshold in CANDIDATES}
    claims.MIN_REWORDING_WORDS = shipped
    documents = sorted(table[CANDIDATES[0]])
    # Deterministic folds: documents dealt round-robin in sorted order.
    folds = [documents[k :: args.folds] for k in range(args.folds)]
    held_out: list[tuple[bool, bool]] = []
    chosen = []
    for fold in folds:
        training = [doc for doc in documents if doc not in set(fold)]
        threshold = best(table, training)
        chosen.append(threshold)
        held_out += [pair for doc in fold for pair in table[threshold][doc]]
    cross_validated = scores(held_out)
    fitted = best(table, documents)
    result = {
        "fitted_threshold": fitted,
        "shipped_threshold": shipped,
        "fold_thresholds": chosen,
        "cv_precision": cross_validated["precision"],
        "cv_recall": cross_validated["recall"],
        "cv_f1": cross_validated["f1"],
        "folds": args.folds,
        "documents": len(documents),
        "by_threshold": {
            threshold: scores(pair for doc in documents for pair in table[threshold][doc])["f1"]
            for threshold in CANDIDATES
        },
    }
    if args.json:
        print(json.dumps(result, sort_keys=True))
        return 0
    print(f"{len(documents)} documents, {args.folds} folds grouped by document")
    for threshold, f1 in result["by_threshold"].items():
        print(f"  MIN_REWORDING_WORDS={threshold}: F1 {f1:.3f} on all documents (in-sample)")
    print(f"fitted on all documents: {fitted} (shipped: {shipped})")
    print(f"thresholds chosen per fold: {chosen}")
    print(
        f"cross-validated (held-out documents only): precision {cross_validated['precision']:.3f}"
        f" recall {cross_validated['recall']:.3f} F1 {cross_validated['f1']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
