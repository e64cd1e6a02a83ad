"""The synonym test of the content rule: WordNet lemmas and synsets, and the committed data file."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from archive.compare.claims import RULES, Change, ChangeKind, Rules, compare
from archive.compare.synonyms import are_synonyms, lemmas, name_groups

ROOT = Path(__file__).resolve().parents[1]
WORDNET = Path("/usr/share/wordnet")
DATA = ROOT / "archive" / "compare" / "synonyms.jsonl.gz"
ARTICLE = "Workers cleared the site on Monday. Police {} two bodies in the rubble, the mayor said.\n"


def only_change(old: str, new: str, rules: Rules = RULES) -> Change:
    changes = [change for change in compare(old, new, rules=rules).changes if change.kind != ChangeKind.UNCHANGED]
    assert len(changes) == 1
    return changes[0]


def test_a_swap_to_a_synonym_is_cosmetic_with_its_reason() -> None:
    change = only_change(ARTICLE.format("found"), ARTICLE.format("discovered"))
    assert not change.substantive
    assert [(reason.code, reason.text) for reason in change.reasons] == [("synonym", "synonym: found → discovered")]


def test_without_the_synonym_test_the_same_swap_is_new_content() -> None:
    rules = dataclasses.replace(RULES, synonym_senses=None, weights=False)
    change = only_change(ARTICLE.format("found"), ARTICLE.format("discovered"), rules=rules)
    assert change.substantive and {reason.code for reason in change.reasons} == {"content"}


def test_a_swap_to_a_word_of_another_meaning_stays_substantive() -> None:
    # For the synonym test; the learned weights' verdict on this swap is in test_claims_weights.py.
    old = "The council met on Monday. The town will close two schools, the mayor said.\n"
    change = only_change(old, old.replace("The town will", "The city will"), dataclasses.replace(RULES, weights=False))
    assert change.substantive and {reason.code for reason in change.reasons} == {"content"}


def test_a_swap_is_cosmetic_only_when_every_new_word_has_a_synonym() -> None:
    change = only_change(ARTICLE.format("found"), ARTICLE.format("discovered and photographed"))
    assert change.substantive


def test_lemmas_undo_irregular_and_regular_inflection() -> None:
    assert lemmas("found") == {"find", "found"}  # "find" from the exception list; "found" a company
    assert "discover" in lemmas("discovered")
    assert lemmas("geese", "n") == {"goose"}
    assert lemmas("glass", "n") == {"glass"}  # a noun in -ss is not a plural
    assert lemmas("xyzzy") == frozenset()


def test_synonyms_share_a_synset_among_their_most_frequent_senses() -> None:
    assert are_synonyms("found", "discovered", senses=2)
    assert not are_synonyms("found", "discovered", senses=1)  # discover is find's second sense
    assert not are_synonyms("town", "city")
    assert are_synonyms("Prison", "prison")


def test_importing_archive_does_not_load_the_synonym_data() -> None:
    code = (
        "import archive, archive.compare.claims, archive.compare.synonyms; "
        "print(archive.compare.synonyms._tables.cache_info().currsize)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0"


def test_the_data_carries_the_wordnet_license() -> None:
    from archive.compare.synonyms import _table

    license_text = (ROOT / "archive" / "compare" / "SYNONYMS-LICENSE").read_text(encoding="utf-8")
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in _table("license")
    assert license_text.endswith(_table("license"))


@pytest.mark.skipif(
    not (WORDNET / "index.noun").is_file(),
    reason="WordNet database not installed (apt-get install wordnet-base); the committed data file is not rebuilt",
)
def test_the_committed_data_file_is_what_the_build_script_produces(tmp_path: Path) -> None:
    output = tmp_path / "synonyms.jsonl.gz"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_synonyms.py"), "--wordnet", str(WORDNET), "--output", str(output)],
        check=True,
        capture_output=True,
    )
    assert output.read_bytes() == DATA.read_bytes(), "rebuild it: python tools/build_synonyms.py"


def test_names_of_one_place_share_a_group() -> None:
    assert name_groups("Great Britain") & name_groups("United Kingdom") & name_groups("UK")
    assert name_groups("U.S.") & name_groups("America") & name_groups("American")
    assert name_groups("Spain's") & name_groups("Spanish")
    assert not name_groups("Canada") & name_groups("United States")
    assert not name_groups("Base")  # a name of al-Qaeda, but a common word first
