"""The evaluation script runs on any corpus of the IteraTeR format, not just the one it was built on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def edit(old: str, before: str | None, after: str | None, intent: str) -> dict[str, object]:
    """An edit of ``before`` (or, when it is None, an insertion at the end of ``old``)."""
    start = old.index(before) if before else len(old)
    end = start + len(before) if before else start
    kind = "A" if before is None else "D" if after is None else "R"
    return {
        "type": kind,
        "before": before,
        "after": after,
        "start_char_pos": start,
        "end_char_pos": end,
        "major_intent": intent,
        "raw_intents": [intent] * 3,
    }


def revisions() -> list[dict[str, object]]:
    one_old = "The storm killed 12 people on Monday. Officals said roads were closed."
    one_new = "The storm killed 15 people on Monday. Officials said roads were closed."
    two_old = "The council met today. It approved the budget."
    two_new = "The council met today. It approved the budget. The mayor resigned after the vote."
    return [
        {
            "doc_id": "1",
            "before_revision": one_old,
            "after_revision": one_new,
            "edit_actions": [
                edit(one_old, "12", "15", "meaning-changed"),
                edit(one_old, "Officals", "Officials", "fluency"),
            ],
        },
        {
            "doc_id": "2",
            "before_revision": two_old,
            "after_revision": two_new,
            "edit_actions": [
                edit(two_old, None, "The mayor resigned after the vote.", "meaning-changed"),
            ],
        },
    ]


def run(corpus: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "claims_eval.py"), "--corpus", str(corpus), *options],
        capture_output=True,
        text=True,
        check=True,
    )


def test_eval_scores_a_corpus_it_has_never_seen(tmp_path: Path) -> None:
    corpus = tmp_path / "revisions.jsonl"
    corpus.write_text("".join(json.dumps(row) + "\n" for row in revisions()), encoding="utf-8")
    result = json.loads(run(corpus, "--json").stdout)
    assert {"precision", "recall", "f1", "baseline_f1", "edits", "seconds"} <= set(result)
    assert result["edits"] == 3
    # The changed number and the added sentence are flagged, the spelling fix is not.
    assert (result["precision"], result["recall"], result["f1"]) == (1.0, 1.0, 1.0)
    assert result["baseline_f1"] == 0.8
    assert result["seconds"] >= 0


def test_eval_prints_a_readable_table(tmp_path: Path) -> None:
    corpus = tmp_path / "revisions.jsonl"
    corpus.write_text("".join(json.dumps(row) + "\n" for row in revisions()), encoding="utf-8")
    output = run(corpus).stdout
    assert "precision" in output and "all substantive" in output and "3 edits" in output


def test_fit_reports_held_out_figures_and_the_setting_it_would_ship(tmp_path: Path) -> None:
    corpus = tmp_path / "revisions.jsonl"
    corpus.write_text("".join(json.dumps(row) + "\n" for row in revisions()), encoding="utf-8")
    options = ["--corpus", str(corpus), "--json", "--folds", "2", "--seeds", "3"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "claims_fit.py"), *options],
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout)
    assert result["documents"] == 2 and result["edits"] == 3 and len(result["cv_runs"]) == 3
    assert {"mean", "sd", "min", "max"} <= set(result["cv"]["f1"])
    # Exit 0 only when archive.compare.claims.RULES is the setting the search chooses.
    assert done.returncode == (0 if result["fitted"] == result["shipped"] else 1)
