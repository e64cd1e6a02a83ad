"""Sharing one archive between collectors: ``archive push`` and ``archive pull`` against any git remote.

Each collector keeps its own store and pushes to a shared one (a bare
repository anywhere git can reach). A store only ever grows by appending
versions, and its history is linear, one version per commit
(docs/store-format.md), so a pull does what ``git pull --rebase`` does: it
takes the remote's history as it is and records this store's versions the
remote lacks again on top of it, in their order, with their capture times
and authors. Versions of different articles never conflict, because each
article is its own directory; a version of an article the remote also
captured gets the next number there and chains to the remote's latest one.
Only a capture older than the remote's latest version of its article that
differs from the version then current cannot be placed (history is
append-only): the pull then stops with one line and changes nothing.
Versions already on the remote are never rewritten, so published commit
ids stay valid. The refs beside the branch (signatures, the store's evidence
settings: docs/evidence.md) travel with it: a push sends them, refused like
the branch when the remote has some this store lacks; a pull takes the
remote's and merges them with this store's (notes by commit, allowed signers
line by line). See docs/ingest.md.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from archive.errors import HistoryConflict, InvalidInput, SourceUnavailable
from archive.ingest.snapshot import add_version
from archive.model import format_time, parse_time
from archive.store.commits import ARTICLE, CommitRecord
from archive.store.layout import (
    ALLOWED_SIGNERS_FILE,
    BESIDE_REFS,
    BRANCH,
    EVIDENCE_REF,
    MARKER_FILE,
    META_FILE,
    TEXT_FILE,
    article_dir,
)
from archive.store.metadata import given_fields, load_yaml, marker_format
from archive.store.notes import read_files, read_notes, tip
from archive.store.repository import Store
from archive.store.writer import NewVersion

__all__ = ["DEFAULT_REMOTE", "PullResult", "PushResult", "pull", "push"]

DEFAULT_REMOTE = "origin"


@dataclass(frozen=True)
class PullResult:
    """What a pull did: versions taken from the remote, and this store's versions recorded again on top."""

    remote: str
    head: str | None
    received: int  # versions the remote had that this store lacked
    replayed: int  # this store's versions recorded again after them
    duplicates: int  # this store's captures the remote already had (same text at an earlier time)


@dataclass(frozen=True)
class PushResult:
    """What a push sent."""

    remote: str
    head: str | None
    sent: int


def _error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = [line.strip() for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    useful = [line for line in lines if line.startswith(("fatal:", "error:", "!", "remote: error"))] or lines
    return useful[0].removeprefix("fatal: ").removeprefix("error: ") if useful else f"git exited {result.returncode}"


def _remote_refs(store: Store, remote: str) -> dict[str, str]:
    """The commits the remote's main branch and the refs beside it point at (those it has)."""
    result = store.git("ls-remote", "--", remote, BRANCH, *BESIDE_REFS)
    if result.returncode != 0:
        raise SourceUnavailable(f"cannot reach {remote}: {_error_line(result)}")
    wanted = {BRANCH, *BESIDE_REFS}
    refs = {}
    for line in result.stdout.decode().splitlines():
        commit, _, ref = line.partition("\t")
        if ref in wanted:
            refs[ref] = commit
    return refs


def _fetch(store: Store, remote: str) -> tuple[str | None, dict[str, str]]:
    """Fetch the remote's branch into a private ref (outside the lock: a slow network must not block writers),
    and the refs beside it: their tips, as fetched."""
    ref = f"refs/archive/fetched/{hashlib.sha256(remote.encode('utf-8')).hexdigest()[:16]}"
    refs = _remote_refs(store, remote)
    commit = refs.pop(BRANCH, None)
    if commit is None:
        return None, {}
    # Into a quarantine: what a repository that is not a store (or a newer one) sends never enters the store.
    with store.quarantine() as env:
        fetched = [BRANCH, *refs]
        result = store.git("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", remote, *fetched, env=env)
        if result.returncode != 0:
            raise SourceUnavailable(f"cannot fetch from {remote}: {_error_line(result)}")
        marker = store.git("cat-file", "blob", f"{commit}:{MARKER_FILE}", env=env)
        found = marker_format(marker.stdout) if marker.returncode == 0 else None
        if found is None:
            raise InvalidInput(f"{remote} is not an archive store (its main branch has no {MARKER_FILE})")
        if found > store.format_version():
            raise InvalidInput(f"{remote} has store format {found}, newer than this archive supports; upgrade archive")
    updated = store.git("update-ref", ref, commit)
    if updated.returncode != 0:
        raise SourceUnavailable(f"cannot record what was fetched from {remote}: {_error_line(updated)}")
    return commit, refs


def pull(store: Store, remote: str = DEFAULT_REMOTE) -> PullResult:
    """Bring the remote's versions into this store, then record this store's own newer versions after them.

    Raises HistoryConflict, changing nothing, when a version of this store
    cannot follow the remote's versions of the same article.
    """
    theirs, beside = _fetch(store, _location(remote))
    if theirs is None:
        return PullResult(remote, store.head(), 0, 0, 0)
    with store.writing(onto=theirs) as writer:
        start = store.head()
        received = store.count_commits(f"{start}..{theirs}" if start else theirs)
        replayed = duplicates = 0
        for new in _recorded_versions(store, writer.local_only):
            latest = writer.latest(new.article_id)
            if latest is not None and new.captured_at < latest.captured_at:
                current = writer.version_at(new.article_id, new.captured_at)
                if current is None or not writer.matches(current, new):
                    raise HistoryConflict(
                        f"cannot pull from {remote}: {new.article_id} was captured here at "
                        f"{format_time(new.captured_at)} with a text {remote} does not have, before its version "
                        f"{latest.number} there ({format_time(latest.captured_at)}); versions are only ever "
                        "appended, so nothing was changed (let each collector watch different feeds)"
                    )
                duplicates += 1
                continue
            if add_version(writer, new).created:
                replayed += 1
            else:
                duplicates += 1
    _merge_beside(store, beside)
    store.refresh_index()
    return PullResult(remote, store.head(), received, replayed, duplicates)


def _merge_beside(store: Store, fetched: dict[str, str]) -> None:
    """Bring the remote's refs beside the branch into this store's: taken when ours are in their history, else
    merged (a commit with both as parents, so the next push is a fast-forward). Re-running a pull redoes it."""
    if not fetched:
        return
    latest = store.log(limit=1)
    when = latest[0].captured_at if latest else parse_time("1970-01-01T00:00:00Z")
    with store.writing_beside() as beside:
        for ref, theirs in fetched.items():
            ours = beside.current(ref)
            if ours == theirs or (ours is not None and store.is_ancestor(theirs, ours)):
                continue
            if ours is None or store.is_ancestor(ours, theirs):
                beside.take(ref, theirs)
            elif ref == EVIDENCE_REF:
                mine, other = read_files(store, ref), read_files(store, ref, theirs)
                files: dict[str, bytes | None] = {name: data for name, data in other.items() if name not in mine}
                signers = mine.get(ALLOWED_SIGNERS_FILE, b"").splitlines()
                signers += [line for line in other.get(ALLOWED_SIGNERS_FILE, b"").splitlines() if line not in signers]
                if signers:
                    files[ALLOWED_SIGNERS_FILE] = b"".join(line + b"\n" for line in signers)
                beside.put_files(ref, files, when, "archive: merge the evidence settings of a pull", merge=theirs)
            else:
                mine_notes = read_notes(store, ref)
                added = {c: note for c, note in read_notes(store, ref, theirs).items() if c not in mine_notes}
                beside.add_notes(ref, added, when, "archive: merge the notes of a pull", merge=theirs)
                if not added:  # nothing new, but record the merge so that a push is a fast-forward
                    beside.put_files(ref, {}, when, "archive: merge the notes of a pull", merge=theirs)


def _recorded_versions(store: Store, records: list[CommitRecord]) -> list[NewVersion]:
    """The versions the given commits recorded, as captures to record again (with their authors)."""
    if not records:
        return []
    commits = [record.commit for record in records]
    directories = {record.commit: article_dir(record.trailers[ARTICLE]) for record in records}
    metas = [data for _, data in store.read_objects([f"{c}:{directories[c]}/{META_FILE}" for c in commits])]
    metadata = [load_yaml(data) if data is not None else None for data in metas]
    names = []
    for commit, meta in zip(commits, metadata, strict=True):
        if not isinstance(meta, dict):
            raise HistoryConflict(f"cannot pull: version {commit[:12]} is damaged (run `archive verify`)")
        names += [
            f"{commit}:{directories[commit]}/{TEXT_FILE}",
            f"{commit}:{directories[commit]}/{meta['raw']['file']}",
        ]
    contents = [data for _, data in store.read_objects(names)]
    versions = []
    for position, (record, meta) in enumerate(zip(records, metadata, strict=True)):
        text, raw = contents[2 * position], contents[2 * position + 1]
        article = record.trailers[ARTICLE]
        if text is None or raw is None or meta is None:
            raise HistoryConflict(
                f"cannot pull: version {record.commit[:12]} of {article} is damaged (run `archive verify`)"
            )
        versions.append(
            NewVersion(
                article_id=article,
                text=text.decode("utf-8"),
                raw=raw,
                raw_media_type=meta["raw"]["media_type"],
                captured_at=parse_time(meta["captured_at"], end_of_day=False),
                metadata=given_fields(meta),
                author=(record.author.name, record.author.email),
            )
        )
    return versions


def _location(remote: str) -> str:
    """A remote name or URL as given; a local path made absolute (git runs in the store's directory)."""
    path = Path(remote).expanduser()
    return str(path.resolve()) if "://" not in remote and path.exists() else remote


def push(store: Store, remote: str = DEFAULT_REMOTE) -> PushResult:
    """Send this store's versions to the remote; refused when the remote has versions this store lacks."""
    head = store.head()
    if head is None:
        raise InvalidInput("nothing to push: the store has no versions yet")
    location = _location(remote)
    refs = _remote_refs(store, location)
    before = refs.get(BRANCH)
    beside = {ref: commit for ref in BESIDE_REFS if (commit := tip(store, ref)) is not None and refs.get(ref) != commit}
    if before == head and not beside:
        return PushResult(remote, head, 0)
    if before is not None and not store.is_ancestor(before, head):  # False too when this store lacks ``before``
        raise HistoryConflict(f"{remote} has versions this store lacks: run `archive pull {remote}` first, then push")
    for ref in beside:
        if ref in refs and not store.is_ancestor(refs[ref], beside[ref]):
            raise HistoryConflict(
                f"{remote} has signatures or settings this store lacks: run `archive pull {remote}` first, then push"
            )
    sent = store.count_commits(f"{before}..{head}" if before else head)
    specs = [f"{head}:{BRANCH}"] + [f"{commit}:{ref}" for ref, commit in beside.items()]
    result = store.git("push", "--quiet", "--atomic", "--", location, *specs)
    if result.returncode != 0:
        reason = _error_line(result)
        if "checked out" in reason or "denyCurrentBranch" in result.stderr.decode("utf-8", "replace"):
            raise SourceUnavailable(
                f"{remote} is a store with a working tree: push to a bare repository (`git init --bare`), "
                "or pull from this store there"
            )
        if "fetch first" in reason or "non-fast-forward" in reason or "rejected" in reason:
            raise HistoryConflict(f"{remote} has versions this store lacks: run `archive pull {remote}` first")
        raise SourceUnavailable(f"cannot push to {remote}: {reason}")
    return PushResult(remote, head, sent)
