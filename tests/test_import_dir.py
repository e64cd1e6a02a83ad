"""`archive import DIR`: saved pages and text files, with capture times from captures.yaml or the files."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from conftest import SEED, SEED_REVISION, article_html, git

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
