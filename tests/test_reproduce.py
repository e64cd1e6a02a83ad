"""`archive reproduce` and `archive rebuild`: the stored texts derive from the raw captures, and so do the commits."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from conftest import SEED, SEED_REVISION, STORY, WebServer, article_html, git
from tamper import commit_on_top

from archive.audit.rebuild import rebuild
from archive.audit.reproduce import reproduce
from archive.audit.verify import verify
from archive.capture.extract import extract
from archive.capture.fetch import Capture
from archive.ingest.snapshot import add_version, describe, snapshot
from archive.model import format_time
from archive.store.layout import article_dir
from archive.store.repository import Store
from archive.store.writer import NewVersion


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2021, 12, day, hour, tzinfo=UTC)


def stdin(text: str) -> Capture:
    return Capture(raw=text.encode("utf-8"), source="stdin", media_type="text/plain")


@pytest.fixture
def mixed(store: Store, web: WebServer, monkeypatch: pytest.MonkeyPatch) -> Store:
    """HTML fetched over real HTTP, files, stdin with overrides, an unchanged capture, two identities."""
    url = web.page("/world/troops", article_html())
    snapshot(store, url, at=at(17, 8))
    snapshot(store, str(SEED), article_id="putin", at=at(17))
    web.page("/world/troops", article_html(paragraphs=[*STORY[:2], "Talks resumed in Geneva on Monday."]))
    snapshot(store, url, at=at(18, 8))
    snapshot(store, url, at=at(18, 20))  # unchanged: journaled
    monkeypatch.setenv("ARCHIVE_AUTHOR_NAME", "Night Desk")
    snapshot(store, str(SEED_REVISION), article_id="putin", at=at(18), title="An overridden headline")
    snapshot(store, stdin("Council\nThe council met.\n"), article_id="council", authors=["A. Writer"], at=at(19))
    monkeypatch.delenv("ARCHIVE_AUTHOR_NAME")
    return store


def commits(path: Path) -> list[str]:
    return git(path, "rev-list", "--reverse", "refs/heads/main").split()


def test_every_stored_text_is_reproduced_from_its_raw_capture(mixed: Store, run: Callable[..., Result]) -> None:
    result = reproduce(mixed)
    assert result.ok and len(result.results) == 5
    assert {r.status for r in result.results} == {"reproduced"}
    overridden = next(r for r in result.results if r.article == "putin" and r.version == 2)
    # --title was given at capture: the extracted title differs, which is noted, not failed.
    assert overridden.metadata_differences == ("title",)
    council = next(r for r in result.results if r.article == "council")
    assert council.metadata_differences == ("authors",)
    cli = run("reproduce")
    assert cli.exit_code == 0
    assert cli.output.startswith("OK: 5 versions re-extracted from their raw captures: 5 reproduced\n")
    data = json.loads(run("reproduce", "putin", "--json").output)
    assert [(v["article"], v["version"], v["status"]) for v in data["versions"]] == [
        ("putin", 1, "reproduced"),
        ("putin", 2, "reproduced"),
    ]
    assert data["versions"][0]["text_sha256"] == data["versions"][0]["recorded_text_sha256"]


def test_an_unknown_article_is_an_error(mixed: Store, run: Callable[..., Result]) -> None:
    result = run("reproduce", "nothing-like-it")
    assert result.exit_code == 9 and result.stderr.startswith("Error: no article matches 'nothing-like-it'")


def _recorded(store: Store, text: str | None, raw: str, extractor_version: str, at_time: datetime) -> None:
    """Store a version whose recorded text (None: the extracted one) and extractor version are as given,
    as an older archiver might have."""
    capture = stdin(raw)
    extracted = extract(capture)
    text = extracted.text if text is None else text
    metadata = describe(capture, extracted)
    metadata["extractor"] = {"name": "archive-text", "version": extractor_version}
    with store.writing() as writer:
        add_version(writer, NewVersion("older", text, capture.raw, "text/plain", at_time, metadata))


def test_statuses_tell_a_changed_extractor_from_a_mismatch(store: Store, run: Callable[..., Result]) -> None:
    raw = "A headline\nThe first paragraph.\n"
    _recorded(store, None, raw, "0.0.1", at(17))  # same text, other extractor version
    _recorded(store, "A headline\nThe first paragraph, as extracted then.\n", raw, "0.0.1", at(18))
    _recorded(store, "A headline\nA text the raw capture does not hold.\n", raw, "0.1.0", at(19))
    result = reproduce(store)
    assert [(r.version, r.status) for r in result.results] == [
        (1, "reproduced-other-extractor"),
        (2, "extractor-changed"),
        (3, "mismatch"),
    ]
    assert not result.ok
    assert result.results[1].message.endswith("extracted with archive-text 0.0.1")
    assert (result.results[1].recorded_extractor, result.results[1].current_extractor) == (
        "archive-text 0.0.1",
        "archive-text 0.1.0",
    )
    cli = run("reproduce")
    assert cli.exit_code == 1
    lines = cli.output.splitlines()
    assert lines[0] == (
        "FAILED: 3 versions re-extracted from their raw captures: 1 reproduced-other-extractor, "
        "1 extractor-changed, 1 mismatch"
    )
    assert lines[2].startswith("EXTRACTOR-CHANGED           older@2")
    assert lines[3].startswith("MISMATCH                    older@3")


def test_a_rebuild_gives_the_same_commit_ids(mixed: Store, store_path: Path, tmp_path: Path) -> None:
    into = tmp_path / "rebuilt"
    result = rebuild(mixed, into)
    assert result.identical and result.versions == 5 and result.head == mixed.head()
    assert commits(into) == commits(store_path)
    assert git(into, "log", "--format=%an <%ae> %ad", "--date=raw") == git(
        store_path, "log", "--format=%an <%ae> %ad", "--date=raw"
    )
    assert result.journal_entries == 1
    with Store.open(into) as rebuilt:
        assert verify(rebuilt).ok
        assert rebuilt.captures_journal() == mixed.captures_journal()
        assert rebuilt.articles() == mixed.articles()
    # The working tree is checked out like the original's.
    assert (into / article_dir("putin") / "text.txt").read_bytes() == (
        store_path / article_dir("putin") / "text.txt"
    ).read_bytes()


def test_rebuild_cli_and_refusals(mixed: Store, run: Callable[..., Result], tmp_path: Path) -> None:
    into = tmp_path / "rebuilt"
    result = run("rebuild", "--into", str(into))
    assert result.exit_code == 0
    assert result.output.startswith(f"OK: rebuilt 5 versions into {into} from their raw captures; every commit id")
    again = run("rebuild", "--into", str(into))
    assert (
        again.exit_code == 2 and again.stderr == f"Error: {into} is not empty; rebuild needs a new or empty directory\n"
    )
    data = json.loads(run("rebuild", "--into", str(tmp_path / "second"), "--json").output)
    assert data["identical"] is True and data["head"] == data["source_head"]


def test_a_version_that_does_not_reproduce_stops_the_rebuild(
    store: Store, run: Callable[..., Result], tmp_path: Path
) -> None:
    raw = "A headline\nThe first paragraph.\n"
    _recorded(store, None, raw, "0.1.0", at(17))
    _recorded(store, "A headline\nA text the raw capture does not hold.\n", raw, "0.1.0", at(19))
    into = tmp_path / "rebuilt"
    result = run("rebuild", "--into", str(into))
    assert result.exit_code == 10 and not into.exists()
    assert result.stderr.startswith("Error: 1 version(s) cannot be rebuilt from their raw captures (first: older@2")
    assert result.stderr.endswith("see `archive reproduce`, or rebuild with --stored-text; nothing was written\n")
    result = run("rebuild", "--into", str(into), "--stored-text")
    assert result.exit_code == 0 and "stored text used for 1: older@2" in result.output
    assert commits(into) == git(Path(store.path), "rev-list", "--reverse", "refs/heads/main").split()


def test_a_commit_not_made_by_the_archiver_makes_the_rebuild_differ(
    mixed: Store, store_path: Path, run: Callable[..., Result], tmp_path: Path
) -> None:
    (store_path / "notes.txt").write_text("hand-written\n")
    git(store_path, "add", "notes.txt")
    forged = commit_on_top(store_path, "Add notes")
    result = run("rebuild", "--into", str(tmp_path / "rebuilt"))
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("DIFFERENT: rebuilt 5 versions into")
    assert f"commit {forged[:12]} records no version and was not replayed" in result.output
    assert format_time(at(19)) in git(tmp_path / "rebuilt", "log", "-1", "--format=%aI").replace("+00:00", "Z")
