"""The git-backed store: one directory per article, one commit per new version.

This is the only module that imports git. Writes build blobs, trees and the
commit object directly (no index, no working-tree staging), then move the
branch with a compare-and-swap ``update-ref`` while holding the store's lock:
until the ref moves, nothing a reader can see has changed, so a crash or a
failure at any point leaves the store at its last good state. The working
tree is only a view of the branch, brought up to date after the ref moves.
The layout is documented in ``docs/store-format.md``.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import git
import yaml
from git.objects.fun import tree_entries_from_data

from archive.compare.words import count_words, word_diff
from archive.errors import (
    ArticleNotFound,
    InvalidInput,
    NotAStore,
    StoreBusy,
    StoreCorrupt,
    VersionNotFound,
)
from archive.ids import article_id_from_url, validate_article_id
from archive.model import ArticleSummary, LogEntry, Version, format_time, parse_time, select_version
from archive.store.lookup import Index, VersionRow
from archive.store.objects import ObjectWriter

__all__ = [
    "FORMAT_VERSION",
    "BRANCH",
    "TEXT_FILE",
    "META_FILE",
    "MARKER_FILE",
    "TRACKED_FIELDS",
    "Store",
    "Writer",
    "NewVersion",
    "AddResult",
    "CommitRecord",
    "Signature",
    "article_dir",
    "article_of_path",
    "raw_file_name",
    "text_sha256",
    "canonical_yaml",
    "load_yaml",
    "default_store_path",
]

FORMAT_VERSION = 1
BRANCH = "refs/heads/main"
MARKER_FILE = "archive.yaml"
ARTICLES_DIR = "articles"
SHARD_LEVELS = 4  # directories between ARTICLES_DIR and an article's, one hex digit each (see article_dir)
TEXT_FILE = "text.txt"
META_FILE = "meta.yaml"
DEFAULT_IDENTITY = ("archive", "archive@localhost")
LOCK_TIMEOUT = 120.0
# A write that changes more article directories than this updates the working tree in one walk.
CHECKOUT_WALK_ABOVE = 200
# A writing() block with more objects than this writes one pack instead of loose objects.
LOOSE_OBJECT_LIMIT = 64
# The metadata that, with the text, decides whether a capture is a new version.
# Capture details (time, HTTP headers, raw bytes) change on every fetch and do not.
TRACKED_FIELDS = ("title", "authors", "published", "canonical_url")

_NULL_COMMIT = "0" * 40
_TREE_MODE, _FILE_MODE = 0o040000, 0o100644
_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*): (.+)$")


def default_store_path() -> Path:
    """``ARCHIVE_STORE`` if set, else ``./snapshots``."""
    return Path(os.environ.get("ARCHIVE_STORE") or "snapshots")


def article_dir(article_id: str) -> str:
    """Where an article lives: ``articles/a/b/c/d/<id>``, where ``abcd…`` is the sha256 of its id in hex.

    A commit rewrites every tree on its article's path, so their size is what
    a commit costs in time and disk. Four levels of 16 give 65,536 leaves and
    keep every tree on the path small (16 entries, and about 15 articles in
    a leaf at a million): about 2 KB of trees a commit, where two levels of
    256 cost 15 KB.
    """
    digest = hashlib.sha256(article_id.encode("utf-8")).hexdigest()
    return "/".join((ARTICLES_DIR, *digest[:SHARD_LEVELS], article_id))


def article_of_path(path: str) -> str | None:
    """The article whose directory a path in the store is in (by its place, even a misplaced one), else None."""
    parts = path.split("/")
    depth = SHARD_LEVELS + 1
    return parts[depth] if len(parts) > depth + 1 and parts[0] == ARTICLES_DIR else None


def raw_file_name(media_type: str) -> str:
    """The raw capture's file name, its extension telling how it was read."""
    if media_type in ("text/html", "application/xhtml+xml"):
        return "raw.html"
    if media_type in ("text/markdown", "text/x-markdown"):
        return "raw.md"
    return "raw.txt"


def _nul_list(paths: Sequence[str]) -> IO[bytes]:
    """Paths for git's ``--pathspec-from-file=- --pathspec-file-nul`` on its stdin (which must be a real file):
    no limit on the command line's length."""
    listing = tempfile.TemporaryFile()  # noqa: SIM115 (the caller closes it)
    listing.write(b"".join(path.encode("utf-8") + b"\0" for path in paths))
    listing.seek(0)
    return listing


def _blob_id(data: bytes) -> bytes:
    """The binary object id git gives a file with this content."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).digest()


def canonical_yaml(data: Mapping[str, Any]) -> str:
    """YAML with sorted keys, UTF-8 characters as themselves and no line folding."""
    fast = _plain_yaml(data, "")
    if fast is not None:
        return fast or "{}\n"
    return yaml.dump(
        dict(data),
        Dumper=_YAML_DUMPER,
        sort_keys=True,
        allow_unicode=True,
        default_flow_style=False,
        width=2**31 - 1,
    )


def load_yaml(text: str | bytes) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)


# --- the common case of canonical_yaml without PyYAML (a bulk import writes one meta.yaml per version) ---
#
# Metadata is nested mappings of short strings, integers, nulls and lists of
# strings. Emitting those takes a few lines, when every string may be written
# plain (unquoted): what PyYAML does then is fixed. Anything else (a string
# that needs quotes, a float, a list of mappings) returns None and PyYAML
# writes the whole document, so the output is always byte for byte PyYAML's.
# tests/test_bulk.py compares the two on real and random metadata.

_PLAIN_FIRST_FORBIDDEN = frozenset("#,[]{}&*!|>'\"%@`?:-. ")
_YAML_RESOLVER = yaml.resolver.Resolver()


def _is_plain(text: str) -> bool:
    """True when PyYAML writes ``text`` plain in block context: printable, one line, no indicator, read back as str."""
    return _yaml_style(text) == ""


@functools.lru_cache(maxsize=1 << 16)
def _yaml_style(text: str) -> str | None:
    """How PyYAML writes ``text`` in block context: "" plain, "'" single-quoted (a date, a number, a bool),
    None: some other way, left to PyYAML."""
    if not text or text[0] in _PLAIN_FIRST_FORBIDDEN or text[-1] in " :":
        return None
    if ": " in text or " #" in text or "'" in text:
        return None
    for ch in text:
        # libyaml's printable set (the Basic Multilingual Plane only), less its line breaks.
        if not ("\x20" <= ch <= "\x7e" or "\xa0" <= ch <= "\ud7ff" or "\ue000" <= ch <= "\ufffd"):
            return None
        if ch in "\u2028\u2029\ufeff":
            return None
    tag = _YAML_RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return "" if tag == "tag:yaml.org,2002:str" else "'"


def _plain_scalar(value: Any) -> str | None:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        style = _yaml_style(value)
        return None if style is None else f"{style}{value}{style}"
    return None


def _plain_yaml(data: Mapping[str, Any], indent: str) -> str | None:
    """``data`` as PyYAML's block-style YAML, or None when a value is outside the simple case."""
    lines = []
    for key in sorted(data):
        if not isinstance(key, str) or not _is_plain(key):
            return None
        value = data[key]
        if isinstance(value, Mapping):
            if not value:
                lines.append(f"{indent}{key}: {{}}\n")
                continue
            inner = _plain_yaml(value, indent + "  ")
            if inner is None:
                return None
            lines.append(f"{indent}{key}:\n{inner}")
        elif isinstance(value, (list, tuple)):
            if not value:
                lines.append(f"{indent}{key}: []\n")
                continue
            items = [_plain_scalar(item) if isinstance(item, str) else None for item in value]
            if any(item is None for item in items):
                return None
            lines.append(f"{indent}{key}:\n" + "".join(f"{indent}- {item}\n" for item in items))
        else:
            scalar = _plain_scalar(value)
            if scalar is None:
                return None
            lines.append(f"{indent}{key}: {scalar}\n")
    return "".join(lines)


_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_sha256(text: str) -> str:
    """The hash a version records for its text (``meta.yaml``: ``text.sha256``)."""
    return _sha256(text.encode("utf-8"))


@dataclass(frozen=True)
class NewVersion:
    """A capture ready to be stored: canonical text, raw bytes, and descriptive metadata."""

    article_id: str
    text: str
    raw: bytes
    raw_media_type: str
    captured_at: datetime
    metadata: Mapping[str, Any]
    # Who the commit is by, as (name, email): set when replaying recorded history
    # (``archive rebuild``); None means the store's identity.
    author: tuple[str, str] | None = None


@dataclass(frozen=True)
class AddResult:
    """The version a capture became, or the unchanged version it matched (``created`` False)."""

    version: Version
    created: bool


def _parse_trailers(message: str) -> dict[str, str]:
    _, _, body = message.partition("\n\n")
    trailers = {}
    for line in body.splitlines():
        match = _TRAILER.match(line)
        if match:
            trailers[match.group(1)] = match.group(2)
    return trailers


def _version_from_row(row: VersionRow) -> Version:
    article, number, commit, metadata = row
    return Version(article, number, commit, parse_time(metadata["captured_at"]), metadata)


class Store:
    """An archive store: a git repository with one directory per article."""

    def __init__(self, repo: git.Repo, read_only: bool = False) -> None:
        self._repo = repo
        self.path = Path(repo.working_tree_dir or repo.git_dir)
        self._archive_dir = Path(repo.git_dir) / "archive"
        self._objects_dir = Path(repo.common_dir) / "objects"
        # Opened on first use, so that opening a store writes nothing; a read-only
        # store (the integrity commands) keeps its lookup index in memory.
        self.read_only = read_only
        self._index_file: Index | None = None
        # Set inside a writing() block: where its objects go, and who its commits are by.
        self._objects: ObjectWriter | None = None
        self._actor: git.Actor | None = None

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
            repo = cls._repo_at(store_path)
            if cls._is_store(repo):
                return cls(repo)
            if repo.head.is_valid():
                raise NotAStore(f"{store_path} is a git repository with history that is not an archive store")
        else:
            try:
                store_path.mkdir(parents=True, exist_ok=True)
                repo = git.Repo.init(store_path, bare=bare, initial_branch=BRANCH.rsplit("/", 1)[-1])
            except (OSError, git.GitCommandError) as error:
                raise NotAStore(f"cannot create a store at {store_path}: {_reason(error)}") from None
        with repo.config_writer() as config:
            config.set_value("archive", "format", str(FORMAT_VERSION))
        return cls(repo)

    @property
    def bare(self) -> bool:
        """True for a store without a working tree (see ``init``)."""
        return bool(self._repo.bare)

    @classmethod
    def open(cls, path: str | Path, read_only: bool = False) -> Store:
        """Open the store at ``path``; raise NotAStore if it is not one.

        ``read_only`` promises that nothing under ``path`` is written, not even
        the lookup index (it is then built in memory when needed).
        """
        store_path = Path(path)
        if store_path.exists() and not store_path.is_dir():
            raise NotAStore(f"{store_path} is a file, not an archive store (--store names a folder)")
        if not store_path.is_dir():
            raise NotAStore(f"no archive store at {store_path} (create one with `archive init`)")
        repo = cls._repo_at(store_path)
        if not cls._is_store(repo):
            raise NotAStore(f"{store_path} is not an archive store (create one with `archive init`)")
        store = cls(repo, read_only=read_only)
        try:
            store._check_format()
        except BaseException:
            store.close()
            raise
        return store

    @property
    def _index(self) -> Index:
        if self._index_file is None:
            self._index_file = Index(None if self.read_only else self._archive_dir / "index.sqlite3")
        return self._index_file

    @staticmethod
    def _repo_at(path: Path) -> git.Repo:
        try:
            return git.Repo(path, search_parent_directories=False)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise NotAStore(f"{path} is not an archive store (create one with `archive init`)") from None

    @staticmethod
    def _is_store(repo: git.Repo) -> bool:
        reader = repo.config_reader()
        if reader.has_option("archive", "format"):
            return True
        try:
            repo.git.cat_file("-e", f"{BRANCH}:{MARKER_FILE}")
            return True
        except git.GitCommandError:
            return False

    def format_version(self) -> int:
        """The store's format, as recorded in its tree (or its config, before the first snapshot)."""
        try:
            marker = load_yaml(self._read_object(f"{BRANCH}:{MARKER_FILE}"))
            return int(marker["format"])
        except VersionNotFound:
            return int(self._repo.config_reader().get_value("archive", "format", FORMAT_VERSION))
        except (TypeError, KeyError, ValueError, yaml.YAMLError):
            raise StoreCorrupt(f"{self.path}: {MARKER_FILE} is not a valid store marker") from None

    def _check_format(self) -> None:
        found = self.format_version()
        if found > FORMAT_VERSION:
            raise StoreCorrupt(
                f"{self.path} has store format {found}, newer than this archive supports ({FORMAT_VERSION}); "
                "upgrade archive"
            )

    def close(self) -> None:
        if self._index_file is not None:
            self._index_file.close()
        self._repo.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading -------------------------------------------------------------

    def head(self) -> str | None:
        """The commit the store's branch points at, or None for an empty store."""
        try:
            return str(self._repo.git.rev_parse("--verify", "--quiet", BRANCH))
        except git.GitCommandError:
            return None

    def refresh_index(self) -> None:
        """Bring the lookup index up to the branch head, incrementally when possible."""
        head = self.head()
        stamp = self._index.head
        if stamp == head:
            return
        if head is None:
            self._index.update([], None, reset=True)
            return
        incremental = stamp is not None and self._is_ancestor(stamp, head)
        revisions = f"{stamp}..{head}" if incremental else head
        self._index.update(self._scan_versions(revisions), head, reset=not incremental)

    def _is_ancestor(self, ancestor: str, descendant: str) -> bool:
        try:
            return self._repo.is_ancestor(ancestor, descendant)  # type: ignore[arg-type]  # any rev is accepted
        except git.GitCommandError:
            return False

    def _scan_versions(self, revisions: str) -> Iterator[VersionRow]:
        """The versions recorded by the commits in ``revisions``, oldest first."""
        log = self._repo.git.log("--reverse", "--topo-order", "--format=%H%x1f%B%x1e", revisions)
        for record in log.split("\x1e"):
            commit, _, message = record.strip("\n").partition("\x1f")
            trailers = _parse_trailers(message)
            if not commit or "Article" not in trailers or "Version" not in trailers:
                continue
            article = trailers["Article"]
            metadata = load_yaml(self._read_object(f"{commit}:{article_dir(article)}/{META_FILE}"))
            yield article, int(trailers["Version"]), commit, metadata

    def article_ids(self) -> list[str]:
        self.refresh_index()
        return self._index.article_ids()

    def articles(self) -> list[ArticleSummary]:
        """Every article with its number of versions and first and last capture."""
        self.refresh_index()
        by_article: dict[str, list[VersionRow]] = {}
        for row in self._index.all_versions():
            by_article.setdefault(row[0], []).append(row)
        summaries = []
        for article, rows in by_article.items():
            latest = rows[-1][3]
            captured = [parse_time(row[3]["captured_at"]) for row in rows]
            summaries.append(
                ArticleSummary(
                    article_id=article,
                    title=latest.get("title") or "",
                    url=latest.get("url"),
                    canonical_url=latest.get("canonical_url"),
                    versions=len(rows),
                    first_seen=min(captured),
                    last_seen=max(captured),
                )
            )
        return summaries

    def find_article(self, reference: str) -> str:
        """Resolve an article id, URL, or unambiguous prefix of either to an article id."""
        self.refresh_index()
        reference = reference.strip()
        if not reference:
            raise ArticleNotFound("no article given")
        ids = self._index.article_ids()
        if reference in ids:
            return reference
        by_url = self.article_for_url(reference)
        if by_url:
            return by_url
        matches = sorted(
            set(self._index.articles_with_url(reference))
            | {a for a in ids if a.startswith(reference)}
            | {a for a, url in self._index.urls() if url.startswith(reference)}
        )
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ArticleNotFound(f"no article matches {reference!r} (see `archive list`)")
        shown = ", ".join(matches[:5]) + (", …" if len(matches) > 5 else "")
        raise ArticleNotFound(f"{reference!r} matches {len(matches)} articles ({shown}); give more of the id")

    def article_for_url(self, url: str) -> str | None:
        """The one article captured under ``url`` (as fetched or as canonical), or whose id it derives."""
        self.refresh_index()
        matches = self._index.articles_with_url(url)
        if len(matches) == 1:
            return matches[0]
        if not matches and url.lower().startswith(("http://", "https://")):
            try:
                derived = article_id_from_url(url)
            except InvalidInput:
                return None
            if self._index.latest(derived) is not None:
                return derived
        return None

    def versions(self, article_id: str) -> list[Version]:
        """Every version of an article, oldest first."""
        self.refresh_index()
        rows = self._index.versions(article_id)
        if not rows:
            raise ArticleNotFound(f"no article with id {article_id!r} (see `archive list`)")
        return [_version_from_row(row) for row in rows]

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
        arguments = ["--topo-order", "--format=%H%x1f%ct%x1f%B%x1e"]
        if limit is not None:
            arguments.append(f"--max-count={limit}")
        if self.head() is None:
            return []
        entries = []
        for record in self._repo.git.log(*arguments, BRANCH).split("\x1e"):
            fields = record.strip("\n").split("\x1f", 2)
            if len(fields) != 3:
                continue
            commit, timestamp, message = fields
            trailers = _parse_trailers(message)
            if "Article" not in trailers or "Version" not in trailers:
                continue
            subject = message.split("\n", 1)[0]
            entries.append(
                LogEntry(
                    commit=commit,
                    article_id=trailers["Article"],
                    number=int(trailers["Version"]),
                    captured_at=datetime.fromtimestamp(int(timestamp), UTC),
                    title=subject.split(": ", 1)[1] if ": " in subject else "",
                    url=trailers.get("URL"),
                )
            )
        return entries

    def _read_object(self, spec: str) -> bytes:
        try:
            return self._repo.git.get_object_data(spec)[3]
        except (ValueError, git.GitCommandError):
            raise VersionNotFound(f"object {spec} is missing from the store") from None

    # --- whole-history reads, for archive.verify, archive.audit and archive.reproduce ---
    #
    # These read git directly, never the lookup index: verification must not
    # trust a cache. One `git log` pass lists every commit with the files it
    # changed; one `git cat-file --batch` process streams the objects.

    def _git(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        # GIT_OPTIONAL_LOCKS=0: reading (`git status`) must not rewrite the index.
        environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
        return subprocess.run(["git", "-C", str(self.path), *args], capture_output=True, env=environment)

    def commit_records(self) -> list[CommitRecord]:
        """Every commit of the branch, oldest first, with the files each one changed.

        Raises StoreCorrupt when git cannot walk the history (a missing or corrupt commit or tree).
        """
        if self.head() is None:
            return []
        fields = "%x1f".join(("%H", "%P", "%an", "%ae", "%ad", "%cn", "%ce", "%cd", "%B"))
        result = self._git(
            "log", "--reverse", "--topo-order", "--root", "--raw", "--no-abbrev", "--no-renames",
            "--diff-merges=first-parent", "--date=raw", f"--format=%x1e{fields}%x1f", BRANCH, "--",
        )  # fmt: skip
        if result.returncode != 0:
            reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise StoreCorrupt(f"git cannot read the store's history: {reason[0] if reason else 'git log failed'}")
        return [_commit_record(chunk) for chunk in result.stdout.decode("utf-8", "replace").split("\x1e")[1:]]

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
        """What ``git fsck --full --strict`` finds wrong in the object database ([] when nothing)."""
        result = self._git("fsck", "--full", "--strict", "--no-dangling", "--no-progress", "--name-objects")
        output = (result.stdout + result.stderr).decode("utf-8", "replace").splitlines()
        problems = [line for line in output if line.strip() and not line.startswith(("notice:", "Checking"))]
        if result.returncode != 0 and not problems:
            problems.append(f"git fsck failed with exit status {result.returncode}")
        return problems

    def working_tree_changes(self) -> list[tuple[str, str]]:
        """``git status`` of the working tree against the checked-out commit: (status, path) pairs."""
        result = self._git("status", "--porcelain=v1", "-z", "--untracked-files=all")
        if result.returncode != 0:
            reason = result.stderr.decode("utf-8", "replace").strip()
            return [("!!", f"git status failed: {reason}")]
        entries = result.stdout.decode("utf-8", "replace").split("\0")
        return [(entry[:2], entry[3:]) for entry in entries if entry]

    def checked_out(self) -> tuple[str | None, str | None]:
        """The branch HEAD names (None when detached) and the commit it points at."""
        branch = self._git("symbolic-ref", "-q", "HEAD").stdout.decode().strip() or None
        commit = self._git("rev-parse", "-q", "--verify", "HEAD").stdout.decode().strip() or None
        return branch, commit

    def _journal_file(self) -> Path:
        return self._archive_dir / "captures.jsonl"

    def _journal_unchanged(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Record captures that found no change: local and never committed, so history stays what was captured."""
        if not entries:
            return
        lines = "".join(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n" for entry in entries)
        with open(self._journal_file(), "a", encoding="utf-8") as journal:
            journal.write(lines)

    def captures_journal(self) -> tuple[list[dict[str, Any]], int]:
        """The journaled unchanged captures, and how many journal lines could not be read."""
        try:
            lines = self._journal_file().read_text(encoding="utf-8").splitlines()
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

    def identity(self) -> git.Actor:
        """Who the commits are by: ``ARCHIVE_AUTHOR_NAME``/``_EMAIL``, else ``archive.name``/``archive.email``
        in the store's git config, else a fixed default, so that commit ids never depend on the user's
        own git settings by accident."""
        reader = self._repo.config_reader()
        name = os.environ.get("ARCHIVE_AUTHOR_NAME") or reader.get_value("archive", "name", DEFAULT_IDENTITY[0])
        email = os.environ.get("ARCHIVE_AUTHOR_EMAIL") or reader.get_value("archive", "email", DEFAULT_IDENTITY[1])
        return git.Actor(str(name), str(email))

    @contextmanager
    def writing(self, timeout: float = LOCK_TIMEOUT, onto: str | None = None) -> Iterator[Writer]:
        """Hold the store's write lock and yield a Writer; publish its commits on success.

        Writers in other processes wait for the lock. If the block raises,
        nothing is published and the store is as it was. With ``onto`` (a
        fetched commit, for ``archive pull``) the writer continues from that
        commit instead of the branch head; see ``Writer.local_only``.
        """
        if self.read_only:
            raise RuntimeError("this store was opened read-only")
        with self._locked(timeout):
            self._finish_interrupted_checkout()
            self._check_format()
            self.refresh_index()
            start = self.head()
            writer = Writer(self, start) if onto in (None, start) else self._writer_onto(start, str(onto))
            with self._buffering_objects():
                yield writer
            if writer.head is not None and writer.head != start:
                self._publish(start, writer.head, writer.rows, writer.touched, set(writer.local_only))
            self._journal_unchanged(writer.unchanged)

    @contextmanager
    def _locked(self, timeout: float) -> Iterator[None]:
        with self._open_lock_file() as handle:
            self._acquire(handle.fileno(), timeout)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _open_lock_file(self) -> IO[str]:
        try:
            self._archive_dir.mkdir(exist_ok=True)
            return open(self._archive_dir / "lock", "a+")
        except OSError as error:
            raise StoreCorrupt(f"cannot write to the store at {self.path}: {_reason(error)}") from None

    def _acquire(self, descriptor: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreBusy(f"another process has been writing to {self.path} for over {timeout:g} s") from None
                time.sleep(0.05)

    def _pending_file(self) -> Path:
        return self._archive_dir / "checkout-pending"

    def _writer_onto(self, start: str | None, onto: str) -> Writer:
        """A writer continuing from ``onto``, which knows the versions ``onto`` has and lacks against the branch."""
        local_only: list[tuple[str, str]] = []  # (commit, article), oldest first
        if start is not None:
            log = self._repo.git.log("--reverse", "--topo-order", "--format=%H%x1f%B%x1e", f"{onto}..{start}")
            for record in log.split("\x1e"):
                commit, _, message = record.strip("\n").partition("\x1f")
                article = _parse_trailers(message).get("Article")
                if commit and article:
                    local_only.append((commit, article))
        theirs = list(self._scan_versions(f"{start}..{onto}" if start else onto))
        dropped = {commit for commit, _ in local_only}
        view: dict[str, list[VersionRow]] = {}
        for article in {row[0] for row in theirs} | {article for _, article in local_only}:
            kept = [row for row in self._index.versions(article) if row[2] not in dropped]
            view[article] = kept + [row for row in theirs if row[0] == article]
        writer = Writer(self, onto, view)
        writer.local_only = [commit for commit, _ in local_only]
        writer.rows.extend(theirs)
        writer.touched.update(article_dir(article) for article in view)
        for article, _, _, metadata in theirs:
            for url in (metadata.get("url"), metadata.get("canonical_url")):
                if url:
                    writer._urls.setdefault(str(url), set()).add(article)
        return writer

    def _publish(
        self, old: str | None, new: str, rows: list[VersionRow], touched: set[str], dropped: set[str] | None = None
    ) -> None:
        """Move the branch from ``old`` to ``new`` (the commit point), then update the working tree.

        ``dropped``: commits of ``old`` that ``new`` does not contain (a pull that re-recorded them).
        """
        # The files of ``old``: what the working tree must hold before, and what the checkout changes.
        before = _TreeFiles(self, old) if old is not None and not self.bare else None
        dirty = self._uncommitted_file(before, touched) if before is not None else None
        if dirty:
            raise StoreCorrupt(
                f"the store's working tree has uncommitted changes in {dirty}; nothing was "
                f"recorded (inspect with `git -C {self.path} status`)"
            )
        pending = self._pending_file()
        pending.write_text(f"{old or ''} {new}\n")
        try:
            self._repo.git.update_ref("-m", "archive: snapshot", BRANCH, new, old or _NULL_COMMIT)
        except git.GitCommandError as error:
            pending.unlink(missing_ok=True)
            raise StoreBusy(
                f"the store's branch moved during the write; nothing was recorded ({_reason(error)})"
            ) from None
        if self._checkout(old, new, touched, before):
            pending.unlink(missing_ok=True)
        if self._index.head == old and dropped:
            kept = [row for row in self._index.all_versions() if row[2] not in dropped]
            self._index.update(kept + rows, new, reset=True)
        elif self._index.head == old:
            self._index.update(rows, new)

    def _uncommitted_file(self, files: _TreeFiles, directories: Iterable[str]) -> str | None:
        """A file in ``directories`` whose working-tree copy is not what ``files`` (a commit's) holds, or that
        it lacks.

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
                if name not in expected or not path.is_file() or _blob_id(path.read_bytes()) != expected[name]:
                    return f"{directory}/{name}"
        return None

    def _checkout(self, old: str | None, new: str, directories: set[str], before: _TreeFiles | None) -> bool:
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
            if before is None:  # the store's first commit
                self._repo.git.read_tree("--reset", "-u", new)
            elif len(directories) > CHECKOUT_WALK_ABOVE:
                self._repo.git.read_tree("-m", "-u", old, new)
            else:
                after = _TreeFiles(self, new)
                present: list[str] = []
                deleted: list[str] = []
                for directory in sorted(directories):
                    old_files, new_files = before.at(directory), after.at(directory)
                    present += [f"{directory}/{name}" for name, sha in new_files.items() if old_files.get(name) != sha]
                    deleted += [f"{directory}/{name}" for name in old_files.keys() - new_files.keys()]
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
        pending = self._pending_file()
        if not pending.exists():
            return
        git_dir = Path(self._repo.git_dir)
        for stale in (git_dir / f"{BRANCH}.lock", git_dir / "index.lock"):
            stale.unlink(missing_ok=True)
        old, _, new = pending.read_text().strip().rpartition(" ")
        if self.head() == new and not self.bare:
            if old:
                self._force_checkout_changes(old, new)
            else:
                self._repo.git.read_tree("--reset", "-u", new)
        pending.unlink(missing_ok=True)

    def _force_checkout_changes(self, old: str, new: str) -> None:
        """Write the files that differ between ``old`` and ``new`` into the index and working tree."""
        changes = self._repo.git.diff_tree("-r", "-z", "--name-status", "--no-renames", old, new).split("\0")
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
                self._repo.git.checkout(commit, "--pathspec-from-file=-", "--pathspec-file-nul", istream=listing)
        if deleted:
            with _nul_list(deleted) as listing:
                self._repo.git.rm(
                    "-q",
                    "--cached",
                    "--ignore-unmatch",
                    "--pathspec-from-file=-",
                    "--pathspec-file-nul",
                    istream=listing,
                )
            for path in deleted:
                (self.path / path).unlink(missing_ok=True)

    # --- objects ---------------------------------------------------------------

    @contextmanager
    def _buffering_objects(self) -> Iterator[None]:
        """Collect the objects written inside the block and write them at its end (nothing if it raises).

        A single snapshot writes about eight objects, which become loose
        objects; a bulk import streams its objects into one pack.
        """
        self._objects = ObjectWriter(self._objects_dir, LOOSE_OBJECT_LIMIT)
        self._actor = self.identity()
        try:
            yield
            self._objects.finish()
        finally:
            self._objects.abort()
            self._objects = None
            self._actor = None

    def _store_object(self, kind: bytes, data: bytes) -> bytes:
        """Take an object to write with the block's others (see ``_buffering_objects``); return its id."""
        if self._objects is None:
            raise RuntimeError("objects are only written inside Store.writing()")
        return self._objects.add(kind, data)

    def _tree_entries(self, binsha: bytes | None) -> dict[str, tuple[int, bytes]]:
        if binsha is None:
            return {}
        data = self._repo.odb.stream(binsha).read()
        return {name: (mode, sha) for sha, mode, name in tree_entries_from_data(data)}

    def _write_tree(self, entries: Mapping[str, tuple[int, bytes]], order: Sequence[str] | None = None) -> bytes:
        """Write a tree; ``order`` is its names already in git's order (``_tree_order``), if the caller keeps it."""
        data = b"".join(
            b"%o %s\0%s" % (entries[name][0], name.encode("utf-8"), entries[name][1])
            for name in (order if order is not None else _tree_order(entries))
        )
        return self._store_object(b"tree", data)

    def _write_commit(
        self, tree: bytes, parent: str | None, when: datetime, message: str, author: tuple[str, str] | None = None
    ) -> str:
        if author is None:
            actor = self._actor or self.identity()
            author = (str(actor.name), str(actor.email))
        name, email = author
        stamp = f"{int(when.timestamp())} +0000"
        lines = [f"tree {tree.hex()}"]
        if parent:
            lines.append(f"parent {parent}")
        lines.append(f"author {name} <{email}> {stamp}")
        lines.append(f"committer {name} <{email}> {stamp}")
        data = ("\n".join(lines) + "\n\n" + message).encode("utf-8")
        return self._store_object(b"commit", data).hex()

    def _root_tree(self, commit: str | None) -> bytes | None:
        if commit is None:
            return None
        return bytes.fromhex(self._repo.git.rev_parse(f"{commit}^{{tree}}"))


class _TreeFiles:
    """The files of a commit's directories, read tree by tree and remembered: {name: blob id}."""

    def __init__(self, store: Store, commit: str) -> None:
        self._store = store
        self._root = store._root_tree(commit)
        self._trees: dict[bytes, dict[str, tuple[int, bytes]]] = {}

    def at(self, directory: str) -> dict[str, bytes]:
        tree = self._root
        for name in directory.split("/"):
            entry = self._entries(tree).get(name)
            tree = entry[1] if entry and entry[0] == _TREE_MODE else None
        return {name: sha for name, (mode, sha) in self._entries(tree).items() if mode != _TREE_MODE}

    def _entries(self, tree: bytes | None) -> dict[str, tuple[int, bytes]]:
        if tree is None:
            return {}
        if tree not in self._trees:
            self._trees[tree] = self._store._tree_entries(tree)
        return self._trees[tree]


class Writer:
    """Adds versions on top of the store's branch, inside ``Store.writing()``.

    Versions added through one Writer form a linear run of commits that is
    published at once; the commits are the same as adding them one per
    ``writing()`` block. The trees on an article's path (root, ``articles``,
    its shard) are read once and then kept, so adding a version costs the
    same however many versions the block already added.
    """

    def __init__(self, store: Store, head: str | None, view: Mapping[str, list[VersionRow]] | None = None) -> None:
        self._store = store
        self.head = head
        # Article -> its versions as of ``head``, where the lookup index (as of the branch) differs (a pull).
        self._view = dict(view or {})
        # The branch's commits that ``head`` lacks, oldest first, for the caller to record again (``archive pull``).
        self.local_only: list[str] = []
        self._root = store._root_tree(head)
        # Tree path ("" for the root) -> its entries as of self.head, loaded on first use.
        self._trees: dict[str, dict[str, tuple[int, bytes]]] = {}
        self._orders: dict[str, list[str]] = {}  # tree path -> its names in git's order
        # (old text SHA-256, new text SHA-256) -> (words added, words removed), see reuse_changes.
        self._changes: dict[tuple[str, str], tuple[int, int]] = {}
        # URL -> articles captured under it (as fetched or canonical) by this writer.
        self._urls: dict[str, set[str]] = {}
        self.rows: list[VersionRow] = []
        self.touched: set[str] = set()
        # Captures that matched the latest version: journaled, never committed (see Store._journal_unchanged).
        self.unchanged: list[dict[str, Any]] = []
        self._latest: dict[str, tuple[Version, str | None]] = {}

    def latest(self, article_id: str) -> Version | None:
        """The newest version of ``article_id``, including any added by this writer."""
        if article_id in self._latest:
            return self._latest[article_id][0]
        if article_id in self._view:
            rows = self._view[article_id]
            return _version_from_row(rows[-1]) if rows else None
        row = self._store._index.latest(article_id)
        return _version_from_row(row) if row else None

    def article_for_url(self, url: str) -> str | None:
        """Like ``Store.article_for_url``, counting the versions this writer added."""
        matches = set(self._store._index.articles_with_url(url)) | self._urls.get(url, set())
        if len(matches) == 1:
            return matches.pop()
        if not matches and url.lower().startswith(("http://", "https://")):
            try:
                derived = article_id_from_url(url)
            except InvalidInput:
                return None
            if self.latest(derived) is not None:
                return derived
        return None

    def reuse_changes(self, changes: Mapping[tuple[str, str], tuple[int, int]]) -> None:
        """Word counts of ``word_diff(old, new)`` computed elsewhere (in worker processes, for a bulk
        import), keyed by the SHA-256 of the two texts, so ``add`` need not diff those pairs again."""
        self._changes.update(changes)

    def version_at(self, article_id: str, moment: datetime) -> Version | None:
        """The version of ``article_id`` current at ``moment`` (None if it was first captured later)."""
        current = self._rows_until(article_id, moment)
        return _version_from_row(current[-1]) if current else None

    def versions_captured_at(self, article_id: str, moment: datetime) -> list[Version]:
        """The versions of ``article_id`` captured at ``moment`` exactly (captures are recorded to the second)."""
        rows = self._rows_until(article_id, moment)
        return [_version_from_row(row) for row in rows if parse_time(row[3]["captured_at"]) == moment]

    def _rows_until(self, article_id: str, moment: datetime) -> list[VersionRow]:
        # The index is as of the block's start; this writer's versions come after.
        recorded = self._view.get(article_id)
        if recorded is None:
            recorded = self._store._index.versions(article_id)
        added = [row for row in self.rows if row[0] == article_id and row not in recorded]
        return [row for row in recorded + added if parse_time(row[3]["captured_at"]) <= moment]

    @staticmethod
    def matches(version: Version, new: NewVersion) -> bool:
        """True when ``new`` records nothing that ``version`` does not (the rule by which ``add`` skips it)."""
        return _same_content(version, new, text_sha256(new.text))

    def latest_text(self, article_id: str) -> str | None:
        """The text of the newest version of ``article_id`` (None for a new article)."""
        latest = self.latest(article_id)
        return None if latest is None else self._latest_text(latest)

    def _latest_text(self, version: Version) -> str:
        cached = self._latest.get(version.article_id)
        if cached and cached[0].commit == version.commit and cached[1] is not None:
            return cached[1]
        return self._store.text(version)

    def add(self, new: NewVersion) -> AddResult:
        """Record ``new`` as the article's next version, unless it equals the latest one."""
        article_id = validate_article_id(new.article_id)
        text_sha = text_sha256(new.text)
        latest = self.latest(article_id)
        if latest is not None and _same_content(latest, new, text_sha):
            self.unchanged.append(_unchanged_capture(new, latest))
            return AddResult(latest, created=False)
        words = count_words(new.text)
        if latest is None:
            added, removed = words, 0
        elif latest.metadata["text"]["sha256"] == text_sha:
            added, removed = 0, 0
        elif (latest.metadata["text"]["sha256"], text_sha) in self._changes:
            added, removed = self._changes[latest.metadata["text"]["sha256"], text_sha]
        else:
            changes = word_diff(self._latest_text(latest), new.text)
            added, removed = changes.words_added, changes.words_removed
        number = 1 if latest is None else latest.number + 1
        raw_name = raw_file_name(new.raw_media_type)
        metadata = {
            **new.metadata,
            "id": article_id,
            "version": number,
            "previous_commit": latest.commit if latest else None,
            "captured_at": format_time(new.captured_at),
            "format": FORMAT_VERSION,
            "text": {
                "file": TEXT_FILE,
                "sha256": text_sha,
                "words": words,
                "paragraphs": new.text.count("\n"),
            },
            "raw": {
                "file": raw_name,
                "sha256": _sha256(new.raw),
                "bytes": len(new.raw),
                "media_type": new.raw_media_type,
            },
            "changes": {"words_added": added, "words_removed": removed},
        }
        store = self._store
        article_tree = store._write_tree(
            {
                TEXT_FILE: (_FILE_MODE, store._store_object(b"blob", new.text.encode("utf-8"))),
                raw_name: (_FILE_MODE, store._store_object(b"blob", new.raw)),
                META_FILE: (_FILE_MODE, store._store_object(b"blob", canonical_yaml(metadata).encode("utf-8"))),
            }
        )
        path = article_dir(article_id)
        if self.head is None:
            marker = canonical_yaml({"format": FORMAT_VERSION, "layout": "articles/<a>/<b>/<c>/<d>/<id>/"})
            self._tree("")[MARKER_FILE] = (_FILE_MODE, store._store_object(b"blob", marker.encode("utf-8")))
        root = self._replace(path, article_tree)
        message = self._message(metadata)
        commit = store._write_commit(root, self.head, new.captured_at, message, new.author)
        version = Version(article_id, number, commit, parse_time(metadata["captured_at"]), metadata)
        self.head, self._root = commit, root
        self.rows.append((article_id, number, commit, metadata))
        self.touched.add(path)
        self._latest[article_id] = (version, new.text)
        for url in (metadata.get("url"), metadata.get("canonical_url")):
            if url:
                self._urls.setdefault(str(url), set()).add(article_id)
        return AddResult(version, created=True)

    def _tree(self, path: str) -> dict[str, tuple[int, bytes]]:
        """The entries of the tree at ``path`` in the writer's latest commit (empty if it has none)."""
        entries = self._trees.get(path)
        if entries is None:
            if path:
                parent, _, name = path.rpartition("/")
                entry = self._tree(parent).get(name)
                entries = self._store._tree_entries(entry[1] if entry else None)
            else:
                entries = self._store._tree_entries(self._root)
            self._trees[path] = entries
        return entries

    def _replace(self, path: str, subtree: bytes) -> bytes:
        """Put ``subtree`` at ``path``, write each tree above it, and return the new root tree's id."""
        parts = path.split("/")
        for depth in range(len(parts) - 1, -1, -1):
            tree_path = "/".join(parts[:depth])
            entries = self._tree(tree_path)
            entries[parts[depth]] = (_TREE_MODE, subtree)
            # The order of each tree's names is kept, not sorted again per version: `articles` has 256 shards.
            order = self._orders.get(tree_path)
            if order is None or len(order) != len(entries):
                order = self._orders[tree_path] = _tree_order(entries)
            subtree = self._store._write_tree(entries, order)
        return subtree

    @staticmethod
    def _message(metadata: Mapping[str, Any]) -> str:
        title = metadata.get("title") or "(untitled)"
        lines = [f"{metadata['id']} v{metadata['version']}: {title}", ""]
        lines.append(f"Article: {metadata['id']}")
        lines.append(f"Version: {metadata['version']}")
        if metadata.get("url"):
            lines.append(f"URL: {metadata['url']}")
        lines.append(f"Text-SHA256: {metadata['text']['sha256']}")
        return "\n".join(lines) + "\n"


# --- whole-history reads: records and helpers ------------------------------------


@dataclass(frozen=True)
class Signature:
    """A commit's author or committer: name, email, time (seconds since the epoch) and UTC offset."""

    name: str
    email: str
    time: int
    offset: str


@dataclass(frozen=True)
class CommitRecord:
    """One commit of the branch: ids, signatures, message, and each changed path with its new blob (None: deleted)."""

    commit: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str
    trailers: Mapping[str, str]
    changes: tuple[tuple[str, str | None], ...]


def _signature(name: str, email: str, raw_date: str) -> Signature:
    seconds, _, offset = raw_date.partition(" ")
    return Signature(name, email, int(seconds), offset)


def _commit_record(chunk: str) -> CommitRecord:
    commit, parents, an, ae, ad, cn, ce, cd, message, diff = chunk.split("\x1f", 9)
    changes = []
    for line in diff.splitlines():
        if line.startswith(":"):
            header, _, path = line.partition("\t")
            *_, new, status = header.split()
            changes.append((path, None if status.startswith("D") else new))
    return CommitRecord(
        commit=commit,
        parents=tuple(parents.split()),
        author=_signature(an, ae, ad),
        committer=_signature(cn, ce, cd),
        message=message,
        trailers=_parse_trailers(message),
        changes=tuple(changes),
    )


def _feed(stream: IO[bytes], names: Sequence[str]) -> None:
    try:
        for start in range(0, len(names), 1024):
            stream.write("".join(name + "\n" for name in names[start : start + 1024]).encode())
        stream.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # git died on a corrupt object; the reader restarts it


def _tree_order(entries: Mapping[str, tuple[int, bytes]]) -> list[str]:
    """Names in git's tree order: by bytes, a subtree's name compared as if it ended in "/"."""
    return sorted(entries, key=lambda name: name.encode("utf-8") + (b"/" if entries[name][0] == _TREE_MODE else b""))


def _unchanged_capture(new: NewVersion, latest: Version) -> dict[str, Any]:
    """The journal line of a capture that matched ``latest``."""
    return {
        "captured_at": format_time(new.captured_at),
        "article": latest.article_id,
        "version": latest.number,
        "commit": latest.commit,
        "source": new.metadata.get("source"),
        "url": new.metadata.get("url"),
        "raw_sha256": _sha256(new.raw),
    }


def _same_content(version: Version, new: NewVersion, text_sha: str) -> bool:
    return version.metadata["text"]["sha256"] == text_sha and all(
        version.metadata.get(field) == new.metadata.get(field) for field in TRACKED_FIELDS
    )


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, git.GitCommandError):
        return (error.stderr or str(error)).strip().splitlines()[-1] if (error.stderr or "").strip() else str(error)
    return str(error)
