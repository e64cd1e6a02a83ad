"""Several stores read as one: one store per outlet or beat, each pushed to its own remote, listed and
searched together.

Article ids are unique within a store, not across stores, so in a set each is qualified by its store's
name, ``NAME:ID`` (an id cannot hold ``:``). A store's name is its folder's name; two stores of one
set may not share one. Versions read through the set carry the qualified id.

Pages of a list over the set (most recently captured first, as the viewer shows them) are merged from a
page of each store; a cursor over qualified ids is turned into one for each store (``local_key``), so
pages stay stable as any store grows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from archive.errors import ArticleNotFound, InvalidInput
from archive.model import ArticleSummary, Version, format_time
from archive.store.lookup import Cursor
from archive.store.repository import Store

__all__ = ["StoreSet", "SEPARATOR", "local_key"]

SEPARATOR = ":"
_AFTER_ALL = "\U0010ffff"  # sorts after every article id


def local_key(name: str, qualified: str) -> str:
    """The article id that stands, in store ``name``, where the qualified id ``qualified`` stands among the
    qualified ids of that store: its own id when it is of that store, else one before or after all of them.
    (For a cursor ``(time, NAME:ID)`` turned into a cursor of each store: rows of one time are ordered by
    qualified id.)"""
    other, _, article = qualified.partition(SEPARATOR)
    if other == name:
        return article
    return _AFTER_ALL if name + SEPARATOR < other + SEPARATOR else ""


class StoreSet:
    """Stores read as one, in the order given; each article's id qualified by its store's name."""

    def __init__(self, stores: Sequence[Store]) -> None:
        self.stores: dict[str, Store] = {}
        for store in stores:
            name = store.path.resolve().name
            if name in self.stores:
                raise InvalidInput(f"two stores are named {name!r} ({self.stores[name].path} and {store.path}): "
                                   "give stores with different folder names")  # fmt: skip
            self.stores[name] = store

    @classmethod
    def open(cls, paths: Sequence[str | Path], read_only: bool = False) -> StoreSet:
        opened: list[Store] = []
        try:
            for path in paths:
                opened.append(Store.open(path, read_only=read_only))
            return cls(opened)
        except BaseException:
            for store in opened:
                store.close()
            raise

    def close(self) -> None:
        for store in self.stores.values():
            store.close()

    def __enter__(self) -> StoreSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def split(self, qualified: str) -> tuple[str, Store, str]:
        """(store name, store, article id) of ``NAME:ID``; raises ArticleNotFound for another form or name."""
        name, separator, article = qualified.partition(SEPARATOR)
        if not separator or name not in self.stores:
            names = ", ".join(self.stores)
            raise ArticleNotFound(f"no article {qualified!r}: in several stores an article is NAME:ID ({names})")
        return name, self.stores[name], article

    def find_article(self, reference: str) -> str:
        """``NAME:REFERENCE`` resolved in that store, or a reference that resolves in exactly one store."""
        if SEPARATOR in reference.split("/")[0] and not reference.lower().startswith(("http:", "https:")):
            name, store, article = self.split(reference)
            return f"{name}{SEPARATOR}{store.find_article(article)}"
        found = []
        for name, store in self.stores.items():
            try:
                found.append(f"{name}{SEPARATOR}{store.find_article(reference)}")
            except ArticleNotFound:
                continue
        if len(found) == 1:
            return found[0]
        if not found:
            raise ArticleNotFound(f"no article matches {reference!r} in any of the stores (see `archive list`)")
        raise ArticleNotFound(f"{reference!r} matches articles in several stores ({', '.join(found)}): give NAME:ID")

    def article_ids(self) -> list[str]:
        return [f"{name}{SEPARATOR}{article}" for name, store in self.stores.items() for article in store.article_ids()]

    def articles(self, limit: int | None = None, after: str | None = None) -> list[ArticleSummary]:
        """Articles in qualified-id order (store by store, in name order), from the one after ``after``."""
        found: list[ArticleSummary] = []
        after_name, _, after_id = (after or "").partition(SEPARATOR)
        for name in sorted(self.stores):
            if limit is not None and len(found) >= limit:
                break
            if after is not None and name < after_name:
                continue
            start = after_id if after is not None and name == after_name else None
            wanted = None if limit is None else limit - len(found)
            found += [self._qualified(name, a) for a in self.stores[name].articles(wanted, start)]
        return found

    def part(self, qualified: str) -> tuple[Store, str]:
        """The store of ``NAME:ID`` and the id in it."""
        _, store, article = self.split(qualified)
        return store, article

    def has_article(self, qualified: str) -> bool:
        name, separator, article = qualified.partition(SEPARATOR)
        return bool(separator) and name in self.stores and self.stores[name].has_article(article)

    def recent_articles(
        self, limit: int, after: Cursor | None = None, before: Cursor | None = None
    ) -> list[ArticleSummary]:
        """A page of the set's articles, most recently captured first (ties by qualified id, as in one store):
        merged from the same page of each store."""
        found: list[ArticleSummary] = []
        for name, store in self.stores.items():
            mine = [None if cursor is None else (cursor[0], local_key(name, cursor[1])) for cursor in (after, before)]
            found += [self._qualified(name, a) for a in store.recent_articles(limit, mine[0], mine[1])]
        found.sort(key=lambda a: (format_time(a.last_seen), a.article_id), reverse=True)
        return found[-limit:] if before is not None and after is None else found[:limit]

    def search_articles(
        self, words: str, limit: int, after: tuple[str, int] | None = None, before: tuple[str, int] | None = None
    ) -> list[tuple[tuple[str, int], ArticleSummary]]:
        """A page of the articles whose id, title or URLs hold ``words``: store by store in name order, each
        store's in its own order, with cursors ``(NAME, result number)``."""
        found: list[tuple[tuple[str, int], ArticleSummary]] = []
        names = sorted(self.stores)
        if before is not None:  # the page just above the cursor: the stores backwards, each one's last results
            for name in reversed(names):
                if name > before[0] or len(found) >= limit:
                    continue
                above = before[1] if name == before[0] else 0
                rows = self.stores[name].search_articles(words, limit - len(found), None, above)
                found = [((name, key), self._qualified(name, a)) for key, a in rows] + found
            return found
        for name in names:
            if (after is not None and name < after[0]) or len(found) >= limit:
                continue
            mine = after[1] if after is not None and name == after[0] else None
            rows = self.stores[name].search_articles(words, limit - len(found), mine)
            found += [((name, key), self._qualified(name, a)) for key, a in rows]
        return found

    def raw(self, version: Version) -> bytes:
        _, store, article = self.split(version.article_id)
        return store.raw(dataclasses.replace(version, article_id=article))

    def versions(self, qualified: str) -> list[Version]:
        _, store, article = self.split(qualified)
        return [dataclasses.replace(version, article_id=qualified) for version in store.versions(article)]

    def text(self, version: Version) -> str:
        _, store, article = self.split(version.article_id)
        return store.text(dataclasses.replace(version, article_id=article))

    @staticmethod
    def _qualified(name: str, summary: ArticleSummary) -> ArticleSummary:
        return dataclasses.replace(summary, article_id=f"{name}{SEPARATOR}{summary.article_id}")
