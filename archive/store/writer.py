"""Adding versions: the versioning policy, and the objects each new version is written as.

A capture becomes a new version unless its text and tracked metadata equal
the latest version's; then it is only journaled. Each new version is one
commit whose tree differs from its parent's in one article directory (and
the trees above it). The writer runs no diff and no extraction: the caller
hands it the text and the word counts it measured (``WordCounts``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from archive.errors import InvalidInput
from archive.ids import article_id_from_url, validate_article_id
from archive.model import Version, check_capture_time, format_time, parse_time
from archive.store.commits import CommitRecord, message, rules_message
from archive.store.layout import MARKER_FILE, META_FILE, RULES_FILE, TEXT_FILE, article_dir, raw_file_name
from archive.store.lookup import Index, VersionRow, as_version
from archive.store.metadata import (
    WordCounts,
    canonical_yaml,
    marker_yaml,
    recorded_text_sha256,
    same_content,
    sha256,
    text_sha256,
    version_metadata,
)
from archive.store.objects import (
    FILE_MODE,
    TREE_MODE,
    ObjectWriter,
    TreeEntries,
    TreeReader,
    commit_object,
    tree_entry,
    tree_object,
    tree_order,
)

if TYPE_CHECKING:
    from archive.store.rules import RulesFile

__all__ = ["NewVersion", "AddResult", "Writer"]


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
    # True when the capture was recorded already: ``version`` has its time and content (a capture run
    # again), or it is older than the latest version and equals ``version``, the one current at its time.
    recorded: bool = False


class Writer:
    """Adds versions on top of a commit of the store's branch; ``Store.writing()`` makes one and publishes its work.

    Versions added through one Writer form a linear run of commits that is
    published at once; the commits are the same as adding them one per
    ``writing()`` block. The trees on an article's path (root, ``articles``,
    its shards) are read once and then kept, so adding a version costs the
    same however many versions the block already added.

    The interface with the store, both ways: what the writer reads of it is
    handed in (the lookup cache as of the branch, a way to read a version's
    text, the trees); ``objects`` takes what it writes and ``identity``
    (name, email) is who its commits are by. After the block the store
    moves the branch to ``head`` and records ``rows`` in the lookup cache,
    ``touched`` (article directories) in the working tree and ``unchanged``
    in the journal; ``local_only`` are the commits a pull drops.
    """

    def __init__(
        self,
        head: str | None,
        *,
        lookup: Index,
        texts: Callable[[Version], str],
        trees: TreeReader,
        objects: ObjectWriter,
        identity: tuple[str, str],
        view: Mapping[str, list[VersionRow]] | None = None,
        received: Sequence[VersionRow] = (),
        local_only: Sequence[CommitRecord] = (),
    ) -> None:
        self.head = head
        self._lookup = lookup
        self._texts = texts
        self._reader = trees
        self._objects = objects
        self._identity = identity
        # Article -> its versions as of ``head``, where the lookup cache (as of the branch) differs (a pull).
        self._view = dict(view or {})
        # The branch's commits that ``head`` lacks, oldest first, for the caller to record again (``archive pull``).
        self.local_only = list(local_only)
        self._root = trees.root(head)
        # Tree path ("" for the root) -> its entries as of self.head, loaded on first use.
        self._trees: dict[str, TreeEntries] = {}
        # Tree path -> each name's place in git's order, and the tree's entries encoded in that order: a
        # version changes one entry of each tree on its path, so only that one is encoded again.
        self._encoded: dict[str, tuple[dict[str, int], list[bytes]]] = {}
        # URL -> articles captured under it (as fetched or canonical) by this writer.
        self._urls: dict[str, set[str]] = {}
        # The versions to publish that the branch lacks (a pull's received ones first), and where they are.
        self.rows: list[VersionRow] = []
        self.touched: set[str] = {article_dir(article) for article in self._view}
        self._rules: tuple[str, RulesFile] | None = None  # the rules file last read: its blob id, parsed
        self._rules_data: dict[bytes, bytes] = {}  # blobs of rules files set by this writer (not yet readable)
        # Captures that matched the latest version: journaled, never committed.
        self.unchanged: list[dict[str, Any]] = []
        self._latest: dict[str, tuple[Version, str]] = {}  # article -> the version this writer added last, its text
        self._looked_up: dict[str, Version | None] = {}  # article -> its latest version in the lookup cache
        for row in received:
            self._record(row)

    def latest(self, article_id: str) -> Version | None:
        """The newest version of ``article_id``, including any added by this writer."""
        if article_id in self._latest:
            return self._latest[article_id][0]
        if article_id in self._view:
            rows = self._view[article_id]
            return as_version(rows[-1]) if rows else None
        if article_id not in self._looked_up:
            # The lookup cache stays as of the block's start: each article is asked once (a bulk import
            # asked five times per capture, reading the metadata's JSON each time).
            row = self._lookup.latest(article_id)
            self._looked_up[article_id] = as_version(row) if row else None
        return self._looked_up[article_id]

    def article_for_url(self, url: str) -> str | None:
        """Like ``Store.article_for_url``, counting the versions this writer added."""
        matches = set(self._lookup.articles_with_url(url)) | self._urls.get(url, set())
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

    def version_at(self, article_id: str, moment: datetime) -> Version | None:
        """The version of ``article_id`` current at ``moment`` (None if it was first captured later)."""
        current = self._rows_until(article_id, moment)
        return as_version(current[-1]) if current else None

    def versions_captured_at(self, article_id: str, moment: datetime) -> list[Version]:
        """The versions of ``article_id`` captured at ``moment`` exactly (captures are recorded to the second)."""
        rows = self._rows_until(article_id, moment)
        return [as_version(row) for row in rows if parse_time(row[3]["captured_at"]) == moment]

    def _rows_until(self, article_id: str, moment: datetime) -> list[VersionRow]:
        # The lookup cache is as of the block's start; this writer's versions come after.
        recorded = self._view.get(article_id)
        if recorded is None:
            recorded = self._lookup.versions(article_id)
        added = [row for row in self.rows if row[0] == article_id and row not in recorded]
        return [row for row in recorded + added if parse_time(row[3]["captured_at"]) <= moment]

    @staticmethod
    def matches(version: Version, new: NewVersion) -> bool:
        """True when ``new`` records nothing that ``version`` does not (the rule by which ``add`` skips it)."""
        return same_content(version.metadata, text_sha256(new.text), new.metadata)

    def recorded(self, new: NewVersion) -> Version | None:
        """The version that already records ``new``, when ``new`` is no later than the article's latest version.

        The one rule for a capture that is not newer than the history (snapshot, import, watch alike):
        one with the time and content of a version (a capture run again), or older and equal to the
        version current at its time, adds nothing and is that version; one older than the latest
        version that differs from the version then current is refused (InvalidInput naming the
        latest capture time): versions are only ever appended, never inserted back in time. None:
        ``new`` is for ``add``.
        """
        article_id = validate_article_id(new.article_id)
        latest = self.latest(article_id)
        if latest is None or new.captured_at > latest.captured_at:
            return None
        # Captures within one second are told apart by their content.
        for version in self.versions_captured_at(article_id, new.captured_at):
            if self.matches(version, new):
                return version
        if new.captured_at == latest.captured_at:
            return None
        current = self.version_at(article_id, new.captured_at)
        if current is not None and self.matches(current, new):
            return current
        where = f"differs from {current.ref}, the version then current," if current else "is before its first version"
        raise InvalidInput(
            f"{article_id}: a capture at {format_time(new.captured_at)} {where} and its latest version, "
            f"{latest.ref}, was captured later, at {format_time(latest.captured_at)}; versions are only ever appended"
        )

    def latest_text(self, article_id: str) -> str | None:
        """The text of the newest version of ``article_id`` (None for a new article)."""
        latest = self.latest(article_id)
        return None if latest is None else self.text(latest)

    def text(self, version: Version) -> str:
        """The text of ``version``: remembered for the last one this writer added of each article, else read."""
        added = self._latest.get(version.article_id)
        if added and added[0].commit == version.commit:
            return added[1]
        latest = self.latest(version.article_id)
        if latest is not None and latest.commit == version.commit:
            # The article's latest text is the one its directory holds (when it is the text the version records):
            # read by the blob's id through the trees the writer reads anyway, a recent write's objects are loose
            # files, read without a git process.
            entry = self._tree(article_dir(version.article_id)).get(TEXT_FILE)
            data = self._reader.blob(entry[1]) if entry is not None else b""
            if sha256(data) == recorded_text_sha256(version.metadata):
                return data.decode("utf-8")
        return self._texts(version)

    def add(self, new: NewVersion, counts: WordCounts) -> AddResult:
        """Record ``new`` as the article's next version, unless it equals the latest one.

        ``counts`` are measured against the latest version's text (``latest_text``); ValueError if they are not.
        """
        article_id = validate_article_id(new.article_id)
        check_capture_time(new.captured_at)
        text_sha = text_sha256(new.text)
        latest = self.latest(article_id)
        if latest is not None and same_content(latest.metadata, text_sha, new.metadata):
            self.unchanged.append(_unchanged_capture(new, latest))
            return AddResult(latest, created=False)
        if counts.against != (None if latest is None else recorded_text_sha256(latest.metadata)):
            raise ValueError(f"the word counts given for {article_id} are not against its latest version")
        number = 1 if latest is None else latest.number + 1
        raw_name = raw_file_name(new.raw_media_type)
        metadata = version_metadata(
            new.metadata,
            article_id=article_id,
            number=number,
            previous_commit=latest.commit if latest else None,
            captured_at=format_time(new.captured_at),
            text=new.text,
            counts=counts,
            raw=new.raw,
            raw_file=raw_name,
            media_type=new.raw_media_type,
        )
        article_tree = self._write(
            b"tree",
            tree_object(
                {
                    TEXT_FILE: (FILE_MODE, self._write(b"blob", new.text.encode("utf-8"))),
                    raw_name: (FILE_MODE, self._write(b"blob", new.raw)),
                    META_FILE: (FILE_MODE, self._write(b"blob", canonical_yaml(metadata).encode("utf-8"))),
                }
            ),
        )
        if self.head is None:
            self._tree("")[MARKER_FILE] = (FILE_MODE, self._write(b"blob", marker_yaml().encode("utf-8")))
            self._encoded.pop("", None)
        root = self._replace(article_dir(article_id), article_tree)
        text = message(article_id, number, metadata.get("title"), metadata.get("url"), text_sha)
        commit = self._write(
            b"commit", commit_object(root, self.head, new.author or self._identity, new.captured_at, text)
        ).hex()
        version = Version(article_id, number, commit, parse_time(metadata["captured_at"]), metadata)
        self.head, self._root = commit, root
        self._reader.remember_root(commit, root)
        self._record((article_id, number, commit, metadata))
        self._latest[article_id] = (version, new.text)
        return AddResult(version, created=True)

    def offer(self, entries: Mapping[bytes, bytes]) -> None:
        """Pack entries made elsewhere (``archive.store.objects.pack_entry``) of blobs ``add`` may write next."""
        self._objects.offer(entries)

    def rules(self) -> RulesFile | None:
        """The noise rules as of ``head`` (None: the store has none)."""
        entry = self._tree("").get(RULES_FILE)
        return None if entry is None else self.rules_file(entry[1].hex())

    def rules_file(self, blob: str) -> RulesFile:
        """The rules file of blob id ``blob`` (one a version records), parsed once."""
        if self._rules is None or self._rules[0] != blob:
            binsha = bytes.fromhex(blob)
            data = self._rules_data.get(binsha)
            if data is None:
                data = self._reader.blob(binsha)
            from archive.store.rules import parse_rules  # only for a store that has rules

            self._rules = (blob, parse_rules(data, RULES_FILE, blob, selectors=False))
        return self._rules[1]

    def set_rules(self, data: bytes | None, at: datetime, author: tuple[str, str] | None = None) -> str | None:
        """Commit ``data`` as the rules file (None: remove it), dated ``at``; the commit id, or None if unchanged.

        The caller checks ``data`` first (``archive.store.rules.parse_rules``); the commit changes nothing else.
        """
        check_capture_time(at)
        root = self._tree("")
        current = root.get(RULES_FILE)
        if data is None:
            if current is None:
                return None
            del root[RULES_FILE]
            blob = None
        else:
            blob = self._write(b"blob", data)
            if current is not None and current[1] == blob:
                return None
            self._rules_data[blob] = data
            root[RULES_FILE] = (FILE_MODE, blob)
        if self.head is None:
            root[MARKER_FILE] = (FILE_MODE, self._write(b"blob", marker_yaml().encode("utf-8")))
        self._encoded.pop("", None)
        tree = self._write(b"tree", tree_object(root))
        text = rules_message(blob.hex() if blob else None)
        commit = self._write(b"commit", commit_object(tree, self.head, author or self._identity, at, text)).hex()
        self.head, self._root = commit, tree
        self._reader.remember_root(commit, tree)
        return commit

    def _record(self, row: VersionRow) -> None:
        """Count a version as published by this writer's block: its row, its directory and its URLs."""
        article, _, _, metadata = row
        self.rows.append(row)
        self.touched.add(article_dir(article))
        for url in (metadata.get("url"), metadata.get("canonical_url")):
            if url:
                self._urls.setdefault(str(url), set()).add(article)

    def _write(self, kind: bytes, data: bytes) -> bytes:
        return self._objects.add(kind, data)

    def _tree(self, path: str) -> TreeEntries:
        """The entries of the tree at ``path`` in the writer's latest commit (empty if it has none)."""
        entries = self._trees.get(path)
        if entries is None:
            if path:
                parent, _, name = path.rpartition("/")
                entry = self._tree(parent).get(name)
                entries = self._reader.entries(entry[1] if entry else None)
            else:
                entries = self._reader.entries(self._root)
            self._trees[path] = entries
        return entries

    def _replace(self, path: str, subtree: bytes) -> bytes:
        """Put ``subtree`` at ``path``, write each tree above it, and return the new root tree's id."""
        parts = path.split("/")
        for depth in range(len(parts) - 1, -1, -1):
            tree_path = "/".join(parts[:depth])
            entries = self._tree(tree_path)
            name = parts[depth]
            replaced = entries.get(name)
            entries[name] = (TREE_MODE, subtree)
            if replaced is not None and depth < len(parts) - 1:
                self._reader.forget(replaced[1])  # the tree at the path below, which the loop just wrote anew
            encoded = self._encoded.get(tree_path)
            if encoded is None or replaced is None or replaced[0] != TREE_MODE:  # a new name: a new order
                order = tree_order(entries)
                encoded = self._encoded[tree_path] = (
                    {name: place for place, name in enumerate(order)},
                    [tree_entry(entries[name][0], name, entries[name][1]) for name in order],
                )
            else:
                places, parts_encoded = encoded
                parts_encoded[places[name]] = tree_entry(TREE_MODE, name, subtree)
            data = b"".join(encoded[1])
            subtree = self._write(b"tree", data)
            self._reader.remember(subtree, data)
        if self._root is not None:
            self._reader.forget(self._root)
        return subtree


def _unchanged_capture(new: NewVersion, latest: Version) -> dict[str, Any]:
    """The journal line of a capture that matched ``latest``."""
    return {
        "captured_at": format_time(new.captured_at),
        "article": latest.article_id,
        "version": latest.number,
        "commit": latest.commit,
        "source": new.metadata.get("source"),
        "url": new.metadata.get("url"),
        "raw_sha256": sha256(new.raw),
    }
