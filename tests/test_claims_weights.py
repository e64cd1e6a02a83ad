"""The content rule's learned second opinion (archive.compare.weights): what it judges, how it says so, and its data."""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from archive.compare.claims import RULES, Change, ChangeKind, compare
from archive.compare.furniture import first_sentence
from archive.compare.signals import context_of, read_version
from archive.compare.weights import FEATURES, evidence, load, shipped, weighed

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
RULES_ALONE = dataclasses.replace(RULES, weights=False)
ARTICLE = (
    "Floods closed the main road into Hull on Tuesday, police said.\n"
    "The council met on Monday. The town will close two schools, the mayor said.\n"
    "Residents were moved to a sports hall. Power was cut to the area overnight.\n"
)


def changed(old: str, new: str, rules: object = RULES) -> list[Change]:
    comparison = compare(old, new, rules=rules)  # type: ignore[arg-type]
    return [change for change in comparison.changes if change.kind != ChangeKind.UNCHANGED]


def weighed_reasons(change: Change) -> list[tuple[bool, float, float]]:
    """(substantive, score, threshold) of each ``weighed`` reason, read back from its text."""
    found = []
    for reason in change.reasons:
        if reason.code == "weighed":
            match = re.search(r"\((\d\.\d\d) [≥<] (\d\.\d\d)\)", reason.text)
            assert match, reason.text
            found.append((reason.substantive, float(match[1]), float(match[2])))
    return found


def test_a_lone_swap_the_rule_calls_new_content_is_overruled_and_says_why() -> None:
    new = ARTICLE.replace("The town will", "The city will")
    [alone] = changed(ARTICLE, new, RULES_ALONE)
    assert alone.substantive and {reason.code for reason in alone.reasons} == {"content"}
    [change] = changed(ARTICLE, new)
    assert not change.substantive
    [(substantive, score, threshold)] = weighed_reasons(change)
    assert not substantive and score < threshold == shipped().threshold
    # The content rule's reason stays, marked cosmetic: the words it saw are still named.
    content = [reason for reason in change.reasons if reason.code == "content"]
    expected = [(False, "reworded with new words: town → city")]
    assert [(reason.substantive, reason.text) for reason in content] == expected
    assert change.reasons[0].code == "weighed" and "weighed as a rewording" in change.reasons[0].text


def test_words_inserted_into_a_sentence_are_confirmed_as_new_content() -> None:
    new = ARTICLE.replace("moved to a sports hall.", "moved to a sports hall after the levee failed.")
    [change] = changed(ARTICLE, new)
    assert change.substantive
    [(substantive, score, threshold)] = weighed_reasons(change)
    assert substantive and score >= threshold
    assert change.reasons[0].code == "content" and change.reasons[0].substantive
    assert "weighed as new content" in next(r.text for r in change.reasons if r.code == "weighed")


def test_claim_signals_the_lede_headings_and_rewrites_are_never_weighed() -> None:
    cases = {
        "number": ARTICLE.replace("two schools", "three schools"),
        "lede": ARTICLE.replace("main road", "main bridge"),
        "heading": "# Floods in Hull\n" + ARTICLE,
        "rewrite": ARTICLE.replace("The council met on Monday.", "Engineers found cracks in the bridge."),
    }
    heading_old = "# Floods in Hull\n" + ARTICLE
    for label, new in cases.items():
        old = heading_old if label == "heading" else ARTICLE
        new = heading_old.replace("Floods in", "Storms in") if label == "heading" else new
        found = changed(old, new)
        assert found and all(change.substantive for change in found), label
        assert not any(weighed_reasons(change) for change in found), label
        assert [change.reasons for change in found] == [change.reasons for change in changed(old, new, RULES_ALONE)]


def test_the_score_in_the_reason_is_the_shipped_weights_on_the_evidence() -> None:
    new = ARTICLE.replace("The town will", "The city will")
    comparison = compare(ARTICLE, new, rules=RULES_ALONE)
    context = context_of(ARTICLE, new)
    seen: dict[tuple[str, str], list[object]] = {}
    old_version = read_version(ARTICLE, context, seen)  # type: ignore[arg-type]
    new_version = read_version(new, context, seen)  # type: ignore[arg-type]
    ledes = (first_sentence(old_version), first_sentence(new_version))
    [(change, hunk)] = [(c, h) for c in comparison.changes for h in c.hunks if weighed(c, h, ledes)]
    features = evidence(change, hunk, old_version, new_version)
    assert set(features) == set(FEATURES)
    [(_, score, _)] = weighed_reasons(changed(ARTICLE, new)[0])
    assert score == math.floor(shipped().score(features) * 100) / 100


def test_weights_for_unknown_features_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown features: colour"):
        load('{"weights": {"colour": 1.0}, "bias": 0.0, "threshold": 0.5}')


@pytest.mark.skipif(not (CORPORA / "iterater-other-domains").is_dir(), reason="the shared corpora are not here")
def test_the_shipped_weights_are_what_the_training_script_fits() -> None:
    """benchmarks/claims_train.py without --write exits 1 when archive/compare/weights.json differs from its fit."""
    result = subprocess.run(
        [sys.executable, "claims_train.py", "--seeds", "0", "--json"],
        cwd=ROOT / "benchmarks",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert '"shipped_matches": true' in result.stdout
