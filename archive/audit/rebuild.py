"""Rebuilding: replay every raw capture into a new store and get the same commits.

Commits are a pure function of what was captured (text, raw bytes, metadata,
capture time, identity) and of the order of captures, so a store can be
rebuilt from its raw captures alone: each text is extracted again from its
raw capture, each version added with its recorded capture time, metadata
and author, in the order of the original history. If the archive is what
it says it is, the new store's commit ids are the old ones, head included.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.audit.reproduce import recorded_rules, reextract
from archive.errors import ArchiveError, InvalidInput, NotReproducible, StoreCorrupt
from archive.ingest.snapshot import add_version
from archive.model import parse_time
from archive.store.commits import CommitRecord, records_rules, records_version
from archive.store.history import VersionRecord, parse_metadata, read_history, version_files
from archive.store.layout import META_FILE, RULES_FILE, TEXT_FILE
from archive.store.metadata import sha256, text_sha256
from archive.store.repository import Store
from archive.store.writer import NewVersion, Writer

__all__ = ["Rebuild", "rebuild"]


@dataclass(frozen=True)
class Rebuild:
    """What a rebuild did; ``identical`` when every commit id, head included, came out the same."""

    source: str
    into: str
    source_head: str | None
    head: str | None
    versions: int
    rebuilt: int
    journal_entries: int
    stored_text: tuple[str, ...]  # versions whose stored text was used because re-extraction differs
    differences: tuple[str, ...]

    @property
    def identical(self) -> bool:
        return self.source_head == self.head and not self.differences


@dataclass(frozen=True)
class _Replay:
    version: VersionRecord
    metadata: Mapping[str, Any]
    raw: bytes
    text: bytes | None


def rebuild(source: Store, into: str | Path, stored_text: bool = False, jobs: int | None = None) -> Rebuild:
    """Replay every version of ``source`` into a new store at ``into``, which must be new or empty.

    Texts are extracted again from the raw captures; a version whose text does
    not come out the same stops the rebuild before anything is written
    (NotReproducible), unless ``stored_text`` says to use the stored text for it.
    """
    destination = Path(into)
    _check_destination(source, destination)
    history = read_history(source)
    replays = list(_replays(source, history.versions))
    rules = recorded_rules(source, (r.metadata for r in replays))
    extractions = reextract([(r.metadata, r.raw) for r in replays], jobs, rules)
    rules_commits = _rules_commits(source, history.commits)
    texts: list[str] = []
    copied: list[str] = []
    failures: list[str] = []
    for replay, extraction in zip(replays, extractions, strict=True):
        ref = f"{replay.version.article_id}@{replay.version.number}"
        recorded = replay.metadata["text"]["sha256"]
        text = extraction.text
        if text is not None and text_sha256(text) == recorded:
            texts.append(text)
            continue
        reason = extraction.error or "re-extraction gives another text"
        if stored_text and replay.text is not None and sha256(replay.text) == recorded:
            texts.append(replay.text.decode("utf-8"))
            copied.append(ref)
            continue
        failures.append(f"{ref}: {reason}")
    if failures:
        raise NotReproducible(
            f"{len(failures)} version(s) cannot be rebuilt from their raw captures (first: {failures[0]}); "
            "see `archive reproduce`, or rebuild with --stored-text; nothing was written"
        )
    created = not destination.exists()
    try:
        with Store.init(destination) as target:
            differences, renamed, head = _replay_all(target, replays, texts, rules_commits)
            journal = _copy_journal(source, target, renamed)
    except BaseException:
        if created:
            shutil.rmtree(destination, ignore_errors=True)
        raise
    snapshots = {v.commit.commit for v in history.versions} | {step.record.commit for step in rules_commits}
    foreign = [r.commit for r in history.commits if r.commit not in snapshots]
    notes = [f"commit {commit[:12]} records no version and was not replayed" for commit in foreign]
    return Rebuild(
        source=str(source.path),
        into=str(destination),
        source_head=history.head,
        head=head,
        versions=len(replays),
        rebuilt=len(replays) - sum(1 for d in differences if d.endswith("matched the version before it")),
        journal_entries=journal,
        stored_text=tuple(copied),
        differences=tuple(notes + differences),
    )


def _check_destination(source: Store, destination: Path) -> None:
    if destination.resolve() == source.path.resolve():
        raise InvalidInput("--into must be a new store, not the store being rebuilt")
    if not destination.exists():
        return
    if not destination.is_dir():
        raise InvalidInput(f"{destination} exists and is not a directory; rebuild needs a new or empty directory")
    if any(destination.iterdir()):
        try:
            with Store.open(destination, read_only=True) as existing:
                if existing.head() is None:
                    return
        except ArchiveError:
            pass
        raise InvalidInput(f"{destination} is not empty; rebuild needs a new or empty directory")


def _replays(source: Store, versions: list[VersionRecord]) -> list[_Replay]:
    replays = []
    for version, contents in version_files(source, versions):
        ref = f"{version.article_id}@{version.number}"
        metadata, problem = parse_metadata(contents.get(META_FILE))
        if metadata is None:
            raise StoreCorrupt(f"{ref}: {problem}; run `archive verify`")
        raw_name = (metadata.get("raw") or {}).get("file")
        raw = contents.get(raw_name) if isinstance(raw_name, str) else None
        if raw is None:
            raise StoreCorrupt(f"{ref}: the raw capture {raw_name!r} is missing or unreadable; run `archive verify`")
        replays.append(_Replay(version, metadata, raw, contents.get(TEXT_FILE)))
    return replays


@dataclass(frozen=True)
class _RulesCommit:
    record: CommitRecord
    before: int  # how many versions come before it in the history
    data: bytes | None  # the rules file it set (None: it removed it)


def _rules_commits(source: Store, commits: list[CommitRecord]) -> list[_RulesCommit]:
    """The commits that set the noise rules, each with the rules file it set, read from ``source``."""
    found: list[tuple[CommitRecord, int, str | None]] = []
    versions = 0
    for record in commits:
        if records_version(record.trailers):
            versions += 1
        elif records_rules(record):
            found.append((record, versions, dict(record.changes)[RULES_FILE]))
    blobs = [blob for _, _, blob in found if blob is not None]
    data = dict(source.read_objects(blobs))
    steps = []
    for record, before, blob in found:
        content = data.get(blob) if blob is not None else None
        if blob is not None and content is None:
            raise StoreCorrupt(f"the rules file {blob[:12]} set by commit {record.commit[:12]} is missing; run verify")
        steps.append(_RulesCommit(record, before, content))
    return steps


def _replay_rules(writer: Writer, steps: list[_RulesCommit], before: int, differences: list[str]) -> None:
    for step in (step for step in steps if step.before == before):
        record = step.record
        moment = record.committer.moment
        if moment is None:
            raise StoreCorrupt(f"commit {record.commit[:12]} has a date git cannot read; run archive verify")
        commit = writer.set_rules(step.data, moment, (record.author.name, record.author.email))
        if commit != record.commit:
            rebuilt = commit[:12] if commit else "no commit"
            differences.append(f"the rules commit {record.commit[:12]} is {rebuilt} rebuilt")


def _replay_all(
    target: Store, replays: list[_Replay], texts: list[str], rules: list[_RulesCommit]
) -> tuple[list[str], dict[str, str], str | None]:
    """Add every version, and set the rules where the history did, in one writing() block (one pack, one
    move of the branch).

    Returns the differences from the original, each original commit's rebuilt commit, and the new head.
    """
    differences: list[str] = []
    renamed: dict[str, str] = {}
    with target.writing() as writer:
        for position, (replay, text) in enumerate(zip(replays, texts, strict=True)):
            _replay_rules(writer, rules, position, differences)
            record = replay.version.commit
            result = add_version(
                writer,
                NewVersion(
                    article_id=replay.version.article_id,
                    text=text,
                    raw=replay.raw,
                    raw_media_type=str(replay.metadata["raw"]["media_type"]),
                    captured_at=parse_time(str(replay.metadata["captured_at"]), end_of_day=False),
                    metadata=replay.metadata,
                    author=(record.author.name, record.author.email),
                ),
                replay=True,
            )
            ref = f"{replay.version.article_id}@{replay.version.number}"
            renamed[record.commit] = result.version.commit
            if not result.created:
                differences.append(f"{ref} ({record.commit[:12]}) matched the version before it")
            elif result.version.commit != record.commit:
                differences.append(
                    f"{ref} is commit {record.commit[:12]} in the original, {result.version.commit[:12]} rebuilt"
                )
        _replay_rules(writer, rules, len(replays), differences)
        head = writer.head
    return differences, renamed, head


def _copy_journal(source: Store, target: Store, renamed: Mapping[str, str]) -> int:
    """Carry the journal of unchanged captures over, naming the rebuilt commits (the same ones, if identical).

    Entries that name a commit outside the history (see the audit's journal-unknown-commit) stay behind.
    """
    entries, _ = source.captures_journal()
    copied = [{**entry, "commit": renamed[entry["commit"]]} for entry in entries if entry.get("commit") in renamed]
    target.journal_unchanged(copied)
    return len(copied)
