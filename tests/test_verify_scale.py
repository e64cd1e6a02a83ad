"""`verify` at scale (issue 13): its fast paths give the answers of the slow ones they stand in for.

meta.yaml is read without a YAML parser when it is what the writer wrote (``read_canonical_yaml``); any
other document must be read as PyYAML reads it, or left to it.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SEED, SEED_REVISION, git
from hypothesis import given, settings
from hypothesis import strategies as st
from tamper import blob_at, commit_on_top, loose_object

from archive.audit import verify as verify_module
from archive.audit.verify import verify
from archive.capture.fetch import Capture
from archive.compare.words import count_words
from archive.ingest.snapshot import snapshot
from archive.store.layout import article_dir
from archive.store.metadata import canonical_yaml, load_yaml, read_canonical_yaml
from archive.store.repository import Store

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=12),
    st.sampled_from(["null", "true", "yes", "0x1F", "007", "1:30", "2021-12-17", "1e3", "~", "- a", "a: b", "'q'", ""]),
)
_KEYS = st.one_of(st.text(max_size=8), st.sampled_from(["id", "raw", "text", "url", "a:b", "- x", "1", "null"]))
_VALUES = st.recursive(
    _SCALARS | st.lists(st.text(max_size=6), max_size=3),
    lambda inner: st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)


def _same(read: Any, expected: Any) -> bool:
    """Equal, with the same types all the way down (True is not 1)."""
    return repr(read) == repr(expected) and read == expected


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_what_canonical_yaml_writes_reads_back_as_load_yaml_reads_it(data: dict[str, Any]) -> None:
    document = canonical_yaml(data).encode("utf-8")
    read = read_canonical_yaml(document)
    assert read is None or _same(read, load_yaml(document))


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_an_edited_meta_yaml_is_read_as_pyyaml_reads_it_or_left_to_it(data: st.DataObject) -> None:
    document = bytearray(_META)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(document) - 1))
        edit = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        byte = data.draw(st.sampled_from(list(b" \n:-'\"#{}[]0aZ\t")))
        if edit == "delete":
            del document[at]
        elif edit == "insert":
            document.insert(at, byte)
        else:
            document[at] = byte
    read = read_canonical_yaml(bytes(document))
    if read is None:
        return
    try:
        expected = load_yaml(bytes(document))
    except yaml.YAMLError:
        raise AssertionError(f"read {read!r} from a document PyYAML refuses: {bytes(document)!r}") from None
    assert _same(read, expected)


def test_lines_out_of_the_writers_order_are_left_to_pyyaml() -> None:
    lines = _META.decode().splitlines(keepends=True)
    for seed in range(200):
        shuffled = lines[:]
        random.Random(seed).shuffle(shuffled)
        document = "".join(shuffled).encode()
        read = read_canonical_yaml(document)
        assert read is None or document == _META
    assert read_canonical_yaml(b"b: 1\na: 2\n") is None  # keys out of order
    assert read_canonical_yaml(b"a: 1\na: 2\n") is None  # a key twice
    assert read_canonical_yaml(b"a: '1'\n") == {"a": "1"} == load_yaml(b"a: '1'\n")
    assert read_canonical_yaml(b"a: 1\n") == {"a": 1}
    assert read_canonical_yaml(b"a: '2'\n") == {"a": "2"}
    assert read_canonical_yaml(b"a: 'x'\n") is None  # PyYAML would not quote it
    assert read_canonical_yaml(b"a: 0x1F\n") is None and load_yaml(b"a: 0x1F\n") == {"a": 31}
    assert read_canonical_yaml(b"a: 1.5\n") is None


def test_every_meta_yaml_the_writer_makes_is_read_without_pyyaml(store_path: Path, run) -> None:
    for day, source in ((17, SEED), (18, SEED_REVISION)):
        result = run("snapshot", str(source), "--id", "putin", "--at", f"2021-12-{day}T12:00:00Z")
        assert result.exit_code == 0, result.output
    metas = git(store_path, "log", "--format=", "--name-only", "refs/heads/main").split()
    for path in {p for p in metas if p.endswith("/meta.yaml")}:
        for commit in git(store_path, "log", "--format=%H", "refs/heads/main", "--", path).split():
            document = git(store_path, "show", f"{commit}:{path}").encode()
            read = read_canonical_yaml(document)
            assert read is not None and _same(read, load_yaml(document))


def test_versions_checked_by_worker_processes_give_the_same_findings_in_the_same_order(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(store_path) as store:
        for day in range(1, 9):
            for article in ("putin", "other", "third"):
                text = SEED.read_text(encoding="utf-8").replace("Putin", f"Putin {day}") + f"{article}\n"
                capture = Capture(raw=text.encode(), source="stdin", media_type="text/plain")
                snapshot(store, capture, article_id=article, at=datetime(2021, 12, day, 12, tzinfo=UTC))
        head = store.head()
    assert head is not None
    # A damaged object, an edit committed on top, and a rewritten text in the middle of the history.
    first = git(store_path, "rev-list", "--reverse", "refs/heads/main").split()[1]
    blob = blob_at(store_path, first, f"{article_dir('other')}/text.txt")
    assert blob is not None
    damaged = loose_object(store_path, blob)
    damaged.chmod(0o644)
    damaged.write_bytes(damaged.read_bytes()[:12])
    text = store_path / article_dir("putin") / "text.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("Putin", "Poutine"), encoding="utf-8")
    commit_on_top(store_path)
    with Store.open(store_path) as store:
        alone = verify(store, processes=1)
        monkeypatch.setattr(verify_module, "_SPAN", 2)  # 13 spans of 2 versions, checked by 2 workers
        side_by_side = verify(store, processes=2)
    assert alone.findings == side_by_side.findings and alone.versions == side_by_side.versions == 24
    assert {finding.check for finding in alone.findings} >= {"object", "foreign-commit", "head", "git-fsck"}
    unreadable = [finding for finding in side_by_side.findings if finding.check == "object"]
    assert [finding.message for finding in unreadable] == [f"text.txt (blob {blob[:12]}) is missing or corrupt"]


_META = b"""archiver:
  version: 0.1.0
authors:
- Jane Doe
- John Roe
canonical_url: null
captured_at: '1973-11-12T23:00:00Z'
changes:
  words_added: 48
  words_removed: 0
extractor:
  name: archive-text
  version: 0.1.0
format: 1
http: {}
id: code-de-l-urbanisme-article-r550-1-18ac1afea2
previous_commit: null
raw:
  bytes: 342
  file: raw.md
  media_type: text/markdown
  sha256: 2d51e9d9b94e8eb9698761fadb23129957eb38cc714287eb011b540a20a0c574
tags: []
text:
  file: text.txt
  paragraphs: 5
  sha256: 604f24d76e5d2dd5b1f2344a580f8ec4aa7ff2534a67d1bec91704cd83eec2a4
  words: 48
title: Article R550-1
truncated: false
version: 1
"""


def test_the_sample_is_what_the_writer_writes() -> None:
    assert canonical_yaml(load_yaml(_META)).encode() == _META
    assert _same(read_canonical_yaml(_META), load_yaml(_META))


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(["a", "é", " ", "\n", "\t", "\xa0", "\u2028", "\u3000", "\x1c", "\x85", "\u200b"]))
)
def test_words_are_counted_as_the_runs_of_non_space(text: str) -> None:
    assert count_words(text) == len(re.findall(r"\S+", text))
