"""`archive export`: a BagIt bag a BagIt validator accepts, a WARC file `warcio check` passes, JSON Lines;
and a WARC exported, then imported into a new store, gives the same versions."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import bagit
import pytest
from click.testing import CliRunner, Result
from conftest import SEED, SEED_REVISION, STORY, WebServer, article_html
from warcio.archiveiterator import ArchiveIterator

from archive.audit.export import export_bagit, export_jsonl, export_warc
from archive.capture.fetch import Capture
from archive.cli import cli
from archive.ingest.snapshot import snapshot
from archive.store.repository import Store

WARCIO = Path(sys.executable).parent / "warcio"


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2021, 12, day, hour, tzinfo=UTC)


@pytest.fixture
def pages(store: Store, web: WebServer) -> Store:
    """Two articles fetched over real HTTP, two versions each, plus a file and a stdin capture."""
    troops = web.page("/world/troops", article_html())
    budget = web.page(
        "/city/budget",
        article_html("Council passes the budget", STORY[2:], canonical="https://news.example.org/city/budget"),
    )
    snapshot(store, troops, at=at(17, 8))
    snapshot(store, budget, at=at(17, 9))
    web.page("/world/troops", article_html(paragraphs=[*STORY[:2], "Talks resumed in Geneva on Monday."]))
    web.page(
        "/city/budget",
        article_html(
            "Council passes the budget", [*STORY[2:], "The mayor signed it."], "https://news.example.org/city/budget"
        ),
    )
    snapshot(store, troops, at=at(18, 8))
    snapshot(store, budget, at=at(18, 9))
    return store


@pytest.fixture
def mixed(pages: Store) -> Store:
    snapshot(pages, str(SEED), article_id="putin", at=at(19))
    snapshot(pages, str(SEED_REVISION), article_id="putin", at=at(20))
    snapshot(pages, Capture(raw=b"Note\nA line of text.\n", source="stdin", media_type="text/plain"),
             article_id="note", at=at(20, 13))  # fmt: skip
    return pages


def stored(store: Store) -> list[tuple[str, int, str, str]]:
    """(article, version, text sha256, capture time) of every version."""
    return sorted(
        (v.article_id, v.number, v.metadata["text"]["sha256"], v.metadata["captured_at"])
        for article in store.article_ids()
        for v in store.versions(article)
    )


def test_bagit_export_is_a_valid_bag(mixed: Store, tmp_path: Path) -> None:
    target = tmp_path / "bag"
    result = export_bagit(mixed, target)
    assert (result.versions, result.files) == (7, 7 * 3 + 6)
    bag = bagit.Bag(str(target))
    bag.validate()  # every manifest and tag manifest, the Payload-Oxum, no file missing or extra
    assert bag.is_valid() and set(bag.algorithms) == {"sha256", "sha512"}
    assert sorted(p.name for p in target.iterdir()) == [
        "bag-info.txt",
        "bagit.txt",
        "data",
        "manifest-sha256.txt",
        "manifest-sha512.txt",
        "tagmanifest-sha256.txt",
        "tagmanifest-sha512.txt",
    ]
    assert (target / "bagit.txt").read_text() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    assert bag.info["Bagging-Date"] == "2021-12-20"  # the newest capture's date, never today's
    assert bag.info["External-Identifier"] == f"git commit {mixed.head()}"
    putin = mixed.version("putin", "1")
    assert (target / "data" / "putin" / "v1" / "raw.txt").read_bytes() == mixed.raw(putin)
    assert (target / "data" / "putin" / "v1" / "text.txt").read_text(encoding="utf-8") == mixed.text(putin)


def test_a_tampered_bag_fails_validation(mixed: Store, tmp_path: Path) -> None:
    target = tmp_path / "bag"
    export_bagit(mixed, target)
    text = target / "data" / "putin" / "v2" / "text.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("eleven", "twelve"), encoding="utf-8")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(target)).validate()


@pytest.mark.parametrize("name", ["archive.warc", "archive.warc.gz"])
def test_warc_export_passes_warcio_check(mixed: Store, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    export_warc(mixed, target)
    check = subprocess.run([str(WARCIO), "check", "-v", str(target)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 1 + 7 * 2
    with target.open("rb") as handle:
        records = [
            (r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(handle)
        ]
    assert [kind for kind, *_ in records] == ["warcinfo"] + ["response", "metadata"] * 4 + ["resource", "metadata"] * 3
    assert all(headers.protocol == "WARC/1.1" for _, headers, *_ in records)
    # Every record of a kind has the same headers in the same order, all sha256 digests: none left to warcio's
    # defaults (a random id, the clock, sha1).
    common = ("WARC-Record-ID", "WARC-Date", "WARC-Target-URI")
    tail = ("WARC-Payload-Digest", "WARC-Block-Digest", "Content-Type", "Content-Length")
    assert {(kind, tuple(name for name, _ in headers.headers)) for kind, headers, *_ in records} == {
        ("warcinfo", ("WARC-Type", "WARC-Record-ID", "WARC-Date", "WARC-Filename", *tail[1:])),
        ("response", ("WARC-Type", *common, "WARC-Warcinfo-ID", *tail)),
        ("resource", ("WARC-Type", *common, "WARC-Warcinfo-ID", *tail)),
        ("metadata", ("WARC-Type", *common, "WARC-Refers-To", "WARC-Warcinfo-ID", *tail)),
    }
    assert all(
        value.startswith("sha256:") for _, headers, *_ in records for name, value in headers.headers if "Digest" in name
    )
    first = mixed.version(mixed.find_article("https://news.example.org/world/troops-border"), "1")
    _, headers, http, payload = records[1]
    assert headers.get_header("WARC-Target-URI") == first.url
    assert headers.get_header("WARC-Date") == "2021-12-17T08:00:00Z"
    assert http.get_statuscode() == "200" and http.get_header("Content-Type") == "text/html; charset=utf-8"
    assert payload == mixed.raw(first)
    digest = base64.b32encode(hashlib.sha256(payload).digest()).decode()
    assert headers.get_header("WARC-Payload-Digest") == f"sha256:{digest}"
    note_kind, note_headers, _, note_payload = records[-2]
    assert note_kind == "resource" and note_headers.get_header("WARC-Target-URI") == "urn:x-archive:note:v1"
    assert note_headers.get_header("Content-Type") == "text/plain" and note_payload == b"Note\nA line of text.\n"


def test_exports_are_deterministic(mixed: Store, tmp_path: Path) -> None:
    for number in ("1", "2"):
        (tmp_path / number).mkdir()
        export_warc(mixed, tmp_path / number / "a.warc.gz")
        export_jsonl(mixed, tmp_path / number / "a.jsonl")
        export_bagit(mixed, tmp_path / number / "bag")
    first = {p.relative_to(tmp_path / "1"): p.read_bytes() for p in (tmp_path / "1").rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "2"): p.read_bytes() for p in (tmp_path / "2").rglob("*") if p.is_file()}
    assert first == second and len(first) == 2 + 7 * 3 + 6
    # Each gzip member has mtime 0, so the clock leaves no trace.
    assert gzip.decompress(first[Path("a.warc.gz")]).startswith(b"WARC/1.1\r\nWARC-Type: warcinfo")


def test_jsonl_export_has_one_line_per_version(mixed: Store, run: Callable[..., Result], tmp_path: Path) -> None:
    target = tmp_path / "versions.jsonl"
    result = run("export", "--format", "jsonl", str(target))
    assert result.exit_code == 0 and result.output.startswith(f"Wrote {target} (jsonl): 7 versions")
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 7
    putin = lines[4]
    version = mixed.version("putin", "1")
    assert (putin["article"], putin["version"], putin["commit"]) == ("putin", 1, version.commit)
    assert putin["text"] == mixed.text(version) and putin["metadata"] == dict(version.metadata)
    assert putin["captured_at"] == "2021-12-19T12:00:00Z"


def test_an_exported_warc_imported_back_gives_the_same_versions(pages: Store, tmp_path: Path) -> None:
    warc = tmp_path / "export.warc.gz"
    export_warc(pages, warc)
    other = tmp_path / "other"
    runner = CliRunner()
    assert runner.invoke(cli, ["--store", str(other), "init"]).exit_code == 0
    result = runner.invoke(cli, ["--store", str(other), "import", str(warc)])
    assert result.exit_code == 0, result.output
    with Store.open(other) as imported:
        assert stored(imported) == stored(pages)
        for article in pages.article_ids():
            for old, new in zip(pages.versions(article), imported.versions(article), strict=True):
                # Same text, raw bytes, URL, HTTP facts and capture time; the source says where the bytes
                # came from (url, then warc), so the metadata and hence the commit ids differ there alone.
                assert imported.raw(new) == pages.raw(old)
                differing = {k for k in old.metadata if old.metadata[k] != new.metadata.get(k)}
                assert differing <= {"source", "previous_commit"}, differing
                assert new.metadata["source"] == "warc" and old.metadata["source"] == "url"


def test_export_refuses_an_existing_target(mixed: Store, run: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "bag").mkdir()
    (tmp_path / "bag" / "keep.txt").write_text("mine\n")
    result = run("export", "--format", "bagit", str(tmp_path / "bag"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path / 'bag'} already exists and is not an empty directory (give --force to replace it)\n"
    )
    assert [p.name for p in (tmp_path / "bag").iterdir()] == ["keep.txt"]
