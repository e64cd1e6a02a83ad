"""The git store, through the Python API, checked by reading the repository back with git."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import SEED, SEED_REVISION, git, store_state

from archive.audit.verify import verify
from archive.capture.fetch import Capture, read_file
from archive.cli import cli
from archive.errors import ArticleNotFound, NotAStore, StoreCorrupt, VersionNotFound
from archive.ingest.snapshot import add_version, snapshot
from archive.model import parse_time
from archive.store.layout import FORMAT_VERSION, article_dir
from archive.store.repository import Store
from archive.store.writer import NewVersion

DAY1 = datetime(2021, 12, 17, 12, 0, tzinfo=UTC)
DAY2 = datetime(2021, 12, 18, 9, 30, tzinfo=UTC)
DAY3 = datetime(2021, 12, 19, 8, 0, tzinfo=UTC)


def text_capture(text: str) -> Capture:
    return Capture(raw=text.encode("utf-8"), source="stdin", media_type="text/plain")


def test_snapshot_commits_text_raw_and_metadata_in_the_article_directory(store: Store) -> None:
    result = snapshot(store, str(SEED), article_id="putin", at=DAY1)
    assert result.created and result.version.number == 1
    directory = store.path / article_dir("putin")
    assert sorted(p.name for p in directory.iterdir()) == ["meta.yaml", "raw.txt", "text.txt"]
    assert (directory / "raw.txt").read_bytes() == SEED.read_bytes()
    assert (directory / "text.txt").read_text(encoding="utf-8").startswith("Several readers")
    meta = yaml.safe_load((directory / "meta.yaml").read_text(encoding="utf-8"))
    assert meta["title"] == "Putin’s Post-Trump Tantrum"
    assert meta["authors"] == ["Julia Ioffe"]
    assert meta["captured_at"] == "2021-12-17T12:00:00Z"
    assert meta["source"] == "file" and meta["format"] == FORMAT_VERSION
    assert meta["raw"]["sha256"] == __import__("hashlib").sha256(SEED.read_bytes()).hexdigest()
    assert git(store.path, "status", "--porcelain") == ""


def test_metadata_is_canonical_yaml(store: Store) -> None:
    snapshot(store, str(SEED), article_id="putin", at=DAY1)
    raw = (store.path / article_dir("putin") / "meta.yaml").read_text(encoding="utf-8")
    assert "Putin’s" in raw  # UTF-8 as itself, not \u escapes
    top_level = [line.split(":")[0] for line in raw.splitlines() if line and not line.startswith((" ", "-"))]
    assert top_level == sorted(top_level)
    assert "filedate" not in raw


def test_commit_dates_identity_and_message_come_from_the_capture(store: Store) -> None:
    result = snapshot(store, str(SEED), article_id="putin", at=DAY1)
    fields = git(store.path, "log", "-1", "--format=%an <%ae>|%aI|%cI|%B").split("|")
    assert fields[0] == "archive <archive@localhost>"
    assert fields[1] == fields[2] == "2021-12-17T12:00:00+00:00"
    message = fields[3]
    assert message.startswith("putin v1: Putin’s Post-Trump Tantrum\n\n")
    assert "Article: putin\nVersion: 1\n" in message
    assert f"Text-SHA256: {result.version.metadata['text']['sha256']}" in message


def test_unchanged_capture_adds_no_commit(store: Store) -> None:
    first = snapshot(store, str(SEED), article_id="putin", at=DAY1)
    before = store_state(store.path)
    again = snapshot(store, str(SEED), article_id="putin", at=DAY2)
    assert not again.created and again.version.number == 1
    assert again.version.commit == first.version.commit
    assert store_state(store.path) == before


def test_changed_title_alone_is_a_new_version(store: Store) -> None:
    snapshot(store, str(SEED), article_id="putin", at=DAY1)
    retitled = snapshot(store, str(SEED), article_id="putin", title="Putin’s Standoff", at=DAY2)
    assert retitled.created and retitled.version.number == 2
    assert retitled.version.words_added == retitled.version.words_removed == 0


def test_versions_chain_to_their_predecessor_and_count_changed_words(store: Store) -> None:
    one = snapshot(store, str(SEED), article_id="putin", at=DAY1).version
    two = snapshot(store, str(SEED_REVISION), article_id="putin", at=DAY2).version
    assert two.number == 2
    assert two.metadata["previous_commit"] == one.commit
    assert one.metadata["previous_commit"] is None
    assert two.words_added > 10 and two.words_removed > 3
    assert git(store.path, "rev-list", "--count", "HEAD").strip() == "2"


def test_same_inputs_give_the_same_commit_ids_in_two_stores(tmp_path: Path) -> None:
    heads = []
    for name in ("first", "second"):
        with Store.init(tmp_path / name) as fresh:
            snapshot(fresh, str(SEED), article_id="putin", at=DAY1)
            snapshot(fresh, str(SEED_REVISION), article_id="putin", at=DAY2)
            snapshot(fresh, text_capture("Another story.\nWith two paragraphs of text.\n"), article_id="other", at=DAY3)
            heads.append(fresh.head())
    assert heads[0] == heads[1]
    assert git(tmp_path / "first", "log", "--format=%H") == git(tmp_path / "second", "log", "--format=%H")


def test_history_is_readable_with_git_log_patch(store: Store) -> None:
    snapshot(store, str(SEED), article_id="putin", at=DAY1)
    snapshot(store, str(SEED_REVISION), article_id="putin", at=DAY2)
    patch = git(store.path, "log", "-p", "-1", "--", f"{article_dir('putin')}/text.txt")
    assert "+Meanwhile, Putin continues" in patch and "-Meanwhile, Putin continues" in patch


def test_version_specifications(store: Store) -> None:
    one = snapshot(store, str(SEED), article_id="putin", at=DAY1).version
    two = snapshot(store, str(SEED_REVISION), article_id="putin", at=DAY2).version
    assert store.version("putin", "1") == one
    assert store.version("putin", "latest") == two
    assert store.version("putin", "latest~1") == one
    assert store.version("putin", two.commit[:8]) == two
    assert store.version("putin", "2021-12-17") == one  # a date: the version current that day
    assert store.version("putin", "2021-12-18T09:29:59Z") == one
    assert store.version("putin", "2021-12-18T09:30:00Z") == two
    assert store.version("putin", "2030-01-01") == two
    for missing in ("3", "0", "latest~2", "2020-01-01", "deadbeef", "yesterday"):
        with pytest.raises(VersionNotFound):
            store.version("putin", missing)


def test_articles_are_found_by_id_url_or_unambiguous_prefix(store: Store) -> None:
    snapshot(store, str(SEED), article_id="putin-one", url="https://news.example.org/a/putin", at=DAY1)
    snapshot(store, str(SEED), article_id="putin-two", url="https://news.example.org/b/other", at=DAY1)
    assert store.find_article("putin-one") == "putin-one"
    assert store.find_article("https://news.example.org/b/other") == "putin-two"
    assert store.find_article("https://news.example.org/a") == "putin-one"
    with pytest.raises(ArticleNotFound, match="matches 2 articles"):
        store.find_article("putin")
    with pytest.raises(ArticleNotFound, match="no article matches"):
        store.find_article("nothing-like-it")


def test_a_url_already_archived_keeps_its_article_id(store: Store) -> None:
    snapshot(store, str(SEED), article_id="chosen", url="https://news.example.org/story", at=DAY1)
    again = snapshot(store, str(SEED_REVISION), url="https://news.example.org/story", at=DAY2)
    assert again.version.article_id == "chosen" and again.version.number == 2


def test_a_failed_write_leaves_the_store_as_it_was(store: Store) -> None:
    snapshot(store, str(SEED), article_id="putin", at=DAY1)
    before = store_state(store.path)
    with pytest.raises(RuntimeError), store.writing() as writer:
        add_version(
            writer,
            NewVersion(
                "other",
                "Some text here.\n",
                b"Some text here.\n",
                "text/plain",
                DAY2,
                {"title": "Other", "source": "stdin"},
            ),
        )
        raise RuntimeError("crash before publishing")
    head, status, files = store_state(store.path)
    assert (head, status) == before[:2]
    assert {k: v for k, v in files.items() if not k.startswith(".git/objects/")} == {
        k: v for k, v in before[2].items() if not k.startswith(".git/objects/")
    }
    assert [a.article_id for a in store.articles()] == ["putin"]


def test_a_working_tree_edit_is_never_overwritten(store: Store) -> None:
    snapshot(store, str(SEED), article_id="putin", at=DAY1)
    edited = store.path / article_dir("putin") / "text.txt"
    edited.write_text("tampered\n", encoding="utf-8")
    head = store.head()
    with pytest.raises(StoreCorrupt, match="uncommitted changes"):
        snapshot(store, str(SEED_REVISION), article_id="putin", at=DAY2)
    assert store.head() == head and edited.read_text(encoding="utf-8") == "tampered\n"


def test_index_is_rebuilt_when_deleted_or_stale(store_path: Path) -> None:
    with Store.open(store_path) as store:
        snapshot(store, str(SEED), article_id="putin", at=DAY1)
    (store_path / ".git" / "archive" / "index.sqlite3").unlink()
    with Store.open(store_path) as store:
        assert [v.number for v in store.versions("putin")] == [1]
        snapshot(store, str(SEED_REVISION), article_id="putin", at=DAY2)
    git(store_path, "reset", "--hard", "HEAD~1")  # someone moves the branch behind our back
    with Store.open(store_path) as store:
        assert [v.number for v in store.versions("putin")] == [1]


def test_interrupted_checkout_is_finished_by_the_next_writer(store: Store) -> None:
    snapshot(store, str(SEED), article_id="putin", at=DAY1)
    old = store.head()
    snapshot(store, str(SEED_REVISION), article_id="putin", at=DAY2)
    new = store.head()
    # Simulate a crash between moving the branch and updating the working tree.
    git(store.path, "read-tree", "-m", "-u", new, old)
    (store.path / ".git" / "archive" / "checkout-pending").write_text(f"{old} {new}\n")
    assert git(store.path, "status", "--porcelain") != ""
    snapshot(store, text_capture("Unrelated story text.\nSecond paragraph.\n"), article_id="other", at=DAY3)
    assert git(store.path, "status", "--porcelain") == ""


def test_open_refuses_what_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(NotAStore, match="no archive store"):
        Store.open(tmp_path / "missing")
    with pytest.raises(NotAStore, match="not an archive store"):
        Store.open(tmp_path)
    git(tmp_path, "init", "-q")
    with pytest.raises(NotAStore, match="not an archive store"):
        Store.open(tmp_path)


def test_a_store_from_a_newer_archive_is_refused(store: Store) -> None:
    snapshot(store, str(SEED), article_id="putin", at=DAY1)
    git(store.path, "config", "archive.format", "1")
    marker = store.path / "archive.yaml"
    marker.write_text("format: 99\n")
    git(store.path, "commit", "-qam", "future format")
    with pytest.raises(StoreCorrupt, match="format 99, newer than"):
        Store.open(store.path)


def test_read_file_capture_keeps_bytes_exactly(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"\xef\xbb\xbf<html><body><p>caf\xc3\xa9</p></body></html>\r\n")
    assert read_file(page).raw == page.read_bytes()


def test_parse_time_accepts_iso_forms() -> None:
    assert parse_time("2021-12-17T09:30:00+02:00") == datetime(2021, 12, 17, 7, 30, tzinfo=UTC)
    assert parse_time("2021-12-17 09:30") == datetime(2021, 12, 17, 9, 30, tzinfo=UTC)
    assert parse_time("2021-12-17", end_of_day=False) == datetime(2021, 12, 17, tzinfo=UTC)


def test_a_bare_store_records_the_same_commits_without_a_working_tree(tmp_path: Path) -> None:
    heads = []
    for name, bare in (("plain", False), ("bare", True)):
        with Store.init(tmp_path / name, bare=bare) as store:
            assert store.bare is bare
            snapshot(store, str(SEED), article_id="putin", at=DAY1)
            snapshot(store, str(SEED_REVISION), article_id="putin", at=DAY2)
            assert not snapshot(store, str(SEED_REVISION), article_id="putin", at=DAY3).created
            heads.append(store.head())
    assert heads[0] == heads[1]
    bare_path = tmp_path / "bare"
    assert not (bare_path / "articles").exists() and (bare_path / "HEAD").is_file()
    with Store.open(bare_path) as store:
        assert [v.number for v in store.versions("putin")] == [1, 2]
        assert store.text(store.versions("putin")[0]).startswith("Several readers")
        assert verify(store).ok, verify(store).findings
    result = CliRunner().invoke(cli, ["--store", str(bare_path), "diff", "putin"], catch_exceptions=False)
    assert result.exit_code == 0 and "{+eleven+}" in result.output
