"""Several stores read as one: one store per outlet or beat, each pushed to its own remote, listed and
searched together.

Article ids are unique within a store, not across stores, so in a set each is qualified by its store's
name, ``NAME:ID`` (an id cannot hold ``:``). A store's name is its folder's name; two stores of one
set may not share one. Versions read through the set carry the qualified id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from archive.errors import ArticleNotFound, InvalidInput
from archive.model import ArticleSummary, Version
from archive.store.repository import Store

__all__ = ["StoreSet", "SEPARATOR"]

SEPARATOR = ":"


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

    def versions(self, qualified: str) -> list[Version]:
        _, store, article = self.split(qualified)
        return [dataclasses.replace(version, article_id=qualified) for version in store.versions(article)]

    def text(self, version: Version) -> str:
        _, store, article = self.split(version.article_id)
        return store.text(dataclasses.replace(version, article_id=article))

    @staticmethod
    def _qualified(name: str, summary: ArticleSummary) -> ArticleSummary:
        return dataclasses.replace(summary, article_id=f"{name}{SEPARATOR}{summary.article_id}")
