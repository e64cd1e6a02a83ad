"""The store's history as git records it, read in one pass: every commit, and every version with its files.

Verification, the audit report, reproduction, rebuilding and export all need
every version of every article. Asking for them one at a time costs a git
round trip each; here one ``git log`` lists the commits with the files each
one changed, and replaying those changes tells which blobs make up each
version, so that one ``git cat-file --batch`` stream can then deliver them.
Nothing here trusts the lookup index or the working tree.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from archive.store.commits import ARTICLE, VERSION, CommitRecord, records_version
from archive.store.layout import MARKER_FILE, META_FILE, article_dir
from archive.store.metadata import load_yaml, read_canonical_yaml
from archive.store.repository import Store

__all__ = ["VersionRecord", "StoreHistory", "read_history", "version_files", "parse_metadata"]


@dataclass(frozen=True)
class VersionRecord:
    """A commit that says (by its trailers) it records version ``number`` of ``article_id``.

    ``directory`` is where the commit says the article lives and ``files`` are
    the file names and blob ids in that directory right after the commit.
    """

    article_id: str
    number: int | None
    directory: str
    commit: CommitRecord
    files: Mapping[str, str]


@dataclass
class StoreHistory:
    """Every commit of the branch, oldest first, and what the tree held after them."""

    head: str | None
    commits: list[CommitRecord]
    versions: list[VersionRecord]
    # Directory -> {file name: blob id} at the branch head ("" for the top level).
    final_files: dict[str, dict[str, str]] = field(default_factory=dict)
    # Path -> the commit that last changed it, so a problem at the head can name its cause.
    last_change: dict[str, str] = field(default_factory=dict)

    @property
    def marker_blob(self) -> str | None:
        return self.final_files.get("", {}).get(MARKER_FILE)


def read_history(store: Store, since: str | None = None) -> StoreHistory:
    """Walk the branch once; raises StoreCorrupt when git cannot read it.

    ``since``: only the commits after that one (an ancestor of the head), and the directories they change,
    as they were at ``since`` and then after each commit (``verify --since-verified``).
    """
    commits = store.commit_records(since)
    by_dir: dict[str, dict[str, str]] = {}
    if since is not None:
        touched = {path.rpartition("/")[0] for record in commits for path, _ in record.changes}
        touched.update(article_dir(r.trailers[ARTICLE]) for r in commits if records_version(r.trailers))
        by_dir = store.files_at(since, sorted(touched | {""}))
    last_change: dict[str, str] = {}
    versions = []
    for record in commits:
        for path, blob in record.changes:
            directory, _, name = path.rpartition("/")
            files = by_dir.setdefault(directory, {})
            if blob is None:
                files.pop(name, None)
            else:
                files[name] = blob
            last_change[path] = record.commit
        if not records_version(record.trailers):
            continue
        article = record.trailers[ARTICLE]
        directory = article_dir(article)
        number_text = record.trailers[VERSION]
        number = int(number_text) if number_text.isdigit() else None
        versions.append(VersionRecord(article, number, directory, record, dict(by_dir.get(directory, {}))))
    head = commits[-1].commit if commits else since
    return StoreHistory(head, commits, versions, {d: f for d, f in by_dir.items() if f}, last_change)


def version_files(
    store: Store, versions: Sequence[VersionRecord]
) -> Iterator[tuple[VersionRecord, dict[str, bytes | None]]]:
    """Each version with the contents of its files, streamed through one batch (None: missing or corrupt)."""
    blobs = [blob for version in versions for _, blob in sorted(version.files.items())]
    stream = store.read_objects(blobs)
    for version in versions:
        yield version, {name: next(stream)[1] for name in sorted(version.files)}


def parse_metadata(data: bytes | None) -> tuple[Mapping[str, Any] | None, str | None]:
    """meta.yaml as a mapping, or None and the reason it cannot be read."""
    if data is None:
        return None, f"{META_FILE} is missing or unreadable"
    return _parse_metadata(data)


# Parsing YAML is most of the cost of reading a history; the audit parses what verify parsed.
# Callers must not change the mapping they get.
@functools.lru_cache(maxsize=32_768)
def _parse_metadata(data: bytes) -> tuple[Mapping[str, Any] | None, str | None]:
    canonical = read_canonical_yaml(data)  # what the writer wrote, read without a YAML parser
    if canonical is not None:
        return canonical, None
    try:
        metadata = load_yaml(data)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return None, f"{META_FILE} is not valid YAML ({str(error).splitlines()[0]})"
    if not isinstance(metadata, dict):
        return None, f"{META_FILE} is not a mapping"
    return metadata, None
