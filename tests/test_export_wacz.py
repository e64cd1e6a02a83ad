"""`archive export --format wacz`: a WACZ that the wacz package's own validator accepts, holding the WARC
export byte for byte, with the HTML captures as pages; a damaged WACZ fails that validator; an existing
target is refused unless --force, and the store is never written."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from conftest import SEED, WebServer, article_html, store_state
from wacz.main import main as wacz_main

from archive.audit.export import export_warc
from archive.audit.wacz import export_wacz
from archive.ingest.snapshot import snapshot
from archive.store.repository import Store


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2021, 12, day, hour, tzinfo=UTC)


@pytest.fixture
def filled(store: Store, web: WebServer) -> Store:
    """An article fetched twice over real HTTP, and a file capture."""
    url = web.page("/world/troops", article_html())
    snapshot(store, url, at=at(17))
    web.page("/world/troops", article_html(paragraphs=["Troops massed at the border.", "Talks resumed on Monday."]))
    snapshot(store, url, at=at(18))
    snapshot(store, str(SEED), article_id="putin", at=at(19))
    return store


def test_the_wacz_package_validates_the_export(
    filled: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "archive.wacz"
    result = export_wacz(filled, target)
    assert (result.format, result.versions) == ("wacz", 3)
    capsys.readouterr()
    assert wacz_main(["validate", "-f", str(target)]) == 0
    assert "Validation succeeded, the passed WACZ is valid" in capsys.readouterr().out


def test_the_wacz_holds_the_warc_export_and_lists_every_html_version_as_a_page(filled: Store, tmp_path: Path) -> None:
    export_wacz(filled, tmp_path / "archive.wacz")
    export_warc(filled, tmp_path / "archive.warc.gz")
    with zipfile.ZipFile(tmp_path / "archive.wacz") as wacz:
        names = set(wacz.namelist())
        assert {
            "datapackage.json",
            "datapackage-digest.json",
            "indexes/index.cdx.gz",
            "archive/archive.warc.gz",
        } <= names
        assert wacz.read("archive/archive.warc.gz") == (tmp_path / "archive.warc.gz").read_bytes()
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode().splitlines()[1:]]
        package = json.loads(wacz.read("datapackage.json"))
    fetched = [v for a in filled.article_ids() for v in filled.versions(a) if v.metadata.get("url")]
    assert len(fetched) == 2  # the file capture is not a page: it has no URL to replay
    assert [(p["id"], p["url"], p["ts"]) for p in pages] == [
        (f"{v.article_id}@{v.number}", v.metadata.get("final_url") or v.metadata["url"], v.metadata["captured_at"])
        for v in fetched
    ]
    assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"


def test_a_damaged_wacz_fails_the_validator(filled: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.wacz", tmp_path / "bad.wacz"
    export_wacz(filled, good)
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as damaged:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "indexes/index.idx":
                data = data.replace(b"index.cdx.gz", b"index.cdx.gz ", 1)  # one byte more: its sha256 changes
            damaged.writestr(item, data)
    assert wacz_main(["validate", "-f", str(bad)]) == 1


def test_an_existing_target_is_refused_unless_force(
    filled: Store, run: Callable[..., Result], store_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "archive.wacz"
    target.write_text("mine\n")
    before = store_state(store_path)
    result = run("export", "--format", "wacz", str(target))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {target} already exists (give --force to replace it)\n"
    assert target.read_text() == "mine\n"
    result = run("export", "--format", "wacz", str(target), "--force")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote {target} (wacz): 3 versions")
    assert wacz_main(["validate", "-f", str(target)]) == 0
    assert store_state(store_path) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left


def test_a_target_inside_the_store_is_refused(filled: Store, run: Callable[..., Result], store_path: Path) -> None:
    before = store_state(store_path)
    result = run("export", "--format", "wacz", str(store_path / "archive.wacz"))
    assert result.exit_code == 2 and result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert store_state(store_path) == before
