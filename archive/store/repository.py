"""The git-backed store: opening it, reading it, and publishing what a ``Writer`` wrote.

Writes build blobs, trees and the commit object directly (no index, no
working-tree staging; see ``archive.store.writer``), then move the branch
with a compare-and-swap ``update-ref`` while holding the store's lock:
until the ref moves, nothing a reader can see has changed, so a crash or a
failure at any point leaves the store at its last good state. The working
tree is only a view of the branch, brought up to date after the ref moves.
The layout is documented in ``docs/store-format.md``.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any

from archive.errors import (
    ArticleNotFound,
    HistoryConflict,
    InvalidInput,
    NotAStore,
    StoreBusy,
    StoreCorrupt,
    TimestampFailed,
    VersionNotFound,
)
from archive.ids import article_id_from_url, validate_article_id
from archive.model import ArticleSummary, LogEntry, Version, parse_time, select_version
from archive.store.commits import (
    ARTICLE,
    MESSAGES_FORMAT,
    RECORDS_FORMAT,
    URL,
    VERSION,
    CommitRecord,
    parse_messages,
    parse_records,
    parse_trailers,
    records_rules,
    records_version,
    title_of,
)
from archive.store.layout import (
    BRANCH,
    EVIDENCE_REF,
    FORMAT_VERSION,
    JOURNAL_FILE,
    LOCK_FILE,
    LOOKUP_FILE,
    MARKER_FILE,
    META_FILE,
    PENDING_FILE,
    PRIVATE_DIR,
    RULES_FILE,
    SIGNATURES_REF,
    SIGNING_KEY_SETTING,
    TEXT_FILE,
    TIMESTAMPING_FILE,
    TIMESTAMPS_REF,
    article_dir,
)
from archive.store.lock import exclusive
from archive.store.lookup import Cursor, Index, VersionRow, as_version
from archive.store.notes import RefWriter, read_files, tip
from archive.store.objects import TREE_MODE, ObjectWriter, TreeEntries, TreeReader, object_id
from archive.store.reader import GitObject, ObjectReader

if TYPE_CHECKING:
    import git

    from archive.store.rules import RulesFile
    from archive.store.writer import Writer


def _lazy_module(name: str) -> ModuleType:
    """``name``, imported on first use of one of its attributes (``importlib.util.LazyLoader``)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


if not TYPE_CHECKING:
    # GitPython costs tens of milliseconds and a `git version` process to import: a read by key (the lookup
    # cache, then `git cat-file`) needs none of it, so it loads when a command first uses it.
    git = _lazy_module("git")

__all__ = ["Store"]

DEFAULT_IDENTITY = ("archive", "archive@localhost")
LOCK_TIMEOUT = 120.0
# A write that changes more article directories than this updates the working tree in one walk.
CHECKOUT_WALK_ABOVE = 200
# A writing() block with more objects than this writes one pack instead of loose objects.
LOOSE_OBJECT_LIMIT = 64

_NULL_COMMIT = "0" * 40
_COMMIT_ID = re.compile(rb"[0-9a-f]{40}")
# How many articles an ambiguous reference lists at most before ``find_article`` asks for more of it.
_MATCHES_SHOWN = 100
# Versions whose metadata one batch of ``_scan_versions`` reads.
_SCAN_CHUNK = 20_000


def _nul_list(paths: Sequence[str]) -> IO[bytes]:
    """Paths for git's ``--pathspec-from-file=- --pathspec-file-nul`` on its stdin (which must be a real file):
    no limit on the command line's length."""
    listing = tempfile.TemporaryFile()  # noqa: SIM115 (the caller closes it)
    listing.write(b"".join(path.encode("utf-8") + b"\0" for path in paths))
    listing.seek(0)
    return listing


class Store:
    """An archive store: a git repository with one directory per article."""

    def __init__(self, location: _Location, read_only: bool = False) -> None:
        self._location = location
        self.path = location.work_tree or location.git_dir
        # Local state outside the history (the lock, the lookup cache, the journal; a watcher's state).
        self.private_dir = location.git_dir / PRIVATE_DIR
        self._objects_dir = location.common_dir / "objects"
        # Objects by name, through one `git cat-file --batch` started on first use (loose ones read as files).
        self._objects = ObjectReader(self.path, self._objects_dir)
        self._trees = TreeReader(self._objects)
        # Opened on first use, read-only, so that reading writes nothing. A ``read_only`` store (the
        # integrity commands) never writes it; when it is stale and cannot be brought up to date,
        # reads go to git instead (``_lookup``).
        self.read_only = read_only
        self._index_file: Index | None = None
        self._in_memory: Index | None = None
        # What a write could not do but did not need to (a timestamp the TSA did not give), for the caller to
        # report: one line each.
        self.notices: list[str] = []

    # --- opening -------------------------------------------------------------

    @classmethod
    def init(cls, path: str | Path, bare: bool = False) -> Store:
        """Create an empty store at ``path`` (or open it if it already is one).

        A ``bare`` store has no working tree: the same commits, read with git
        alone, but no article directories on disk and no git index to keep up
        to date, which is what makes a commit's cost grow with the number of
        articles (git reads and writes its whole index: 0.2-0.4 s at 100,000).
        For collectors that ingest at scale; ``archive push`` feeds one too.
        """
        store_path = Path(path)
        if store_path.exists() and not store_path.is_dir():
            raise NotAStore(f"{store_path} exists and is not a directory")
        if (store_path / ".git").exists() or (store_path / "HEAD").is_file():
            location = _Location.of(store_path)
            repo = location.repo()
            if _is_store(location):
                _exclude_placeholder(repo)
                return cls(location.opened(repo))
            if repo.head.is_valid():
                raise NotAStore(f"{store_path} is a git repository with history that is not an archive store")
        else:
            present = sorted(entry.name for entry in store_path.iterdir()) if store_path.is_dir() else []
            others = [name for name in present if name != PLACEHOLDER]
            if others:
                shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
                raise NotAStore(
                    f"{store_path} is not empty ({shown}): a store is made in an empty folder, or one that "
                    f"holds only a {PLACEHOLDER}"
                )
            try:
                store_path.mkdir(parents=True, exist_ok=True)
                repo = git.Repo.init(store_path, bare=bare, initial_branch=BRANCH.rsplit("/", 1)[-1])
            except (OSError, git.GitCommandError) as error:
                raise NotAStore(f"cannot create a store at {store_path}: {_reason(error)}") from None
        with repo.config_writer() as config:
            config.set_value("archive", "format", str(FORMAT_VERSION))
        _exclude_placeholder(repo)
        return cls(_Location.of(store_path).opened(repo))

    @property
    def bare(self) -> bool:
        """True for a store without a working tree (see ``init``)."""
        return self._location.work_tree is None

    @classmethod
    def open(cls, path: str | Path, read_only: bool = False) -> Store:
        """Open the store at ``path``; raise NotAStore if it is not one.

        ``read_only`` promises that nothing under ``path`` is written, not even
        a stale lookup index (reads then go to git).
        """
        store_path = Path(path)
        if store_path.exists() and not store_path.is_dir():
            raise NotAStore(f"{store_path} is a file, not an archive store (--store names a folder)")
        if not store_path.is_dir():
            raise NotAStore(f"no archive store at {store_path} (create one with `archive init`)")
        location = _Location.of(store_path)
        if not _is_store(location):
            raise NotAStore(f"{store_path} is not an archive store (create one with `archive init`)")
        store = cls(location, read_only=read_only)
        try:
            _check_format(store)
        except BaseException:
            store.close()
            raise
        return store

    @property
    def lookup(self) -> Index:
        """The lookup cache, brought up to the branch head: for the derived tables other stages keep in it (the
        changes each version brought, ``archive.review.changelog``). Never evidence: it can always be rebuilt."""
        return self._whole_index()

    @property
    def _index(self) -> Index:
        if self._index_file is None:
            self._index_file = Index(self.private_dir / LOOKUP_FILE)
        return self._index_file

    def _lookup(self) -> Index | None:
        """The lookup index, current with the branch head; None when it is stale and cannot be brought up
        to date here (a read-only store), for the caller to read git instead.

        A current index is only read: every write brings it up to date, so a read writes nothing.
        """
        head = self.head()
        if self._index.head == head:
            return self._index
        if not self.read_only:
            try:
                self.refresh_index()
                return self._index
            except (sqlite3.Error, OSError):
                pass  # a read-only file system or a damaged cache
        return None

    def _whole_index(self) -> Index:
        """The lookup index, or, when it cannot be used (see ``_lookup``), one built in memory from git: the
        slow path of a read-only store with a stale cache, for reads that need every article."""
        index = self._lookup()
        if index is not None:
            return index
        head = self.head()
        if self._in_memory is None or self._in_memory.head != head:
            self._in_memory = Index(None)
            self._in_memory.update(self._scan_versions(head) if head else [], head)
        return self._in_memory

    def _git_versions(self, article_id: str) -> list[VersionRow]:
        """Every version of one article read from git alone (its commits, then their metadata), oldest first:
        slower than the index, for a read-only store whose index is stale."""
        if self.head() is None:
            return []
        directory = article_dir(article_id)
        result = self.git("log", "--reverse", f"--format={MESSAGES_FORMAT}", BRANCH, "--", f"{directory}/{META_FILE}")
        rows = []
        for commit, message in parse_messages(result.stdout.decode("utf-8", "replace")):
            trailers = parse_trailers(message)
            if records_version(trailers) and trailers[ARTICLE] == article_id and trailers[VERSION].isdigit():
                metadata = _load_yaml(self._read_object(f"{commit}:{directory}/{META_FILE}"))
                rows.append((article_id, int(trailers[VERSION]), commit, metadata))
        return rows

    @property
    def _repo(self) -> git.Repo:
        """GitPython's view of the store, made on first use (writes, remotes, whole-history reads)."""
        return self._location.repo()

    def format_version(self) -> int:
        """The store's format, as recorded in its tree (or its config, before the first snapshot)."""
        try:
            head = self.head()
            if head is None:  # no tree yet (and no git process needed to see it)
                raise KeyError(MARKER_FILE)
            # Through the head's root tree, by ids: a recent write's objects are loose files, read without git.
            entry = self._trees.entries(self._trees.root(head))[MARKER_FILE]
            found = _marker_format(self._objects.read(entry[1].hex()))
        except KeyError:
            return int(self._location.config("archive", "format") or FORMAT_VERSION)
        if found is None:
            raise StoreCorrupt(f"{self.path}: {MARKER_FILE} is not a valid store marker")
        return found

    def marker_format(self, commit: str) -> int | None:
        """The format the store marker declares at ``commit`` (a fetched one), or None when it has no marker."""
        try:
            return _marker_format(self._objects.read(f"{commit}:{MARKER_FILE}"))
        except KeyError:
            return None

    @property
    def objects_dir(self) -> Path:
        """git's object database of the store."""
        return self._objects_dir

    def lookup_size(self) -> int:
        """The size of the lookup cache on disk, in bytes (0 when it has none)."""
        path = self.private_dir / LOOKUP_FILE
        return path.stat().st_size if path.exists() else 0

    def compact_lookup(self) -> None:
        """Give the space of the lookup cache's deleted rows back to the file system."""
        self._index.compact()

    def rebuild_lookup(self) -> None:
        """Delete the lookup cache and build it again from the history (under the write lock: a write).

        It holds nothing that is not derived: the versions from the history, and the change log, which
        ``changes`` and the viewer compute again for what is missing."""
        if self._index_file is not None:
            self._index_file.close()
            self._index_file = None
        path = self.private_dir / LOOKUP_FILE
        for stale in (path, path.with_name(path.name + "-journal")):
            stale.unlink(missing_ok=True)
        self.refresh_index()

    def close(self) -> None:
        for index in (self._index_file, self._in_memory):
            if index is not None:
                index.close()
        self._objects.close()
        self._location.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading -------------------------------------------------------------

    def head(self) -> str | None:
        """The commit the store's branch points at, or None for an empty store.

        Read from the ref's file, or ``packed-refs``, when git keeps it there (every read asks, so that a
        page or command sees the latest write; a ``git rev-parse`` each time cost a process); else from git.
        """
        return self._ref(BRANCH)

    def _ref(self, ref: str) -> str | None:
        """The commit ``ref`` points at (see ``head``), or None when the store has no such ref."""
        common = self._location.common_dir
        try:
            loose = (common / ref).read_bytes().strip()
            if _COMMIT_ID.fullmatch(loose):
                return loose.decode()
        except FileNotFoundError:
            try:
                packed = (common / "packed-refs").read_bytes().splitlines()
            except FileNotFoundError:
                packed = []
            except OSError:
                packed = None
            for line in packed or ():
                if line.endswith(b" " + ref.encode()) and _COMMIT_ID.fullmatch(line[:40]):
                    return line[:40].decode()
            if packed is not None:  # in neither place git keeps it: no branch yet (a new store)
                return None
        except OSError:
            pass
        found = self.git("rev-parse", "--verify", "--quiet", ref)
        return (found.stdout.decode().strip() or None) if found.returncode == 0 else None

    def refresh_index(self) -> None:
        """Bring the lookup index up to the branch head, incrementally when possible (a write: see ``_lookup``)."""
        head = self.head()
        stamp = self._index.head
        if stamp == head:
            return
        if head is None:
            self._index.update([], None, reset=True)
            return
        incremental = stamp is not None and self.is_ancestor(stamp, head)
        revisions = f"{stamp}..{head}" if incremental else head
        self._index.update(self._scan_versions(revisions), head, reset=not incremental)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when commit ``ancestor`` is in the history of ``descendant`` (False when either is unknown)."""
        return self.git("merge-base", "--is-ancestor", ancestor, descendant).returncode == 0

    def count_commits(self, revisions: str) -> int:
        """How many commits ``revisions`` (``A..B``, or a commit and its history) names; 0 when git cannot tell."""
        result = self.git("rev-list", "--count", revisions)
        return int(result.stdout.decode().strip() or 0) if result.returncode == 0 else 0

    def _scan_versions(self, revisions: str) -> Iterator[VersionRow]:
        """The versions recorded by the commits in ``revisions``, oldest first.

        One ``git log`` lists them; their metadata comes through one ``cat-file --batch`` stream per
        chunk (no round trip per version), so a rebuild at a million versions takes minutes, not hours.
        """
        log = self._git_output("log", "--reverse", "--topo-order", f"--format={MESSAGES_FORMAT}", revisions)
        found = []
        for commit, message in parse_messages(log):
            trailers = parse_trailers(message)
            if records_version(trailers):
                found.append((trailers[ARTICLE], int(trailers[VERSION]), commit))
        for start in range(0, len(found), _SCAN_CHUNK):
            chunk = found[start : start + _SCAN_CHUNK]
            names = [f"{commit}:{article_dir(article)}/{META_FILE}" for article, _, commit in chunk]
            for (article, number, commit), (name, data) in zip(chunk, self.read_objects(names), strict=True):
                if data is None:
                    raise VersionNotFound(f"object {name} is missing from the store")
                yield article, number, commit, _load_yaml(data)

    def article_ids(self) -> list[str]:
        return self._whole_index().article_ids()

    def articles(self, limit: int | None = None, after: str | None = None) -> list[ArticleSummary]:
        """Articles in id order with their number of versions and first and last capture: every one, or
        ``limit`` of them from the one after the id ``after``."""
        return self._whole_index().summaries_by_id(limit, after)

    def recent_articles(
        self, limit: int, after: Cursor | None = None, before: Cursor | None = None
    ) -> list[ArticleSummary]:
        """A page of articles, most recently captured first (see ``Index.summaries``)."""
        return self._whole_index().summaries(limit, after, before)

    def search_articles(
        self, words: str, limit: int, after: int | None = None, before: int | None = None
    ) -> list[tuple[int, ArticleSummary]]:
        """A page of the articles whose id, title or URLs hold ``words``, with cursors (see ``Index.search``)."""
        return self._whole_index().search(words, limit, after, before)

    def find_article(self, reference: str) -> str:
        """Resolve an article id, URL, or unambiguous prefix of either to an article id, by key."""
        reference = reference.strip()
        if not reference:
            raise ArticleNotFound("no article given")
        index = self._lookup()
        if index is None:
            if _is_article_id(reference) and self._git_versions(reference):
                return reference
            index = self._whole_index()
        if index.has_article(reference):
            return reference
        by_url = self._article_for_url(index, reference)
        if by_url:
            return by_url
        matches = index.articles_starting(reference, _MATCHES_SHOWN + 1)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ArticleNotFound(f"no article matches {reference!r} (see `archive list`)")
        count = f"over {_MATCHES_SHOWN}" if len(matches) > _MATCHES_SHOWN else str(len(matches))
        shown = ", ".join(matches[:5]) + (", …" if len(matches) > 5 else "")
        raise ArticleNotFound(f"{reference!r} matches {count} articles ({shown}); give more of the id")

    def article_for_url(self, url: str) -> str | None:
        """The one article captured under ``url`` (as fetched or as canonical), or whose id it derives."""
        return self._article_for_url(self._whole_index(), url)

    @staticmethod
    def _article_for_url(index: Index, url: str) -> str | None:
        matches = index.articles_with_url(url)
        if len(matches) == 1:
            return matches[0]
        if not matches and url.lower().startswith(("http://", "https://")):
            try:
                derived = article_id_from_url(url)
            except InvalidInput:
                return None
            if index.has_article(derived):
                return derived
        return None

    def has_article(self, article_id: str) -> bool:
        """Whether the store holds an article with this exact id."""
        index = self._lookup()
        return index.has_article(article_id) if index is not None else bool(self._git_versions(article_id))

    def versions(self, article_id: str) -> list[Version]:
        """Every version of an article, oldest first."""
        index = self._lookup()
        rows = index.versions(article_id) if index is not None else self._git_versions(article_id)
        if not rows:
            raise ArticleNotFound(f"no article with id {article_id!r} (see `archive list`)")
        return [as_version(row) for row in rows]

    def version(self, article_id: str, spec: str = "latest") -> Version:
        """One version of an article: see ``select_version`` for what ``spec`` may be."""
        return select_version(self.versions(article_id), spec)

    def text(self, version: Version) -> str:
        """The normalized text of a version."""
        return self._read_object(f"{version.commit}:{article_dir(version.article_id)}/{TEXT_FILE}").decode("utf-8")

    def raw(self, version: Version) -> bytes:
        """The raw capture of a version, byte for byte."""
        name = version.metadata["raw"]["file"]
        return self._read_object(f"{version.commit}:{article_dir(version.article_id)}/{name}")

    def log(self, limit: int | None = None) -> list[LogEntry]:
        """Snapshot commits across all articles, newest first."""
        if self.head() is None:
            return []
        # No --topo-order: the history is linear, and ordering it first would walk all of it before printing.
        arguments = ["--date=raw", f"--format={RECORDS_FORMAT}"]
        if limit is not None:
            arguments.append(f"--max-count={limit}")
        entries = []
        for record in parse_records(self._git_output("log", *arguments, BRANCH)):
            if not records_version(record.trailers):
                continue
            captured_at = record.committer.moment
            if captured_at is None or not record.trailers[VERSION].isdigit():
                raise StoreCorrupt(
                    f"commit {record.commit[:12]} ({record.trailers[ARTICLE]}) has a date or version number "
                    "git or the archive cannot read: run archive verify"
                )
            entries.append(
                LogEntry(
                    commit=record.commit,
                    article_id=record.trailers[ARTICLE],
                    number=int(record.trailers[VERSION]),
                    captured_at=captured_at,
                    title=title_of(record.message),
                    url=record.trailers.get(URL),
                )
            )
        return entries

    def rules(self, commit: str | None = None) -> RulesFile | None:
        """The noise rules as of ``commit`` (default: the branch head); None when the store has none there."""
        from archive.store.rules import parse_rules

        found = self.rules_file(commit)
        return None if found is None else parse_rules(found[1], RULES_FILE, found[0], selectors=False)

    def rules_file(self, commit: str | None = None) -> tuple[str, bytes] | None:
        """The rules file as of ``commit`` (default: the branch head): its blob id and bytes, or None."""
        revision = commit or (BRANCH if self.head() else None)
        if revision is None:
            return None
        try:
            found = self._objects.read(f"{revision}:{RULES_FILE}")
        except KeyError:
            return None
        return found.sha, found.data

    def _read_object(self, spec: str) -> bytes:
        try:
            return self._objects.read(spec).data
        except KeyError:
            raise VersionNotFound(f"object {spec} is missing from the store") from None

    # --- whole-history reads, for archive.audit and archive.ingest.remote ---
    #
    # These read git directly, never the lookup index: verification must not
    # trust a cache. One `git log` pass lists every commit with the files it
    # changed; one `git cat-file --batch` process streams the objects.

    def git(
        self, *args: str, env: Mapping[str, str] | None = None, input: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """Run git in the store, for what has no method here (a remote's transport: fetch, push, ls-remote).

        ``GIT_OPTIONAL_LOCKS=0``: reading (``git status``) must not rewrite git's index. ``env``: more
        variables (a ``quarantine``'s). ``input``: what git reads on its standard input.
        """
        environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", **(env or {})}
        return subprocess.run(["git", "-C", str(self.path), *args], input=input, capture_output=True, env=environment)

    def _git_output(self, *args: str, stdin: IO[bytes] | None = None) -> str:
        """Run git in the store as GitPython's ``repo.git`` does (its environment, its output without the last
        newline), without loading GitPython; ``git.GitCommandError`` as GitPython raises it when git fails."""
        environment = {**os.environ, "LANGUAGE": "C", "LC_ALL": "C"}
        command = ["git", *args]
        result = subprocess.run(
            command, cwd=self.path, stdin=stdin or subprocess.DEVNULL, capture_output=True, env=environment
        )
        stdout, stderr = (data[:-1] if data.endswith(b"\n") else data for data in (result.stdout, result.stderr))
        if result.returncode != 0:
            raise git.GitCommandError(command, result.returncode, stderr, stdout)
        return stdout.decode("utf-8", "surrogateescape")

    @contextmanager
    def quarantine(self) -> Iterator[dict[str, str]]:
        """A temporary object directory for what a fetch brings, as git variables for ``git(env=...)``.

        git run with them reads the store's objects and writes new ones to the quarantine only. When
        the block ends normally, the new objects move into the store; when it raises (the remote is
        not a store, or the fetch failed), they are deleted and the store's objects are as they were.
        """
        try:
            incoming = Path(tempfile.mkdtemp(prefix="tmp_incoming_", dir=self._objects_dir))
        except OSError as error:
            raise StoreCorrupt(f"cannot write to the store at {self.path}: {_reason(error)}") from None
        try:
            yield {"GIT_OBJECT_DIRECTORY": str(incoming), "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(self._objects_dir)}
            # Packs: the pack before its index (git finds a pack through its index); then loose objects.
            for suffix in (".pack", ".rev", ".idx"):
                for path in sorted(incoming.glob(f"pack/*{suffix}")):
                    target = self._objects_dir / "pack" / path.name
                    target.parent.mkdir(exist_ok=True)
                    if not target.exists():
                        os.replace(path, target)
            for path in sorted(incoming.glob("[0-9a-f][0-9a-f]/*")):
                target = self._objects_dir / path.parent.name / path.name
                if not target.exists():
                    target.parent.mkdir(exist_ok=True)
                    os.replace(path, target)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)

    def commit_records(self, since: str | None = None) -> list[CommitRecord]:
        """Every commit of the branch (after ``since``, when given), oldest first, with the files each one changed.

        Raises StoreCorrupt when git cannot walk the history (a missing or corrupt commit or tree).
        """
        if self.head() is None:
            return []
        return self._commit_records(BRANCH if since is None else f"{since}..{BRANCH}")

    def files_at(self, commit: str, directories: Sequence[str]) -> dict[str, dict[str, str]]:
        """The files directly in each of ``directories`` ("" for the top) at ``commit``: {name: blob id}."""
        found: dict[str, dict[str, str]] = {directory: {} for directory in directories}
        below = [directory for directory in directories if directory]
        calls = [["ls-tree", "-z", commit]] if "" in found else []
        calls += [
            ["ls-tree", "-r", "-z", commit, "--", *below[start : start + 512]] for start in range(0, len(below), 512)
        ]
        for arguments in calls:
            result = self.git(*arguments)
            if result.returncode != 0:
                reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
                raise StoreCorrupt(f"git cannot read commit {commit[:12]}: {reason[0] if reason else 'ls-tree failed'}")
            for entry in filter(None, result.stdout.decode("utf-8", "replace").split("\0")):
                info, _, path = entry.partition("\t")
                _, kind, blob = info.split()
                directory, _, name = path.rpartition("/")
                if kind == "blob" and directory in found:
                    found[directory][name] = blob
        return found

    def _commit_records(self, revisions: str) -> list[CommitRecord]:
        result = self.git(
            "log", "--reverse", "--topo-order", "--root", "--raw", "--no-abbrev", "--no-renames",
            "--diff-merges=first-parent", "--date=raw", f"--format={RECORDS_FORMAT}", revisions, "--",
        )  # fmt: skip
        if result.returncode != 0:
            reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise StoreCorrupt(f"git cannot read the store's history: {reason[0] if reason else 'git log failed'}")
        return parse_records(result.stdout.decode("utf-8", "replace"))

    def read_objects(self, names: Sequence[str]) -> Iterator[tuple[str, bytes | None]]:
        """Each named object's data, in order, or None when it is missing or corrupt.

        Requests are written by a thread while this one reads, so there is no
        round trip per object. git dies on a corrupt object; the batch is then
        restarted after it.
        """
        position = 0
        while position < len(names):
            process = subprocess.Popen(
                ["git", "-C", str(self.path), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            assert process.stdin is not None and process.stdout is not None
            feeder = threading.Thread(target=_feed, args=(process.stdin, names[position:]), daemon=True)
            feeder.start()
            try:
                while position < len(names):
                    header = process.stdout.readline().split()
                    if len(header) == 2 and header[1] in (b"missing", b"ambiguous"):
                        yield names[position], None
                        position += 1
                        continue
                    if len(header) != 3:
                        break  # git died on this object
                    size = int(header[2])
                    data = process.stdout.read(size + 1)
                    if len(data) != size + 1:
                        break
                    yield names[position], data[:size]
                    position += 1
            finally:
                process.kill()
                process.wait()
                process.stdout.close()
                feeder.join()
            if position < len(names):
                yield names[position], None
                position += 1

    def fsck(self) -> list[str]:
        """What ``git fsck --full --strict`` finds wrong in the object database ([] when nothing).

        git names each object by how it is reached (``--name-objects``) only when run again on a store with
        problems: naming every object of a sound store was a tenth of the check's time.
        """
        result = self.git("fsck", "--full", "--strict", "--no-dangling", "--no-progress")
        if result.returncode != 0 or result.stdout.strip() or result.stderr.strip():
            result = self.git("fsck", "--full", "--strict", "--no-dangling", "--no-progress", "--name-objects")
        output = (result.stdout + result.stderr).decode("utf-8", "replace").splitlines()
        problems = [line for line in output if line.strip() and not line.startswith(("notice:", "Checking"))]
        if result.returncode != 0 and not problems:
            problems.append(f"git fsck failed with exit status {result.returncode}")
        return problems

    def working_tree_changes(self) -> list[tuple[str, str]]:
        """``git status`` of the working tree against the checked-out commit: (status, path) pairs.

        No ignore file hides anything (a file git ignores is listed as untracked, ``??``), except the
        one file ``init`` excludes: the project's ``README.md`` placeholder at the top, untracked.
        """
        result = self.git(
            "-c", "core.excludesFile=", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=matching"
        )  # fmt: skip
        if result.returncode != 0:
            reason = result.stderr.decode("utf-8", "replace").strip()
            return [("!!", f"git status failed: {reason}")]
        entries = result.stdout.decode("utf-8", "replace").split("\0")
        placeholder = PLACEHOLDER if _excludes_placeholder(self._location.git_dir) else None
        changes = []
        for entry in filter(None, entries):
            status, path = entry[:2], entry[3:]
            if status == "!!":
                if path == placeholder:
                    continue
                status = "??"
            changes.append((status, path))
        return changes

    def checked_out(self) -> tuple[str | None, str | None]:
        """The branch HEAD names (None when detached) and the commit it points at."""
        branch = self.git("symbolic-ref", "-q", "HEAD").stdout.decode().strip() or None
        commit = self.git("rev-parse", "-q", "--verify", "HEAD").stdout.decode().strip() or None
        return branch, commit

    # --- the journal of unchanged captures -----------------------------------

    def journal_unchanged(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Record captures that found no change: local and never committed, so history stays what was captured."""
        if not entries:
            return
        lines = "".join(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n" for entry in entries)
        with open(self.private_dir / JOURNAL_FILE, "a", encoding="utf-8") as journal:
            journal.write(lines)

    def captures_journal(self) -> tuple[list[dict[str, Any]], int]:
        """The journaled unchanged captures, and how many journal lines could not be read."""
        try:
            lines = (self.private_dir / JOURNAL_FILE).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return [], 0
        entries, unreadable = [], 0
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if isinstance(entry, dict):
                entries.append(entry)
            elif line.strip():
                unreadable += 1
        return entries, unreadable

    # --- writing -------------------------------------------------------------

    def identity(self) -> tuple[str, str]:
        """Who the commits are by, as (name, email): ``ARCHIVE_AUTHOR_NAME``/``_EMAIL``, else ``archive.name``/
        ``archive.email`` in the store's git config, else a fixed default, so that commit ids never depend on the
        user's own git settings by accident."""
        config = self._location.config
        name = os.environ.get("ARCHIVE_AUTHOR_NAME") or config("archive", "name") or DEFAULT_IDENTITY[0]
        email = os.environ.get("ARCHIVE_AUTHOR_EMAIL") or config("archive", "email") or DEFAULT_IDENTITY[1]
        return name, email

    @contextmanager
    def writing(self, timeout: float = LOCK_TIMEOUT, onto: str | None = None) -> Iterator[Writer]:
        """Hold the store's write lock and yield a Writer; publish its commits on success.

        Writers in other processes wait for the lock. If the block raises,
        nothing is published and the store is as it was: the objects it wrote
        are dropped (a single snapshot writes about eight, kept in memory and
        written loose; a bulk import streams its objects into one pack). With
        ``onto`` (a fetched commit, for ``archive pull``) the writer continues
        from that commit instead of the branch head; see ``Writer.local_only``.
        """
        if self.read_only:
            raise RuntimeError("this store was opened read-only")
        with self._locked(timeout):
            self._finish_interrupted_checkout()
            _check_format(self)
            self.refresh_index()
            start = self.head()
            objects = ObjectWriter(self._objects_dir, LOOSE_OBJECT_LIMIT)
            try:
                writer = self._writer(start, onto, objects)
                received = len(writer.rows)  # a pull's versions, signed (or not) by whoever recorded them
                yield writer
                beside = self.ref_writer(objects)
                self._sign(beside, writer.rows[received:])
                objects.finish()
                if writer.head is not None and writer.head != start:
                    dropped = {record.commit for record in writer.local_only}
                    # The rules file may change in this writer's commits or in those a pull brings.
                    self._publish(
                        start, writer.head, writer.rows, writer.touched, dropped, objects, beside.updates, (RULES_FILE,)
                    )
                self.journal_unchanged(writer.unchanged)
            except OSError as error:
                # A full disk, a quota, a read-only file system: one line naming the cause. Before the
                # branch moved, what this block wrote is removed below and the store is as it was.
                outcome = "the versions were stored" if self.head() != start else "nothing was stored"
                raise StoreCorrupt(f"cannot write to the store at {self.path}: {_reason(error)}; {outcome}") from None
            finally:
                objects.abort()
            if writer.head is not None and writer.head != start and writer.rows:
                self._stamp(writer.head, parse_time(writer.rows[-1][3]["captured_at"], end_of_day=False))

    @contextmanager
    def writing_beside(self, timeout: float = LOCK_TIMEOUT) -> Iterator[RefWriter]:
        """Hold the store's write lock and yield a RefWriter for the refs beside the branch (``archive.store.notes``).

        The refs move together when the block ends; if it raises, nothing moves and the objects it wrote are dropped.
        """
        if self.read_only:
            raise RuntimeError("this store was opened read-only")
        with self._locked(timeout):
            objects = ObjectWriter(self._objects_dir, LOOSE_OBJECT_LIMIT)
            try:
                beside = self.ref_writer(objects)
                yield beside
                objects.finish()
                if beside.updates:
                    self._move_refs(beside.updates, "archive: evidence")
                objects.keep()
            except OSError as error:
                reason = _reason(error)
                raise StoreCorrupt(f"cannot write to the store at {self.path}: {reason}; nothing was stored") from None
            except git.GitCommandError as error:
                reason = _reason(error)
                raise StoreBusy(f"the evidence refs moved during the write; nothing was recorded ({reason})") from None
            finally:
                objects.abort()

    def ref_writer(self, objects: ObjectWriter) -> RefWriter:
        """A RefWriter whose commits go into ``objects``, by the store's identity."""
        return RefWriter(objects, self._trees, lambda ref: tip(self, ref), self.identity())

    def signing_key(self) -> Path | None:
        """The collector's signing key (``archive sign --key``): local to this copy of the store, never shared."""
        value = self._location.config(*SIGNING_KEY_SETTING) or ""
        return Path(str(value)) if value else None

    def set_signing_key(self, key: Path) -> None:
        with self._repo.config_writer() as config:
            config.set_value(*SIGNING_KEY_SETTING, str(key))

    def _sign(self, beside: RefWriter, rows: Sequence[VersionRow]) -> None:
        """Sign the versions a write adds, before anything is published: a key that cannot sign refuses the write."""
        key = self.signing_key() if rows else None
        if key is None:
            return
        # Imported here: a store that signs nothing does not load it.
        from archive.store.signatures import sign_commits

        signatures = sign_commits(key, [row[2] for row in rows])
        newest = max(parse_time(row[3]["captured_at"], end_of_day=False) for row in rows)
        beside.add_notes(SIGNATURES_REF, signatures, newest, f"archive: sign {len(signatures)} version(s)")

    def _stamp(self, commit: str, when: datetime) -> None:
        """Ask the store's time-stamping authority for a token over ``commit`` (a write's new head), if it has one.

        After the write is published: a TSA that is down or answers wrongly never blocks a write. The
        failure becomes a notice, and ``archive timestamp`` asks again later.
        """
        if self._ref(EVIDENCE_REF) is None:  # no evidence settings, hence no TSA (and no git process to see it)
            return
        try:
            self._read_object(f"{EVIDENCE_REF}:{TIMESTAMPING_FILE}")  # through git's running cat-file: cheap
        except VersionNotFound:
            return
        # Imported here: a store without a TSA does not load them.
        from archive.store.timestamps import encode_note, request_token, tsa_settings

        url, bundle = tsa_settings(read_files(self, EVIDENCE_REF))
        if url is None or bundle is None:
            return
        try:
            token = request_token(url, commit, bundle)
        except (TimestampFailed, InvalidInput) as error:
            self.notices.append(f"{error}; the version is stored without a timestamp (run `archive timestamp` later)")
            return
        objects = ObjectWriter(self._objects_dir, LOOSE_OBJECT_LIMIT)
        try:
            beside = self.ref_writer(objects)
            beside.add_notes(TIMESTAMPS_REF, {commit: encode_note(token)}, when, "archive: timestamp")
            objects.finish()
            self._move_refs(beside.updates, "archive: timestamp")
            objects.keep()
        except (OSError, git.GitCommandError) as error:
            self.notices.append(f"cannot record the timestamp of {commit[:12]}: {_reason(error)}")
        finally:
            objects.abort()

    def _move_refs(self, updates: Mapping[str, tuple[str | None, str]], message: str) -> None:
        """Move every ref of ``updates`` (ref -> (expected tip, new tip)) in one git transaction, or none."""
        with tempfile.TemporaryFile() as commands:
            commands.write(
                "".join(f"update {ref} {new} {old or _NULL_COMMIT}\n" for ref, (old, new) in updates.items()).encode()
            )
            commands.seek(0)
            self._git_output("update-ref", "-m", message, "--stdin", stdin=commands)

    def _writer(self, start: str | None, onto: str | None, objects: ObjectWriter) -> Writer:
        """A writer continuing from the branch head ``start``, or from ``onto`` (see ``_pulled``)."""
        from archive.store.writer import Writer

        head = start
        view: dict[str, list[VersionRow]] = {}
        received: list[VersionRow] = []
        local_only: list[CommitRecord] = []
        if onto is not None and onto != start:
            head = onto
            view, received, local_only = self._pulled(start, onto)
        return Writer(
            head,
            lookup=self._index,
            texts=self.text,
            trees=self._trees,
            objects=objects,
            identity=self.identity(),
            view=view,
            received=received,
            local_only=local_only,
        )

    def _pulled(
        self, start: str | None, onto: str
    ) -> tuple[dict[str, list[VersionRow]], list[VersionRow], list[CommitRecord]]:
        """What continuing from ``onto`` instead of the branch head ``start`` changes: the versions of each article
        either one touched, as of ``onto``; the versions ``onto`` has that the branch lacks; and the branch's
        snapshot commits that ``onto`` lacks, oldest first."""
        local_only: list[CommitRecord] = []
        if start is not None:
            records = self._commit_records(f"{onto}..{start}")
            rules = next((record for record in records if records_rules(record)), None)
            if rules is not None:
                # A pull records this store's versions again on top of the remote's; a rules commit is not a
                # capture to record again, and dropping it would change what later versions were extracted with.
                raise HistoryConflict(
                    f"this store set its noise rules (commit {rules.commit[:12]}) after it last matched the remote, "
                    "and the remote has other commits since; nothing was changed (set the rules in one store, "
                    "push them, and pull them into the others)"
                )
            local_only = [r for r in records if r.trailers.get(ARTICLE)]
        theirs = list(self._scan_versions(f"{start}..{onto}" if start else onto))
        dropped = {record.commit for record in local_only}
        view: dict[str, list[VersionRow]] = {}
        for article in {row[0] for row in theirs} | {record.trailers[ARTICLE] for record in local_only}:
            kept = [row for row in self._index.versions(article) if row[2] not in dropped]
            view[article] = kept + [row for row in theirs if row[0] == article]
        return view, theirs, local_only

    @contextmanager
    def _locked(self, timeout: float) -> Iterator[None]:
        busy = f"another process has been writing to {self.path} for over {timeout:g} s"
        with ExitStack() as held:
            try:
                held.enter_context(exclusive(self.private_dir / LOCK_FILE, timeout, busy))
            except OSError as error:
                raise StoreCorrupt(f"cannot write to the store at {self.path}: {_reason(error)}") from None
            yield

    def _publish(
        self,
        old: str | None,
        new: str,
        rows: list[VersionRow],
        touched: set[str],
        dropped: set[str],
        objects: ObjectWriter,
        beside: Mapping[str, tuple[str | None, str]],
        files: Collection[str] = (),
    ) -> None:
        """Move the branch from ``old`` to ``new`` (the commit point), then update the working tree.

        ``dropped``: commits of ``old`` that ``new`` does not contain (a pull that re-recorded them).
        ``objects`` wrote ``new``: kept once the branch refers to it. ``beside``: refs beside the branch that move
        with it, in the same transaction (a write's signatures). ``files``: files at the top of the
        tree that changed (the rules file), besides the article directories ``touched``.
        """
        # The files of ``old``: what the working tree must hold before, and what the checkout changes.
        before = _TreeFiles(self._trees, old) if old is not None and not self.bare else None
        dirty = self._uncommitted_file(before, touched, files) if before is not None else None
        if dirty:
            raise StoreCorrupt(
                f"the store's working tree has uncommitted changes in {dirty}; nothing was "
                f"recorded (inspect with `git -C {self.path} status`)"
            )
        pending = self.private_dir / PENDING_FILE
        try:
            pending.write_text(f"{old or ''} {new}\n")
        except OSError:
            pending.unlink(missing_ok=True)
            raise
        try:
            self._move_refs({BRANCH: (old, new), **beside}, "archive: snapshot")
        except git.GitCommandError as error:
            pending.unlink(missing_ok=True)
            if self.head() == old:  # git could not write the ref (a full disk): not another writer
                raise StoreCorrupt(
                    f"cannot write to the store at {self.path}: {_reason(error)}; nothing was stored"
                ) from None
            raise StoreBusy(
                f"the store's branch moved during the write; nothing was recorded ({_reason(error)})"
            ) from None
        objects.keep()
        if self._checkout(old, new, touched, before, files):
            pending.unlink(missing_ok=True)
        if self._index.head == old and dropped:
            kept = [row for row in self._index.all_versions() if row[2] not in dropped]
            self._index.update(kept + rows, new, reset=True)
        elif self._index.head == old:
            self._index.update(rows, new)

    def _uncommitted_file(self, files: _TreeFiles, directories: Iterable[str], top: Iterable[str] = ()) -> str | None:
        """A file in ``directories`` (or ``top``, files at the top) whose working-tree copy is not what ``files``
        (a commit's) holds, or that it lacks.

        Checked by hashing the few files of each article directory a write
        touches, rather than with ``git status``, which reads git's whole
        index (a quarter of a second at 100,000 articles).
        """
        for directory in sorted(directories):
            expected = files.at(directory)
            folder = self.path / directory
            present = {path.name for path in folder.iterdir()} if folder.is_dir() else set()
            for name in sorted(present | expected.keys()):
                path = folder / name
                intact = name in expected and path.is_file() and object_id(b"blob", path.read_bytes()) == expected[name]
                if not intact:
                    return f"{directory}/{name}"
        expected = files.at("")
        for name in sorted(top):
            path = self.path / name
            found = object_id(b"blob", path.read_bytes()) if path.is_file() else None
            if found != expected.get(name) or (path.exists() and not path.is_file()):
                return name
        return None

    def _checkout(
        self, old: str | None, new: str, directories: set[str], before: _TreeFiles | None, top: Collection[str] = ()
    ) -> bool:
        """Bring the working tree from ``old`` (whose files ``before`` reads) to ``new``, which differ in
        ``directories`` (article directories); False if git could not (the next writer retries).

        ``git read-tree -m -u`` walks the whole tree and index, which made a
        commit of one version cost 230 ms at 30,000 articles; a few changed
        articles are compared tree by tree here and checked out by name
        instead. A bulk write, which changes many, pays the walk once.
        """
        if self.bare:
            return True
        try:
            if before is None or old is None:  # the store's first commit
                self._git_output("read-tree", "--reset", "-u", new)
            elif len(directories) > CHECKOUT_WALK_ABOVE:
                self._git_output("read-tree", "-m", "-u", old, new)
            else:
                after = _TreeFiles(self._trees, new)
                present: list[str] = []
                deleted: list[str] = []
                for directory in sorted(directories):
                    old_files, new_files = before.at(directory), after.at(directory)
                    present += [f"{directory}/{name}" for name, sha in new_files.items() if old_files.get(name) != sha]
                    deleted += [f"{directory}/{name}" for name in old_files.keys() - new_files.keys()]
                old_top, new_top = before.at(""), after.at("")
                present += [name for name in sorted(top) if name in new_top and old_top.get(name) != new_top[name]]
                deleted += [name for name in sorted(top) if name in old_top and name not in new_top]
                self._check_out_files(new, present, deleted)
        except git.GitCommandError:
            return False
        return True

    def _finish_interrupted_checkout(self) -> None:
        """A writer died after the branch moved but before the working tree followed: finish its checkout.

        Its ``git update-ref`` or ``git read-tree`` may have died too, leaving
        git's lock files and some of the new files behind. We hold the store's
        lock, so those git locks are stale; the files it touched are exactly
        those that differ between the two commits, which we check out by force.
        """
        pending = self.private_dir / PENDING_FILE
        if not pending.exists():
            return
        git_dir = self._location.git_dir
        for stale in (git_dir / f"{BRANCH}.lock", git_dir / "index.lock"):
            stale.unlink(missing_ok=True)
        old, _, new = pending.read_text().strip().rpartition(" ")
        if self.head() == new and not self.bare:
            if old:
                self._force_checkout_changes(old, new)
            else:
                self._git_output("read-tree", "--reset", "-u", new)
        pending.unlink(missing_ok=True)

    def _force_checkout_changes(self, old: str, new: str) -> None:
        """Write the files that differ between ``old`` and ``new`` into the index and working tree."""
        changes = self._git_output("diff-tree", "-r", "-z", "--name-status", "--no-renames", old, new).split("\0")
        present: list[str] = []
        deleted: list[str] = []
        for status, path in zip(changes[0::2], changes[1::2], strict=False):
            (deleted if status == "D" else present).append(path)
        self._check_out_files(new, present, deleted)

    def _check_out_files(self, commit: str, present: list[str], deleted: list[str]) -> None:
        """Put ``present`` as ``commit`` has them into the index and working tree; take ``deleted`` out of both.

        One git command for each list, whatever its length (the paths go through stdin).
        """
        if present:
            with _nul_list(present) as listing:
                self._git_output("checkout", commit, "--pathspec-from-file=-", "--pathspec-file-nul", stdin=listing)
        if deleted:
            with _nul_list(deleted) as listing:
                self._git_output(
                    "rm",
                    "-q",
                    "--cached",
                    "--ignore-unmatch",
                    "--pathspec-from-file=-",
                    "--pathspec-file-nul",
                    stdin=listing,
                )
            for path in deleted:
                (self.path / path).unlink(missing_ok=True)


class _Location:
    """Where a repository's parts are (found as git finds them, without GitPython), its config, and GitPython's
    ``Repo`` over it, made when first asked for."""

    def __init__(self, git_dir: Path, work_tree: Path | None) -> None:
        self.git_dir = git_dir
        self.work_tree = work_tree
        common = git_dir / "commondir"  # a linked worktree's: the shared objects and refs
        self.common_dir = (git_dir / common.read_text().strip()).resolve() if common.is_file() else git_dir
        self._repo: git.Repo | None = None

    @classmethod
    def of(cls, path: Path) -> _Location:
        """The repository at ``path`` (its working tree, or a bare repository); NotAStore when there is none."""
        folder = path.resolve()
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return cls(dot_git, folder)
        if dot_git.is_file():  # "gitdir: DIR": a linked worktree or a submodule
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                return cls((folder / text.removeprefix("gitdir:").strip()).resolve(), folder)
        if (folder / "HEAD").is_file() and (folder / "objects").is_dir():
            return cls(folder, None)
        raise NotAStore(f"{path} is not an archive store (create one with `archive init`)")

    def opened(self, repo: git.Repo) -> _Location:
        """This location with ``repo`` (just made by ``Store.init``) as its GitPython view."""
        self._repo = repo
        return self

    def repo(self) -> git.Repo:
        if self._repo is None:
            try:
                self._repo = git.Repo(self.work_tree or self.git_dir, search_parent_directories=False)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                raise NotAStore(f"{self.work_tree or self.git_dir} is not an archive store") from None
        return self._repo

    def config(self, section: str, key: str) -> str | None:
        """A setting (``[section] key = value``) as GitPython's ``config_reader()`` reads it: from the system's,
        the user's and the repository's config files, the last one that has it; None when none does."""
        found = None
        for path in _config_paths(self.common_dir):
            found = _config_values(path).get((section.lower(), key.lower()), found)
        return found

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()


@functools.lru_cache(maxsize=16)
def _config_file(path: Path, stamp: tuple[int, int]) -> dict[tuple[str, str], str]:
    values: dict[tuple[str, str], str] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8-sig", errors="replace").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line[1:].split("]", 1)[0].strip().lower()
            continue
        name, _, value = line.partition("=")
        values[(section, name.strip().lower())] = _config_value(value)
    return values


def _config_value(text: str) -> str:
    """A config value as GitPython reads a one-line one: an unquoted ``#`` or ``;`` starts a comment, and a value
    quoted whole loses its quotes and has its escapes (``\\"``, ``\\\\``, ``\\t``…) decoded."""
    quoted = escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char in "#;" and not quoted:
            text = text[:index]
            break
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"' and not re.search(r'(?:^|[^\\])(?:\\\\)*"', value[1:-1]):
        escapes = {"b": "\b", "n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
        return re.sub(r"\\(.)", lambda found: escapes.get(found.group(1), found.group(0)), value[1:-1])
    return value


def _config_values(path: Path) -> dict[tuple[str, str], str]:
    """The plain ``[section] key = value`` settings of a git config file (what the store itself writes there;
    no includes, no subsections' quoting rules): read again only when the file changed."""
    try:
        status = path.stat()
    except OSError:
        return {}
    return _config_file(path, (status.st_mtime_ns, status.st_size))


def _config_paths(common_dir: Path) -> list[Path]:
    """The config files GitPython reads, in its order (system, user, global, repository)."""
    user = Path(os.environ.get("XDG_CONFIG_HOME") or Path("~", ".config")) / "git" / "config"
    return [Path("/etc/gitconfig"), user.expanduser(), Path("~/.gitconfig").expanduser(), common_dir / "config"]


def _is_store(location: _Location) -> bool:
    """A store's config says its format; a clone of one has the marker on its branch."""
    if location.config("archive", "format") is not None:
        return True
    found = subprocess.run(
        ["git", "-C", str(location.work_tree or location.git_dir), "cat-file", "-e", f"{BRANCH}:{MARKER_FILE}"],
        capture_output=True,
    )
    return found.returncode == 0


class _TreeFiles:
    """The files of a commit's directories, read tree by tree and remembered: {name: blob id}."""

    def __init__(self, trees: TreeReader, commit: str) -> None:
        self._reader = trees
        self._root = trees.root(commit)
        self._trees: dict[bytes, TreeEntries] = {}

    def at(self, directory: str) -> dict[str, bytes]:
        tree = self._root
        for name in filter(None, directory.split("/")):  # "": the top of the tree
            entry = self._entries(tree).get(name)
            tree = entry[1] if entry and entry[0] == TREE_MODE else None
        return {name: sha for name, (mode, sha) in self._entries(tree).items() if mode != TREE_MODE}

    def _entries(self, tree: bytes | None) -> TreeEntries:
        if tree is None:
            return {}
        if tree not in self._trees:
            self._trees[tree] = self._reader.entries(tree)
        return self._trees[tree]


# The marker every store of this format holds (``metadata.marker_yaml()``), by its blob id: a store whose marker
# is this blob needs no YAML read to open (tests/test_startup.py checks the id against the marker).
MARKER_BLOB = "e0c0b48ea5bced6e66a705cff3751250da3602f4"


def _marker_format(marker: GitObject) -> int | None:
    """The format a store marker declares (None when it is not a readable marker)."""
    if marker.sha == MARKER_BLOB:
        return FORMAT_VERSION
    from archive.store.metadata import marker_format

    return marker_format(marker.data)


def _load_yaml(data: bytes) -> Any:
    from archive.store.metadata import load_yaml

    return load_yaml(data)


def _check_format(store: Store) -> None:
    """Refuse a store of a format newer than this archive reads."""
    found = store.format_version()
    if found > FORMAT_VERSION:
        raise StoreCorrupt(
            f"{store.path} has store format {found}, newer than this archive supports ({FORMAT_VERSION}); "
            "upgrade archive"
        )


def _is_article_id(reference: str) -> bool:
    try:
        validate_article_id(reference)
    except InvalidInput:
        return False
    return True


def _feed(stream: IO[bytes], names: Sequence[str]) -> None:
    try:
        for start in range(0, len(names), 1024):
            stream.write("".join(name + "\n" for name in names[start : start + 1024]).encode())
        stream.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # git died on a corrupt object; the reader restarts it


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, git.GitCommandError):
        return (error.stderr or str(error)).strip().splitlines()[-1] if (error.stderr or "").strip() else str(error)
    return str(error)


# The one file a store's folder may hold besides the store: the project's ``snapshots/README.md``, which
# says what the folder is. ``init`` accepts a folder holding only it, and excludes it in git's
# ``info/exclude``, so that it stays untracked and verify does not report it (docs/store-format.md).
PLACEHOLDER = "README.md"
_PLACEHOLDER_PATTERN = "/" + PLACEHOLDER


def _exclude_path(git_dir: Path) -> Path:
    return git_dir / "info" / "exclude"


def _excludes_placeholder(git_dir: Path) -> bool:
    try:
        lines = _exclude_path(git_dir).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return _PLACEHOLDER_PATTERN in lines


def _exclude_placeholder(repo: git.Repo) -> None:
    """Record the placeholder in ``info/exclude`` when the working tree holds it and the branch does not."""
    if repo.bare or repo.working_tree_dir is None or _excludes_placeholder(Path(repo.git_dir)):
        return
    if not (Path(repo.working_tree_dir) / PLACEHOLDER).is_file():
        return
    if repo.head.is_valid() and PLACEHOLDER in {entry.name for entry in repo.head.commit.tree.blobs}:
        return
    path = _exclude_path(Path(repo.git_dir))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        separator = "" if not existing or existing.endswith("\n") else "\n"
        path.write_text(f"{existing}{separator}{_PLACEHOLDER_PATTERN}\n", encoding="utf-8")
    except OSError as error:
        raise NotAStore(f"cannot record {PLACEHOLDER} in {path}: {_reason(error)}") from None
