"""Each tampering a real store can suffer, done with plain git, and the precise finding `archive verify` reports."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from conftest import SEED, SEED_REVISION
from tamper import blob_at, commit_on_top, forge_history, git, loose_object

from archive.audit.verify import Finding, verify
from archive.capture.fetch import Capture
from archive.ingest.snapshot import snapshot
from archive.model import Version
from archive.store.layout import article_dir
from archive.store.repository import Store

PUTIN = article_dir("putin")
OTHER_TEXT = "Council approves the new budget\nThe city council approved the budget on Monday by seven votes to two.\n"
OTHER_EDIT = OTHER_TEXT.replace("seven votes to two", "six votes to three")
THIRD_TEXT = SEED_REVISION.read_text(encoding="utf-8").replace("eleven Russian", "twelve Russian")


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2021, 12, day, hour, tzinfo=UTC)


def text_capture(text: str) -> Capture:
    return Capture(raw=text.encode("utf-8"), source="stdin", media_type="text/plain")


@pytest.fixture
def versions(store: Store) -> dict[str, Version]:
    """putin@1..3 and other@1..2, interleaved in the history."""
    made = [
        snapshot(store, str(SEED), article_id="putin", at=at(17)),
        snapshot(store, text_capture(OTHER_TEXT), article_id="other", at=at(17, 13)),
        snapshot(store, str(SEED_REVISION), article_id="putin", at=at(18)),
        snapshot(store, text_capture(OTHER_EDIT), article_id="other", at=at(18, 13)),
        snapshot(store, text_capture(THIRD_TEXT), article_id="putin", title="Putin’s Post-Trump Standoff", at=at(19)),
    ]
    return {result.version.ref: result.version for result in made}


def findings(path: Path) -> list[Finding]:
    with Store.open(path) as store:
        return list(verify(store).findings)


def only(found: list[Finding], check: str) -> Finding:
    matching = [finding for finding in found if finding.check == check]
    assert len(matching) == 1, found
    return matching[0]


def test_an_untouched_store_verifies(store: Store, versions: dict[str, Version], run: Callable[..., Result]) -> None:
    result = verify(store)
    assert result.ok and (result.articles, result.versions, result.commits) == (2, 5, 5)
    cli = run("verify")
    assert cli.exit_code == 0 and cli.output.startswith("OK: 5 versions of 2 articles in 5 commits verified")


def test_an_edited_text_committed_on_top_is_caught(
    store_path: Path, versions: dict[str, Version], run: Callable[..., Result]
) -> None:
    text = store_path / PUTIN / "text.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("twelve Russian", "two Russian"), encoding="utf-8")
    forged = commit_on_top(store_path)
    found = findings(store_path)
    foreign = only(found, "foreign-commit")
    assert (foreign.article, foreign.commit, foreign.path) == ("putin", forged, f"{PUTIN}/text.txt")
    assert "by Mallory <mallory@example.org>" in foreign.message and "is not an archive snapshot" in foreign.message
    head = only(found, "head")
    assert (head.article, head.version, head.commit) == ("putin", 3, forged)
    assert head.message.startswith(f"{PUTIN}/text.txt at the branch head differs from the file of the latest version")
    assert len(found) == 2
    result = run("verify")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "FAILED: 2 problems in 5 versions of 2 articles in 6 commits " + (
        f"(head {forged[:12]})"
    )
    assert f"[foreign-commit] putin {forged[:12]}: commit {forged[:12]} by Mallory" in result.output


def test_a_rewritten_past_version_breaks_the_chain(store_path: Path, versions: dict[str, Version]) -> None:
    """A careful forger edits putin@1, fixes its sha256 and trailer, and re-creates every later commit."""
    one = versions["putin@1"]
    text = git(store_path, "show", f"{one.commit}:{PUTIN}/text.txt") + "\n"
    forged_text = text.replace("several Russian", "no Russian")
    sha, forged_sha = (hashlib.sha256(t.encode()).hexdigest() for t in (text, forged_text))
    meta = git(store_path, "show", f"{one.commit}:{PUTIN}/meta.yaml") + "\n"
    message = git(store_path, "log", "-1", "--format=%B", one.commit).replace(sha, forged_sha) + "\n"
    renamed = forge_history(
        store_path,
        one.commit,
        edits={f"{PUTIN}/text.txt": forged_text.encode(), f"{PUTIN}/meta.yaml": meta.replace(sha, forged_sha).encode()},
        message=message,
    )
    found = findings(store_path)
    # Every commit after the rewritten one has a new id, so every later version's chain breaks.
    assert [(f.check, f.article, f.version) for f in found] == [
        ("chain", "putin", 2),
        ("chain", "other", 2),
        ("chain", "putin", 3),
    ]
    chain = found[0]
    assert chain.commit == renamed[versions["putin@2"].commit]
    assert chain.message == (
        f"meta.yaml records previous_commit {one.commit[:12]}, but the previous version (putin@1) is commit "
        f"{renamed[one.commit][:12]} ({one.commit[:12]} is not in the branch's history): a version was removed, "
        "reordered or rewritten"
    )


def test_a_rewritten_past_text_is_caught_by_its_hash(store_path: Path, versions: dict[str, Version]) -> None:
    one = versions["putin@1"]
    text = git(store_path, "show", f"{one.commit}:{PUTIN}/text.txt") + "\n"
    renamed = forge_history(store_path, one.commit, edits={f"{PUTIN}/text.txt": text.replace("several", "no").encode()})
    found = findings(store_path)
    sha = only(found, "text-sha256")
    assert (sha.article, sha.version, sha.commit) == ("putin", 1, renamed[one.commit])
    assert sha.message.endswith(
        f"but meta.yaml records {one.metadata['text']['sha256']}: the stored text is not the text that was captured"
    )
    assert [(f.article, f.version) for f in found if f.check == "chain"] == [("putin", 2), ("other", 2), ("putin", 3)]


def test_a_deleted_version_is_caught(store_path: Path, versions: dict[str, Version]) -> None:
    two = versions["putin@2"]
    renamed = forge_history(store_path, two.commit, drop=True)
    found = findings(store_path)
    three = renamed[versions["putin@3"].commit]
    chain = [finding for finding in found if finding.check == "chain"]
    assert [(f.article, f.version, f.commit) for f in chain] == [("putin", 3, three)] * 2
    assert chain[0].message == "version 3 follows version 1 in the history: version 2 is missing"
    assert chain[1].message.startswith(f"meta.yaml records previous_commit {two.commit[:12]}, but the previous version")
    assert len(found) == 2


def test_a_swapped_raw_capture_is_caught(store_path: Path, versions: dict[str, Version]) -> None:
    """The raw capture of putin@2 replaced by another one, the commit rewritten with its dates and message kept."""
    two = versions["putin@2"]
    renamed = forge_history(store_path, two.commit, edits={f"{PUTIN}/raw.txt": SEED.read_bytes()})
    found = findings(store_path)
    raw = only(found, "raw-sha256")
    assert (raw.article, raw.version, raw.commit, raw.path) == ("putin", 2, renamed[two.commit], "raw.txt")
    assert raw.message == (
        f"raw.txt has sha256 {hashlib.sha256(SEED.read_bytes()).hexdigest()}, but meta.yaml records "
        f"{two.metadata['raw']['sha256']}: the raw capture was replaced or altered"
    )
    assert only(found, "chain").version == 3


def test_a_moved_capture_date_is_caught(store_path: Path, versions: dict[str, Version]) -> None:
    other = versions["other@2"]
    meta_path = f"{article_dir('other')}/meta.yaml"
    meta = git(store_path, "show", f"{other.commit}:{meta_path}") + "\n"
    moved = meta.replace("captured_at: '2021-12-18T13:00:00Z'", "captured_at: '2021-12-16T13:00:00Z'")
    assert moved != meta and yaml.safe_load(moved)["captured_at"] == "2021-12-16T13:00:00Z"
    renamed = forge_history(store_path, other.commit, edits={meta_path: moved.encode()})
    found = findings(store_path)
    dates = [finding for finding in found if finding.check == "date"]
    assert [(f.article, f.version, f.commit) for f in dates] == [("other", 2, renamed[other.commit])] * 2
    assert dates[0].message == (
        "meta.yaml says captured_at 2021-12-16T13:00:00Z, but the commit's author date is 2021-12-18T13:00:00Z: "
        "the capture time was changed after the fact"
    )
    assert len(found) == 2


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_a_damaged_object_file_is_caught(store_path: Path, versions: dict[str, Version], damage: str) -> None:
    one = versions["putin@1"]
    blob = blob_at(store_path, one.commit, f"{PUTIN}/text.txt")
    assert blob is not None
    object_file = loose_object(store_path, blob)
    data = object_file.read_bytes()
    object_file.chmod(0o644)
    object_file.write_bytes(data[: len(data) // 2] if damage == "truncate" else data[:10] + b"\xff" * (len(data) - 10))
    found = findings(store_path)
    unreadable = only(found, "object")
    assert (unreadable.article, unreadable.version, unreadable.commit) == ("putin", 1, one.commit)
    assert unreadable.message == f"text.txt (blob {blob[:12]}) is missing or corrupt"
    fsck = [finding.message for finding in found if finding.check == "git-fsck"]
    assert any(blob in message for message in fsck), fsck
    assert {finding.check for finding in found} == {"object", "git-fsck"}


def test_an_uncommitted_working_tree_edit_is_caught(
    store_path: Path, versions: dict[str, Version], run: Callable[..., Result]
) -> None:
    meta = store_path / article_dir("other") / "meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("2021-12-18T13:00:00Z", "2021-12-18T11:00:00Z"))
    (store_path / "notes.txt").write_text("not archived\n")
    found = findings(store_path)
    assert [(f.check, f.article, f.path) for f in found] == [
        ("working-tree", "other", f"{article_dir('other')}/meta.yaml"),
        ("working-tree", None, "notes.txt"),
    ]
    assert found[0].message.endswith("differs from the branch (git status M): an edit that was never committed")
    assert found[1].message == "notes.txt is in the working tree but was never committed (untracked)"
    assert run("verify").exit_code == 1
