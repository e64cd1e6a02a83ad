"""Atom 1.0 feeds (RFC 4287) of the archive's changes: one entry per version that changed, newest first.

Rendered from ``templates/atom/`` with autoescaping. An entry's content is the version's claim changes as
HTML (escaped once by its own template, then again as the feed's ``type="html"`` text), linking the viewer's
diff page. Every id is a ``tag:`` URI built from the store (``archive.review.changelog.store_tag``), the
article and the version's commit, and every date is a capture time: the same store gives the same feed,
and a reader never shows an entry twice. Over several stores read as one, an entry keeps the id it has in
its own store's feed (a reader subscribed to both shows it once); the feed's id is made from the stores'.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from archive.audit.export import refuse_inside_store
from archive.errors import InvalidInput
from archive.model import format_time
from archive.present.html import render
from archive.review.changelog import ClaimChange, Selection, select_changes, store_tag
from archive.store.collection import StoreSet
from archive.store.repository import Store
from archive.version import __version__

__all__ = ["ENTRIES", "FeedEntry", "Feed", "changes_feed", "feed_path", "feed_query", "write_feed"]

ENTRIES = 50  # versions a feed shows: readers poll, and keep what they saw
EMPTY_UPDATED = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: str
    link: str
    summary: str
    content: str


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    updated: str
    self_url: str
    page_url: str
    version: str
    entries: tuple[FeedEntry, ...]


def _segment(value: str) -> str:
    return quote(value, safe="")


def feed_query(selection: Selection) -> str:
    """The query string (without ``?``) that carries ``selection``'s kinds, site and ``--all`` to the viewer."""
    query = {"kind": ",".join(selection.kinds), "site": selection.site or "", "all": "1" if selection.cosmetic else ""}
    return urlencode({key: value for key, value in query.items() if value})


def feed_path(selection: Selection) -> str:
    """The viewer path of the feed of ``selection`` (its article, kinds and site; windows are the reader's)."""
    path = f"/articles/{_segment(selection.article)}/changes.atom" if selection.article else "/feeds/changes.atom"
    query = feed_query(selection)
    return path + (f"?{query}" if query else "")


def changes_feed(
    store: Store | StoreSet, changes: Sequence[ClaimChange], selection: Selection, base: str, entries: int = ENTRIES
) -> str:
    """The Atom document of ``changes`` (newest first, as ``select_changes`` gives them), at most ``entries``
    versions; ``base`` is the viewer's address (``http://127.0.0.1:8080``) that links start with."""
    base = base.rstrip("/")
    stores = _Stores(store)
    tag = stores.tag
    groups: list[list[ClaimChange]] = []
    for change in changes:
        if groups and (groups[-1][0].article, groups[-1][0].new_number) == (change.article, change.new_number):
            groups[-1].append(change)
        elif len(groups) < entries:
            groups.append([change])
    query = feed_query(selection)
    suffix = f"?{query}" if query else ""
    scope = f"/{selection.article}" if selection.article else ""
    page = f"{base}/articles/{_segment(selection.article)}" if selection.article else f"{base}/changes{suffix}"
    kinds = f" ({', '.join(selection.kinds)})" if selection.kinds else ""
    built = [_entry(stores, base, group) for group in groups]
    return render(
        "atom/changes.atom",
        feed=Feed(
            id=f"{tag}/changes{scope}{suffix}",
            title=f"Changes{' of ' + selection.article if selection.article else ''} in the archive{kinds}",
            updated=built[0].updated if built else stores.last_capture(),
            self_url=base + feed_path(selection),
            page_url=page,
            version=__version__,
            entries=tuple(built),
        ),
    )


class _Stores:
    """The store or stores a feed covers: each article's own store, the local id and that store's tag."""

    def __init__(self, store: Store | StoreSet) -> None:
        self._set = store if isinstance(store, StoreSet) else None
        self._stores = store.stores if isinstance(store, StoreSet) else {"": store}
        self._tags = {name: store_tag(one) for name, one in self._stores.items()}
        if self._set is None:
            self.tag = self._tags[""]
        else:  # the same stores, in any order, give the same id
            joined = " ".join(sorted(self._tags.values()))
            earliest = min(tag.split(",", 1)[1][:10] for tag in self._tags.values())
            self.tag = f"tag:archive.invalid,{earliest}:stores-{hashlib.sha256(joined.encode()).hexdigest()[:12]}"

    def locate(self, article: str) -> tuple[Store, str, str]:
        """(its store, its id there, that store's tag) of a feed's ``article`` (``NAME:ID`` over several)."""
        if self._set is None:
            return self._stores[""], article, self.tag
        name, one, local = self._set.split(article)
        return one, local, self._tags[name]

    def last_capture(self) -> str:
        return max((one.lookup.last_capture() or EMPTY_UPDATED for one in self._stores.values()), default=EMPTY_UPDATED)


def _entry(stores: _Stores, base: str, changes: list[ClaimChange]) -> FeedEntry:
    first = changes[0]
    store, article, tag = stores.locate(first.article)
    row = store.lookup.version_row(article, first.new_number)
    title = str(row[3].get("title") or first.article) if row else first.article
    link = f"{base}/articles/{_segment(first.article)}/diff/{first.old_number}/{first.new_number}"
    counted = f"{len(changes)} change{'s' if len(changes) != 1 else ''}"
    kinds = ", ".join(dict.fromkeys(change.kind for change in changes))
    captured = format_time(first.captured_at)
    content = render(
        "atom/entry.html",
        link=link,
        article=first.article,
        old=first.old_number,
        new=first.new_number,
        captured=captured,
        changes=changes,
    )
    return FeedEntry(
        id=f"{tag}/{article}/{first.new_commit}",
        title=f"{title}: version {first.old_number} → {first.new_number}, {counted}",
        updated=captured,
        link=link,
        summary=f"{first.article} v{first.old_number} → v{first.new_number}: {counted} ({kinds})",
        content=content,
    )


def write_feed(
    store: Store,
    selection: Selection,
    target: str | Path,
    base: str,
    entries: int = ENTRIES,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the feed of ``selection`` to ``target`` (outside the store), whole or not at all.

    The target is checked before anything is compared, so a bad one leaves even the lookup cache as it was.
    """
    refuse_inside_store(store, target)
    path = Path(target)
    if not path.parent.is_dir():
        raise InvalidInput(f"cannot write {target}: no folder {path.parent}")
    if path.is_dir():
        raise InvalidInput(f"cannot write {target}: it is a folder")
    document = changes_feed(store, select_changes(store, selection, progress=progress), selection, base, entries)
    name = None
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(document)
        os.replace(name, path)
    except OSError as error:
        if name is not None:
            Path(name).unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {target}: {error.strerror or error}") from None
