"""`archive changes`: every claim change across the archive, from the lookup cache's changes table, on real stores."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import STORY, article_html, on_read_only_filesystem, read_only_mount_works, store_state

from archive.review.changelog import Selection, parse_kinds, parse_moment, select_changes
from archive.store.repository import Store

LOOKUP = Path(".git/archive/index.sqlite3")


def every_file(path: Path) -> dict[str, str]:
    """Every file under ``path``, ``.git`` and its lookup cache included, with a hash of its bytes."""
    return {
        item.relative_to(path).as_posix(): hashlib.sha256(item.read_bytes()).hexdigest()
        for item in sorted(path.rglob("*"))
        if item.is_file()
    }


def build(store_path: Path, run) -> None:
    """Two articles on two sites; the troops story gets a number changed and a hedge added, then a typo fixed."""
    pages = store_path.parent / "pages"
    pages.mkdir()
    second = [STORY[0].replace("100,000", "175,000"), *STORY[1:]]
    third = [*second[:2], second[2].replace("defence", "defense"), second[3]]
    third[3] = "Talks between the two governments may resume in Geneva next week."
    versions = [
        ("troops", "2024-03-01T10:00:00Z", article_html(paragraphs=STORY)),
        ("troops", "2024-03-02T10:00:00Z", article_html(paragraphs=second)),
        (
            "troops",
            "2024-03-04T10:00:00Z",
            article_html(title="Troops massed at the border, says army", paragraphs=third),
        ),
    ]
    other = [p.replace("Karsk", "Lorsk") for p in STORY]
    versions += [
        ("talks", "2024-03-01T12:00:00Z", article_html("Talks resume", other, "https://www.other.example.com/talks")),
        (
            "talks",
            "2024-03-03T12:00:00Z",
            article_html("Talks resume", [*other[:3], "The talks were not cancelled."], "https://other.example.com/t"),
        ),
    ]
    for number, (article, at, html) in enumerate(versions):
        page = pages / f"{number}.html"
        page.write_text(html, encoding="utf-8")
        url = "https://news.example.org/world/troops" if article == "troops" else "https://www.other.example.com/talks"
        result = run("snapshot", str(page), "--id", article, "--url", url, "--at", at)
        assert result.exit_code == 0, result.output


def test_changes_lists_each_claim_change_newest_first(store_path: Path, run) -> None:
    build(store_path, run)
    listed = json.loads(run("changes", "--json").output)["changes"]
    times = [change["captured_at"] for change in listed]
    assert times == sorted(times, reverse=True)
    assert {(c["article"], c["old_version"], c["new_version"]) for c in listed} == {
        ("troops", 1, 2),
        ("troops", 2, 3),
        ("talks", 1, 2),
    }
    number = next(c for c in listed if "number" in c["codes"] and c["article"] == "troops")
    assert (number["article"], number["new_version"], number["substantive"]) == ("troops", 2, True)
    assert any(r["old"] == "100,000" and r["new"] == "175,000" for r in number["reasons"])
    assert all(change["substantive"] for change in listed)
    headline = [c for c in listed if c["kind"] == "headline"]
    assert headline and headline[0]["new"] == "Troops massed at the border, says army"
    # The text listing: one line a change, with the values that changed.
    text = run("changes").output.splitlines()
    assert len(text) == len(listed)
    assert any("troops@1→2" in line and "100,000 → 175,000" in line and "SUBSTANTIVE" in line for line in text)


def test_filters_by_window_article_site_and_kind(store_path: Path, run) -> None:
    build(store_path, run)

    def listed(*args: str) -> list[tuple[str, int]]:
        result = run("changes", "--json", *args)
        assert result.exit_code == 0, result.output
        return sorted({(c["article"], c["new_version"]) for c in json.loads(result.output)["changes"]})

    assert listed("--since", "2024-03-02T00:00:00Z", "--until", "2024-03-03") == [("talks", 2), ("troops", 2)]
    assert listed("--until", "2024-03-02") == [("troops", 2)]
    assert listed("--since", "2024-03-04") == [("troops", 3)]
    assert listed("--article", "tal") == [("talks", 2)]
    assert listed("--site", "other.example.com") == [("talks", 2)]
    assert listed("--site", "example.com") == [("talks", 2)]
    assert listed("--site", "news.example.org") == [("troops", 2), ("troops", 3)]
    assert listed("--kind", "number") == [("talks", 2), ("troops", 2)]
    assert listed("--kind", "negation") == [("talks", 2)]
    assert listed("--kind", "headline,negation") == [("talks", 2), ("troops", 3)]
    assert listed("--kind", "quote") == []
    # Cosmetic changes only with --all (defence → defense in version 3 is one).
    everything = json.loads(run("changes", "--all", "--json").output)["changes"]
    assert any(not c["substantive"] for c in everything)
    assert len(everything) > len(json.loads(run("changes", "--json").output)["changes"])
    assert len(json.loads(run("changes", "-n", "2", "--json").output)["changes"]) == 2


def test_the_cache_is_rebuilt_when_missing_or_stale_and_the_history_is_untouched(store_path: Path, run) -> None:
    build(store_path, run)
    before = store_state(store_path)
    first = run("changes", "--all", "--json").output
    assert store_state(store_path) == before  # the lookup cache (.git/archive) is all it writes
    connection = sqlite3.connect(store_path / LOOKUP)
    recorded = connection.execute("SELECT count(*) FROM changes").fetchone()[0]
    assert recorded == len(json.loads(first)["changes"])
    assert connection.execute("SELECT count(*) FROM compared").fetchone()[0] == 3
    # A stale row (made by other comparison code) is compared again; so is a row for another commit.
    connection.execute("UPDATE compared SET fingerprint = 'older' WHERE article = 'talks'")
    connection.execute("UPDATE changes SET old_text = 'tampered' WHERE article = 'talks'")
    connection.execute("UPDATE compared SET commit_id = 'f' || substr(commit_id, 2) WHERE article = 'troops'")
    connection.execute("DELETE FROM changes WHERE article = 'troops'")
    connection.commit()
    connection.close()
    assert run("changes", "--all", "--json").output == first
    (store_path / LOOKUP).unlink()
    assert run("changes", "--all", "--json").output == first
    assert store_state(store_path) == before


def test_changes_on_a_read_only_store_are_compared_in_memory(store_path: Path, run) -> None:
    if not read_only_mount_works(store_path):
        pytest.skip("no user namespaces here to mount the store read-only")
    build(store_path, run)  # its cache current, but holding no comparison yet
    before = every_file(store_path)
    done = on_read_only_filesystem(store_path, "changes", "--all", "--json")
    assert done.returncode == 0, done.stderr  # SQLite opens the file read-only: only a write to it fails
    assert every_file(store_path) == before
    assert done.stdout == run("changes", "--all", "--json").output


def test_only_the_window_asked_for_is_compared(store: Store, store_path: Path, run) -> None:
    build(store_path, run)
    (store_path / LOOKUP).unlink()
    with Store.open(store_path) as opened:
        found = select_changes(opened, Selection(since=parse_moment("2024-03-04")))
        assert {(c.article, c.new_number) for c in found} == {("troops", 3)}
    connection = sqlite3.connect(store_path / LOOKUP)
    assert connection.execute("SELECT article, number FROM compared").fetchall() == [("troops", 3)]
    connection.close()


def test_pages_follow_stable_cursors(store_path: Path, run) -> None:
    build(store_path, run)
    with Store.open(store_path) as opened:
        everything = select_changes(opened, Selection(cosmetic=True))
        pages, cursor = [], None
        while True:
            page = select_changes(opened, Selection(cosmetic=True), limit=2, older_than=cursor)
            if not page:
                break
            pages.append(page)
            cursor = page[-1].key
        assert [change for page in pages for change in page] == everything
        back = select_changes(opened, Selection(cosmetic=True), limit=2, newer_than=pages[2][0].key)
        assert back == pages[1]


def test_parse_moment_and_kinds() -> None:
    now = parse_moment("2024-03-10T00:00:00Z")
    assert parse_moment("1d", now) == parse_moment("2024-03-09T00:00:00Z")
    assert parse_moment("2w", now) == parse_moment("2024-02-25")
    assert parse_moment("30m", now) == parse_moment("2024-03-09T23:30:00Z")
    assert parse_moment("2024-03-09", end=True) == parse_moment("2024-03-09T23:59:59Z")
    assert parse_kinds("number, Quote,number") == ("number", "quote")
    from archive.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown kind 'numbers'"):
        parse_kinds("numbers")
    with pytest.raises(InvalidInput, match="not a time or duration"):
        parse_moment("yesterday")


def test_a_page_compares_only_as_far_back_as_it_shows(store_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Versions are compared newest first, a batch at a time, until the page is full and no older version can
    change it (batches of one here; 200 in use)."""
    from archive.review import changelog

    build(store_path, run)
    (store_path / LOOKUP).unlink()
    monkeypatch.setattr(changelog, "BATCH", 1)
    with Store.open(store_path) as opened:
        page = select_changes(opened, Selection(), limit=1)
    assert [(c.article, c.new_number) for c in page] == [("troops", 3)]
    connection = sqlite3.connect(store_path / LOOKUP)
    assert connection.execute("SELECT article, number FROM compared").fetchall() == [("troops", 3)]
    connection.close()
    assert len(json.loads(run("changes", "--json").output)["changes"]) > 1  # the rest, when asked for
