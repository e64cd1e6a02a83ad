"""`archive import DIR`: saved pages and text files, with capture times from captures.yaml or the files."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from conftest import SEED, SEED_REVISION, article_html, git
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.ingest.engine import IngestReport
from archive.ingest.folder import scan_folder
from archive.store.repository import Store


def test_folder_import_uses_the_sidecar_and_file_times(store: Store, tmp_path: Path, run) -> None:
    pages = tmp_path / "pages"
    (pages / "2021").mkdir(parents=True)
    (pages / "2021" / "putin-1.txt").write_bytes(SEED.read_bytes())
    (pages / "2021" / "putin-2.txt").write_bytes(SEED_REVISION.read_bytes())
    (pages / "troops.html").write_text(article_html(), encoding="utf-8")
    (pages / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (pages / "captures.yaml").write_text(
        "2021/putin-1.txt: {id: putin, captured_at: 2021-12-17T12:00:00Z}\n"
        "2021/putin-2.txt: {id: putin, captured_at: '2021-12-18T09:30:00+00:00'}\n"
        "troops.html: {url: 'https://news.example.org/world/troops-border'}\n",
        encoding="utf-8",
    )
    saved = datetime(2024, 3, 1, 8, 0, 5, tzinfo=UTC).timestamp()
    os.utime(pages / "troops.html", (saved, saved))
    result = run("import", str(pages))
    assert result.exit_code == 0, result.output
    assert result.stdout == "4 records: 3 new versions, 0 unchanged, 1 skipped (1 not a page or text file)\n"
    putin = store.versions("putin")
    assert [(v.number, v.captured_at) for v in putin] == [
        (1, datetime(2021, 12, 17, 12, tzinfo=UTC)),
        (2, datetime(2021, 12, 18, 9, 30, tzinfo=UTC)),
    ]
    assert putin[1].metadata["source"] == "file" and putin[1].words_added > 0
    (troops,) = store.versions("news.example.org-world-troops-border")
    assert troops.captured_at == datetime(2024, 3, 1, 8, 0, 5, tzinfo=UTC)  # the file's mtime
    assert troops.url == "https://news.example.org/world/troops-border"
    assert git(store.path, "status", "--porcelain") == ""


def test_files_not_listed_are_named_from_their_title(store: Store, tmp_path: Path, run) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "seed.txt").write_bytes(SEED.read_bytes())
    assert run("import", str(pages)).exit_code == 0
    assert [a.article_id for a in store.articles()] == ["putins-post-trump-tantrum"]
    assert run("import", str(pages)).stdout.startswith("1 record: 0 new versions, 1 unchanged")


def test_a_bad_sidecar_stops_the_import_before_anything_is_written(store_path: Path, tmp_path: Path, run) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "seed.txt").write_bytes(SEED.read_bytes())
    for sidecar, message in (
        ("seed.txt: {captured_at: yesterday}\n", "not a date or time"),
        ("seed.txt: {id: '../escape'}\n", "not a safe article id"),
        ("seed.txt: {when: 2021-12-17}\n", "only url, id and captured_at"),
        ("- just a list\n", "expected a mapping"),
        ("seed.txt: [unclosed\n", "not readable YAML"),
    ):
        (pages / "captures.yaml").write_text(sidecar, encoding="utf-8")
        result = run("import", str(pages))
        assert result.exit_code == 2, sidecar
        assert result.stderr.startswith("Error: ") and message in result.stderr
        assert "Traceback" not in result.output
    assert git(store_path, "rev-list", "--all") == ""


def test_a_listed_file_that_is_missing_is_reported(store: Store, tmp_path: Path, run) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "seed.txt").write_bytes(SEED.read_bytes())
    (pages / "empty.txt").write_bytes(b"   \n")
    (pages / "captures.yaml").write_text("gone.html: {id: gone}\n", encoding="utf-8")
    result = run("import", str(pages))
    assert result.exit_code == 1
    assert "warning: gone.html: listed in captures.yaml but not in the folder" in result.stderr
    assert "1 new version" in result.stdout and "1 missing" in result.stdout and "1 no article text" in result.stdout


def test_the_sidecar_reads_as_yaml_does_entry_by_entry(tmp_path: Path) -> None:
    """captures.yaml is read an entry at a time (bounded memory at 300,000 files), with what YAML allows:
    an anchor used by a later entry, a repeated key (the last one counts), a merge key (read whole)."""
    for sidecar, expected in (
        ("a.txt: &same {id: putin, captured_at: 2021-12-17T12:00:00Z}\nb.txt: {id: other}\nb.txt: *same\n", "putin"),
        ("<<: {b.txt: {id: putin, captured_at: 2021-12-17T12:00:00Z}}\na.txt: {id: other}\n", "other"),
    ):
        pages = tmp_path / str(len(list(tmp_path.iterdir())))
        pages.mkdir()
        (pages / "a.txt").write_bytes(SEED.read_bytes())
        (pages / "b.txt").write_bytes(SEED.read_bytes())
        (pages / "captures.yaml").write_text(sidecar, encoding="utf-8")
        found = {p.label: (p.article_id, p.captured_at) for p in scan_folder(pages, IngestReport())}
        assert found == {
            "a.txt": (expected, datetime(2021, 12, 17, 12, tzinfo=UTC) if expected == "putin" else found["a.txt"][1]),
            "b.txt": ("putin", datetime(2021, 12, 17, 12, tzinfo=UTC)),
        }


def test_files_are_taken_in_path_order_folder_by_folder(tmp_path: Path) -> None:
    """Captures at the same second are committed in this order, so it fixes commit ids: "story/" comes
    before "story-2/" (as paths compare), though "-" sorts before "/" in a plain string."""
    for name in ("story/v1.txt", "story-2/v1.txt", "story.txt", "a/b/c.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(SEED.read_bytes())
    labels = [pending.label for pending in scan_folder(tmp_path, IngestReport())]
    assert labels == ["a/b/c.txt", "story/v1.txt", "story-2/v1.txt", "story.txt"]
    assert labels == [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*.txt"))]


_SIDECAR_WORDS = st.sampled_from(
    [
        *"aZ09_./+-~=&%?:#,'\" {}[]!*@`|>\t",
        *("yes", "No", "null", "0123", "1_000", "0x1f", "1.5", ".inf", "<<", "=", "~", "2024-03-01"),
        *("2024-03-01T08:00:00Z", "https://example.org/a?b=c&d", "https://x.org/a#b", "http://x.org/a:", "::"),
    ]
)
_SIDECAR_SCALAR = st.lists(_SIDECAR_WORDS, min_size=1, max_size=4).map("".join)


@settings(max_examples=1_500, derandomize=True, deadline=None)
@given(
    st.lists(
        st.tuples(
            _SIDECAR_SCALAR,
            st.lists(st.tuples(st.sampled_from(["url", "id", "captured_at"]), _SIDECAR_SCALAR), min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_one_line_sidecar_entries_read_as_yaml_reads_them(entries: list[tuple[str, list[tuple[str, str]]]]) -> None:
    """The parser-free path for one entry a line gives what the YAML loader gives, or steps aside (None)."""
    from archive.ingest.folder import _items, _one_line_items

    text = "".join(f"{key}: {{{', '.join(f'{name}: {value}' for name, value in fields)}}}\n" for key, fields in entries)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "captures.yaml"
        path.write_text(text, encoding="utf-8")
        fast = _one_line_items(path)
        if fast is not None:
            assert dict(fast) == dict(_items(path))


def test_the_corpus_sidecar_takes_the_one_line_path(tmp_path: Path) -> None:
    """captures.yaml as the corpus tool writes it (ids, capture times, URLs) is read without the parser."""
    from archive.ingest.folder import _items, _one_line_items

    path = tmp_path / "captures.yaml"
    path.write_text(
        "000/code-civil-article-1-0a1b/v001.md: {id: code-civil-article-1-0a1b, captured_at: 1970-01-01T00:00:01Z}\n"
        "000/code-civil-article-1-0a1b/v002.md: {id: code-civil-article-1-0a1b, captured_at: 2015-06-30T22:00:00Z}\n"
        "pages/story.html: {url: https://news.example.org/world/story-1?page=2, captured_at: 2024-03-01T08:00:00Z}\n",
        encoding="utf-8",
    )
    fast = _one_line_items(path)
    assert fast is not None
    assert dict(fast) == dict(_items(path)) and len(dict(_items(path))) == 3
