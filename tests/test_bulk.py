"""The bulk commit path: the same commits as one snapshot at a time, written as one pack per batch."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import SHARED, git, store_state
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.ingest.engine import IngestReport, ingest
from archive.ingest.folder import SIDECAR
from archive.ingest.snapshot import snapshot
from archive.ingest.sources import import_sources
from archive.store.repository import Store

START = datetime(2024, 1, 1, tzinfo=UTC)


def wikinews_folder(folder: Path, documents: int = 30) -> list[tuple[Path, str, datetime]]:
    """Real Wikinews revisions (before and after each edit) as text files with a captures.yaml.

    Returns (file, article id, capture time) in the order the captures were taken.
    """
    rows = [
        json.loads(line)
        for line in (SHARED / "corpora" / "wikinews-revisions" / "revisions.jsonl").read_text().splitlines()
    ][:documents]
    folder.mkdir()
    captures = []
    for number, row in enumerate(rows):
        article = f"wikinews-{row['doc_id']}-{row['revision_depth']}"
        for step, text in enumerate((row["before_revision"], row["after_revision"])):
            path = folder / f"{article}.v{step}.txt"
            path.write_text(text + "\n", encoding="utf-8")
            # Interleaved across articles, as a crawl would see them.
            captures.append((path, article, START + timedelta(hours=step * 24, minutes=number)))
    sidecar = {
        path.name: {"id": article, "captured_at": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
        for path, article, when in captures
    }
    (folder / SIDECAR).write_text(yaml.safe_dump(sidecar), encoding="utf-8")
    return sorted(captures, key=lambda item: item[2])


def one_at_a_time(path: Path, captures: list[tuple[Path, str, datetime]]) -> str | None:
    with Store.init(path) as store:
        for file, article, when in captures:
            snapshot(store, str(file), article_id=article, at=when)
        return store.head()


def test_bulk_import_gives_the_same_commits_as_one_snapshot_at_a_time(tmp_path: Path) -> None:
    captures = wikinews_folder(tmp_path / "pages")
    with Store.init(tmp_path / "bulk") as bulk:
        report = import_sources(bulk, [tmp_path / "pages"], jobs=2)
        assert (report.written, report.unchanged, report.skipped_total) == (60, 0, 0)
        assert bulk.head() == one_at_a_time(tmp_path / "single", captures)
    assert git(tmp_path / "bulk", "log", "--format=%H %s") == git(tmp_path / "single", "log", "--format=%H %s")
    assert git(tmp_path / "bulk", "status", "--porcelain") == ""


def test_bulk_objects_go_into_one_pack_that_git_checks(tmp_path: Path) -> None:
    wikinews_folder(tmp_path / "pages", documents=12)
    with Store.init(tmp_path / "store") as store:
        import_sources(store, [tmp_path / "pages"])
    counts = dict(line.split(": ") for line in git(tmp_path / "store", "count-objects", "-v").splitlines())
    assert counts["count"] == "0" and counts["packs"] == "1"
    (pack,) = (tmp_path / "store" / ".git" / "objects" / "pack").glob("*.pack")
    verified = git(tmp_path / "store", "verify-pack", "-v", str(pack.with_suffix(".idx")))
    # One line per object: sha, type, size, size in pack, offset, and for a delta also its depth and base.
    objects = [line.split() for line in verified.splitlines() if re.match(r"[0-9a-f]{40} (commit|tree|blob) ", line)]
    assert len(objects) == int(counts["in-pack"])
    assert all(len(fields) == 5 for fields in objects), "the pack holds deltas"
    assert f"non delta: {len(objects)} objects" in verified and "chain length" not in verified
    subprocess.run(["git", "-C", str(tmp_path / "store"), "fsck", "--strict", "--no-progress"], check=True)


def test_batches_and_workers_do_not_change_the_commits(tmp_path: Path) -> None:
    wikinews_folder(tmp_path / "pages", documents=10)
    heads = set()
    for name, batch_size, jobs in (("a", 5_000, 1), ("b", 7, 2), ("c", 1, 1)):
        with Store.init(tmp_path / name) as store:
            report = IngestReport()
            from archive.ingest.sources import scan_sources

            ingest(store, scan_sources([tmp_path / "pages"], report), report, jobs=jobs, batch_size=batch_size)
            heads.add(store.head())
    assert len(heads) == 1


def test_a_failure_mid_import_keeps_the_batches_already_committed(tmp_path: Path) -> None:
    wikinews_folder(tmp_path / "pages", documents=10)
    from archive.ingest.sources import scan_sources

    stored: list[str] = []

    def fail_on_the_twelfth(pending: object, result: object) -> None:
        stored.append(str(pending))
        if len(stored) == 12:
            raise RuntimeError("power cut")

    with Store.init(tmp_path / "store") as store:
        captures = scan_sources([tmp_path / "pages"], IngestReport())
        with pytest.raises(RuntimeError):
            ingest(store, captures, on_result=fail_on_the_twelfth, batch_size=5)
        assert len(store.log()) == 10
        before = store_state(tmp_path / "store")
        # Starting again completes the import; the ten already stored are recognised.
        report = ingest(store, captures)
        assert (report.written, report.unchanged) == (10, 10)
    assert before[1] == ""
    subprocess.run(["git", "-C", str(tmp_path / "store"), "fsck", "--strict", "--no-progress"], check=True)


def test_the_fast_yaml_writer_writes_what_pyyaml_writes() -> None:
    """canonical_yaml skips PyYAML for plain metadata; whatever it writes must be PyYAML's bytes."""
    import random

    from archive.store.metadata import _plain_yaml, _yaml_dumper

    def pyyaml(data: dict[str, object]) -> str:
        return yaml.dump(
            data, Dumper=_yaml_dumper(), sort_keys=True, allow_unicode=True, default_flow_style=False, width=2**31 - 1
        )

    rng = random.Random(5)
    alphabet = [*"abXZ0159 -_,.'?!/()’“”éß:#=~+%\"[]{}&*|>@`\\", "\u00a0", "\u200b", "\u2028", "\ufeff", "😀", "\t"]
    words = ["yes", "No", "null", "~", "on", "2024-03-01", "2024-03-01T08:00:00Z", "1e5", "0x1f", "012", "1_000"]
    words += ["3.5", ".inf", "---", "<<", "=", "1:20", "12"]

    def text() -> str:
        if rng.random() < 0.3:
            return rng.choice(words) + rng.choice(["", " x", "x", ":", " :x", " #x"])
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 10)))

    fast = 0
    for _ in range(30_000):
        data = {"title": text(), "authors": [text(), text()][: rng.randrange(3)], "n": rng.choice([None, 3, True, 0])}
        data["http"] = {"content_type": text(), "status": 200, "empty": {}}
        written = _plain_yaml(data, "")
        if written is not None:
            fast += 1
            assert written == pyyaml(data), data
    assert fast > 1_000


# Strings near YAML's edges: indicators, quotes, line breaks, the byte-order mark, astral characters,
# words PyYAML reads as another type (null, bool, numbers, dates), and the plain ones metadata mostly holds.
_YAML_EDGES = st.sampled_from(
    [
        *"abXZ0159 -_,.'?!/()’“”éß:#=~+%\"[]{}&*|>@`\\\t\n",
        *("\u00a0", "\u200b", "\u2028", "\u2029", "\ufeff", "😀"),
        *("yes", "No", "null", "~", "on", "2024-03-01", "2024-03-01T08:00:00Z", "1e5", "0x1f", "012", "1_000"),
        *("3.5", ".inf", "---", "<<", "=", "1:20", "12", ": ", " #", "text.txt", "sha256"),
    ]
)
_YAML_TEXT = st.one_of(st.lists(_YAML_EDGES, max_size=5).map("".join), st.text(max_size=12))
_YAML_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), _YAML_TEXT)
_YAML_VALUE = st.one_of(
    _YAML_SCALAR,
    st.lists(_YAML_TEXT, max_size=3),
    st.dictionaries(_YAML_TEXT, st.one_of(_YAML_SCALAR, st.lists(_YAML_TEXT, max_size=2)), max_size=4),
)


@settings(max_examples=3_000, derandomize=True, deadline=None)
@given(st.dictionaries(_YAML_TEXT, _YAML_VALUE, max_size=8))
def test_canonical_yaml_is_pyyaml_byte_for_byte(data: dict[str, object]) -> None:
    """Whatever the direct emitter writes (or leaves to PyYAML: None) is PyYAML's output for the same data,
    including the key orders it remembers from earlier documents."""
    from archive.store.metadata import _plain_yaml, _yaml_dumper, canonical_yaml

    expected = yaml.dump(
        data, Dumper=_yaml_dumper(), sort_keys=True, allow_unicode=True, default_flow_style=False, width=2**31 - 1
    )
    written = _plain_yaml(data, "")
    if written is not None:
        assert (written or "{}\n") == expected
    assert canonical_yaml(data) == expected
    assert canonical_yaml(dict(reversed(data.items()))) == expected


# What PyYAML's implicit resolvers look at: numbers in every base, sexagesimals, dates and times, bools, nulls.
_RESOLVABLE = st.lists(
    st.sampled_from(
        [
            *"0123456789_-+.: \tTtZeEx",
            *("0x", "0b", "0o", "2024", "-03", "-1", ":5", ":59", ":60", ".5", "e+3", "inf", "Inf", ".nan", "NaN"),
            *("~", "null", "Null", "yes", "No", "on", "OFF", "True", "<<", "=", "!", "&", "*"),
        ]
    ),
    max_size=6,
).map("".join)


@settings(max_examples=5_000, derandomize=True, deadline=None)
@given(_RESOLVABLE)
def test_scalars_are_quoted_as_pyyaml_quotes_them(text: str) -> None:
    """The direct emitter's copy of PyYAML's implicit resolvers quotes what PyYAML quotes (a plain scalar read
    back as a number, a date, a bool or null) and nothing else; PyYAML is not loaded to write meta.yaml."""
    from archive.store.metadata import _yaml_dumper, canonical_yaml

    for value in (text, text.strip(), f"{text}Z", f"2024-03-01{text}"):
        data = {"title": value, "authors": [value]}
        expected = yaml.dump(
            data, Dumper=_yaml_dumper(), sort_keys=True, allow_unicode=True, default_flow_style=False, width=2**31 - 1
        )
        assert canonical_yaml(data) == expected, value


def test_real_metadata_takes_the_direct_emitter(tmp_path: Path) -> None:
    """The French codes' meta.yaml (and a news page's) is written without PyYAML, as PyYAML would write it."""
    from archive.store.metadata import _plain_yaml, canonical_yaml, load_yaml

    folder = tmp_path / "news"
    wikinews_folder(folder, documents=6)
    with Store.init(tmp_path / "store") as store:
        assert import_sources(store, [str(folder)]).written == 12
    paths = git(tmp_path / "store", "ls-tree", "-r", "--name-only", "HEAD").split()
    metas = [path for path in paths if path.endswith("meta.yaml")]
    assert len(metas) == 6
    for path in metas:
        data = git(tmp_path / "store", "show", f"HEAD:{path}")
        metadata = load_yaml(data)
        assert _plain_yaml(metadata, "") == data == canonical_yaml(metadata)
