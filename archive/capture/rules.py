"""Applying noise rules to a page: selectors on its HTML, patterns on its text (``docs/rules.md``).

Rules change the article's text only, never the raw capture and never the
metadata the page gives (title, byline, dates, canonical URL), so an article
keeps its id and its metadata whatever the rules say. They are a pure function
of the page and the rules, so a version can be extracted again, with the
rules recorded for it, by ``archive reproduce`` and ``archive rebuild``.
lxml's CSS selectors are loaded only when a rule has a selector.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from archive.capture.normalize import normalize_text
from archive.errors import ExtractionFailed

__all__ = ["Rule", "NoiseRules", "Dropped", "apply_patterns", "select_html"]


class Rule(Protocol):
    """One pattern or selector, and its name in the rules file (``sites.example.org.drop[0]``)."""

    @property
    def value(self) -> str: ...

    @property
    def name(self) -> str: ...


class NoiseRules(Protocol):
    """The rules for one capture (``archive.store.rules.RuleSet``)."""

    @property
    def ignore_lines(self) -> Sequence[Rule]: ...

    @property
    def ignore_text(self) -> Sequence[Rule]: ...

    @property
    def body(self) -> Rule | None: ...

    @property
    def drop(self) -> Sequence[Rule]: ...

    @property
    def selects(self) -> bool: ...


@dataclass(frozen=True)
class Dropped:
    """What a rule took out of the page: the rule's name and the text it removed."""

    rule: str
    text: str


@functools.lru_cache(maxsize=1024)
def _pattern(value: str) -> re.Pattern[str]:
    return re.compile(value)


def apply_patterns(text: str, rules: NoiseRules) -> tuple[str, list[Dropped]]:
    """Drop each paragraph an ``ignore_lines`` pattern finds, cut out what ``ignore_text`` patterns match.

    ``text`` is normalized text (one paragraph a line); so is the result, where a paragraph left
    empty is gone and the spaces around a cut collapse.
    """
    dropped: list[Dropped] = []
    kept: list[str] = []
    for paragraph in text.splitlines():
        line_rule = next((rule for rule in rules.ignore_lines if _pattern(rule.value).search(paragraph)), None)
        if line_rule is not None:
            dropped.append(Dropped(line_rule.name, paragraph))
            continue
        for rule in rules.ignore_text:
            pattern = _pattern(rule.value)
            found = [match.group() for match in pattern.finditer(paragraph) if match.group()]
            if found:
                dropped.extend(Dropped(rule.name, match) for match in found)
                paragraph = pattern.sub("", paragraph)
        kept.append(paragraph)
    return normalize_text("\n".join(kept)), dropped


# Elements whose start and end break a paragraph when the text of a ``body`` selection is read.
_BLOCKS = frozenset(
    "address article aside blockquote br dd details div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section summary table tr ul".split()
)
_SKIPPED = frozenset({"script", "style", "noscript", "template", "head"})


def select_html(tree: Any, rules: NoiseRules) -> tuple[str | None, list[Dropped]]:
    """Apply ``drop`` (removed from ``tree``, an lxml HTML tree, in place) and ``body`` selectors.

    Returns the text of the ``body`` selection (one paragraph a line, not yet normalized), or None when
    there is no body rule and the extractor should read what is left of the tree; and what was dropped.
    """
    from lxml.cssselect import CSSSelector

    dropped: list[Dropped] = []
    for rule in rules.drop:
        for element in CSSSelector(rule.value)(tree):
            if element.getparent() is None:
                continue  # the document itself: nothing would be left
            removed = normalize_text(_block_text(element)).replace("\n", " ").strip()
            if removed:
                dropped.append(Dropped(rule.name, removed))
            element.drop_tree()
    if rules.body is None:
        return None, dropped
    selected = CSSSelector(rules.body.value)(tree)
    if not selected:
        raise ExtractionFailed(
            f"the rule {rules.body.name} ({rules.body.value!r}) selects nothing in this page: "
            "its markup may have changed (see archive rules test)"
        )
    return "\n".join(_block_text(element) for element in selected), dropped


def _block_text(element: Any) -> str:
    """The text in ``element``, with a line break at each block element's edges."""
    parts: list[str] = []
    _walk(element, parts)
    return "".join(parts)


def _walk(element: Any, parts: list[str]) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else None
    if tag is None or tag in _SKIPPED:
        return
    block = tag in _BLOCKS
    if block:
        parts.append("\n")
    elif tag in ("td", "th"):
        parts.append(" ")
    parts.append(element.text or "")
    for child in element:
        _walk(child, parts)
        parts.append(child.tail or "")
    if block:
        parts.append("\n")
