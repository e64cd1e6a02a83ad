"""The noise rules file (``rules.yaml`` at the top of the store): its schema, its checks, and which rules apply.

Rules are per site (a host and its subdomains) or per article: patterns for
lines and text to ignore, CSS selectors for the article body and for parts to
drop, and the kinds of change to alert on (``docs/rules.md``). The file is
committed with the store, and each version records the blob id of the file
that was applied to it, so the same rules can be applied again from the
history (``archive reproduce``, ``archive rebuild``). Every problem is named
with the file, the line and the rule, from the YAML node marks.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

from archive.errors import InvalidInput
from archive.ids import validate_article_id

__all__ = ["SCOPE_KEYS", "Rule", "RuleSet", "RulesFile", "parse_rules", "host_of"]

# What a site or an article may say; the list keys take one value or a list of them.
SCOPE_KEYS = ("ignore_lines", "ignore_text", "body", "drop", "alert")
_LISTS = frozenset({"ignore_lines", "ignore_text", "drop", "alert"})
_TOP_KEYS = ("sites", "articles")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_STR = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class Rule:
    """One pattern or selector of the file, named as a path into it (``sites.example.org.ignore_text[0]``)."""

    value: str
    name: str
    line: int


@dataclass(frozen=True)
class RuleSet:
    """The rules that apply to one capture: its site's, then its article's (``RulesFile.for_capture``)."""

    blob: str
    site: str | None
    article: str | None
    ignore_lines: tuple[Rule, ...] = ()
    ignore_text: tuple[Rule, ...] = ()
    body: Rule | None = None
    drop: tuple[Rule, ...] = ()
    alert: tuple[str, ...] | None = None

    @property
    def selects(self) -> bool:
        """True when the rules change how an HTML page is read (a body or parts to drop), not only its text."""
        return self.body is not None or bool(self.drop)


@dataclass(frozen=True)
class _Scope:
    ignore_lines: tuple[Rule, ...] = ()
    ignore_text: tuple[Rule, ...] = ()
    body: Rule | None = None
    drop: tuple[Rule, ...] = ()
    alert: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RulesFile:
    """A parsed, checked rules file; ``blob`` is its git blob id, recorded with each version it applied to."""

    blob: str
    sites: Mapping[str, _Scope] = field(default_factory=dict)
    articles: Mapping[str, _Scope] = field(default_factory=dict)

    def site_for(self, url_or_host: str | None) -> str | None:
        """The site whose rules apply to ``url_or_host``: the longest listed host equal to its host or above it."""
        host = host_of(url_or_host)
        if not host:
            return None
        labels = host.split(".")
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            if candidate in self.sites:
                return candidate
        return None

    def for_capture(self, url: str | None, article_id: str | None) -> RuleSet | None:
        """The rules for a capture of ``url`` as ``article_id``: its site's and its article's; None when none apply.

        Lists add up (the site's first); ``body`` and ``alert`` given for the article replace the site's.
        """
        site = self.site_for(url)
        scopes = [self.sites[site]] if site else []
        article = article_id if article_id in self.articles else None
        if article is not None:
            scopes.append(self.articles[article])
        if not scopes:
            return None
        body: Rule | None = None
        alert: tuple[str, ...] | None = None
        for scope in scopes:
            body = scope.body or body
            alert = scope.alert if scope.alert is not None else alert
        return RuleSet(
            blob=self.blob,
            site=site,
            article=article,
            ignore_lines=tuple(rule for scope in scopes for rule in scope.ignore_lines),
            ignore_text=tuple(rule for scope in scopes for rule in scope.ignore_text),
            body=body,
            drop=tuple(rule for scope in scopes for rule in scope.drop),
            alert=alert,
        )

    def alert_kinds(self, site: str | None, article: str | None) -> frozenset[str] | None:
        """The kinds of change to alert on for an article of ``site`` (a URL or a host); None: the rules say nothing."""
        rules = self.for_capture(site, article)
        return None if rules is None or rules.alert is None else frozenset(rules.alert)


def host_of(url_or_host: str | None) -> str | None:
    """The lowercase host of a URL, or the host itself, without ``www.``'s special case: subdomains match above."""
    if not url_or_host:
        return None
    text = url_or_host.strip()
    if "://" in text:
        try:
            return urlsplit(text).hostname or None
        except ValueError:
            return None
    return text.lower().rstrip(".") or None


def parse_rules(
    data: bytes, name: str, blob: str, kinds: Collection[str] | None = None, selectors: bool = True
) -> RulesFile:
    """Read and check a rules file; InvalidInput naming ``name``, the line and the rule for the first problem.

    ``kinds``: the kinds of change ``alert`` may name (None: not checked, for a file already committed, so that
    a kind renamed later does not stop captures). ``selectors``: check the CSS selectors (imports lxml).
    """
    problems = list(_problems(data, name, kinds, selectors))
    if problems:
        first, more = problems[0], len(problems) - 1
        raise InvalidInput(first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""))
    return _parsed(data, blob)


def problems_in(data: bytes, name: str, kinds: Collection[str] | None = None) -> list[str]:
    """Every problem of a rules file, one line each (``archive rules check``)."""
    return list(_problems(data, name, kinds, True))


@functools.lru_cache(maxsize=64)
def _parsed(data: bytes, blob: str) -> RulesFile:
    root = _compose(data)
    sites: dict[str, _Scope] = {}
    articles: dict[str, _Scope] = {}
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            target = sites if key.value == "sites" else articles
            if isinstance(value, yaml.MappingNode):
                for scope_key, scope in value.value:
                    target[scope_key.value] = _scope(f"{key.value}.{scope_key.value}", scope)
    return RulesFile(blob, sites, articles)


def _scope(path: str, node: yaml.Node) -> _Scope:
    found: dict[str, Any] = {}
    if not isinstance(node, yaml.MappingNode):
        return _Scope()
    for key, value in node.value:
        items = [rule for rule, _ in _items(f"{path}.{key.value}", value, key.value in _LISTS)]
        if key.value == "alert":
            found["alert"] = tuple(rule.value for rule in items)
        elif key.value == "body":
            found["body"] = items[0] if items else None
        else:
            found[key.value] = tuple(items)
    return _Scope(**found)


def _items(path: str, node: yaml.Node, many: bool) -> Iterator[tuple[Rule, yaml.Node]]:
    """The string values of a key: one, or each item of a list (``path[i]``)."""
    if many and isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield Rule(str(item.value), f"{path}[{index}]", item.start_mark.line + 1), item
    else:
        yield Rule(str(node.value), path, node.start_mark.line + 1), node


def _compose(data: bytes) -> yaml.Node | None:
    return yaml.compose(data.decode("utf-8"), Loader=yaml.SafeLoader)


def _problems(data: bytes, name: str, kinds: Collection[str] | None, selectors: bool) -> Iterator[str]:
    try:
        root = _compose(data)
    except UnicodeDecodeError as error:
        yield f"{name}: not UTF-8 text ({error.reason} at byte {error.start})"
        return
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        yield f"{where}: not valid YAML ({getattr(error, 'problem', None) or error})"
        return
    if root is None:
        return
    if not isinstance(root, yaml.MappingNode):
        yield f"{name}:{root.start_mark.line + 1}: expected a mapping with keys {' and '.join(_TOP_KEYS)}"
        return
    for key, value in ((k.value, v) for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value in _TOP_KEYS):
        if isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:null":
            continue
        if not isinstance(value, yaml.MappingNode):
            yield f"{name}:{value.start_mark.line + 1}: {key}: expected a mapping of {key} to their rules"
            continue
        yield from _duplicates(value, name, key)
        for scope_key, scope in value.value:
            path = f"{key}.{scope_key.value}"
            line = scope_key.start_mark.line + 1
            if not isinstance(scope_key, yaml.ScalarNode):
                yield f"{name}:{line}: {key}: a {key[:-1]} must be named by a plain string"
                continue
            if key == "sites" and not _HOST.match(scope_key.value):
                yield (
                    f"{name}:{line}: {path}: not a host name (write it as example.org, lowercase, without scheme, "
                    "port or path; it also matches its subdomains)"
                )
            if key == "articles":
                try:
                    validate_article_id(scope_key.value)
                except InvalidInput as error:
                    yield f"{name}:{line}: {path}: {error}"
            yield from _scope_problems(scope, name, path, kinds, selectors)
    yield from _duplicates(root, name, "")


def _duplicates(node: yaml.MappingNode, name: str, path: str) -> Iterator[str]:
    seen: set[str] = set()
    for key, _ in node.value:
        label = f"{path}.{key.value}" if path else str(key.value)
        if not isinstance(key, yaml.ScalarNode):
            yield f"{name}:{key.start_mark.line + 1}: {path or 'the top level'}: a key must be a plain name"
            continue
        if key.value in seen:
            yield f"{name}:{key.start_mark.line + 1}: {label}: given twice"
        seen.add(key.value)
        if not path and key.value not in _TOP_KEYS:
            yield f"{name}:{key.start_mark.line + 1}: {label}: unknown key (expected {' or '.join(_TOP_KEYS)})"


def _scope_problems(
    node: yaml.Node, name: str, path: str, kinds: Collection[str] | None, selectors: bool
) -> Iterator[str]:
    if not isinstance(node, yaml.MappingNode):
        yield f"{name}:{node.start_mark.line + 1}: {path}: expected a mapping of rules ({', '.join(SCOPE_KEYS)})"
        return
    seen: set[str] = set()
    for key, value in node.value:
        label = f"{path}.{key.value}"
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode) or key.value not in SCOPE_KEYS:
            yield f"{name}:{line}: {label}: unknown key (expected one of {', '.join(SCOPE_KEYS)})"
            continue
        if key.value in seen:
            yield f"{name}:{line}: {label}: given twice"
        seen.add(key.value)
        many = key.value in _LISTS
        if many and isinstance(value, yaml.SequenceNode) and not value.value:
            continue
        for rule, item in _items(label, value, many):
            where = f"{name}:{rule.line}: {rule.name}"
            if not isinstance(item, yaml.ScalarNode) or item.tag != _STR or not rule.value.strip():
                shape = "a string or a list of strings" if many else "a string"
                yield f"{where}: expected {shape}"
                continue
            problem = _value_problem(key.value, rule.value, kinds, selectors)
            if problem:
                yield f"{where}: {problem}"


def _value_problem(key: str, value: str, kinds: Collection[str] | None, selectors: bool) -> str | None:
    if key in ("ignore_lines", "ignore_text"):
        try:
            pattern = re.compile(value)
        except re.error as error:
            return f"bad regular expression {value!r}: {error}"
        if key == "ignore_lines" and pattern.search("") is not None:
            return f"the regular expression {value!r} matches the empty string, so it would drop every line"
        return None
    if key in ("body", "drop"):
        return selector_problem(value) if selectors else None
    if kinds is not None and value not in kinds:
        return f"unknown kind of change {value!r} (known: {', '.join(sorted(kinds))})"
    return None


def selector_problem(selector: str) -> str | None:
    """Why ``selector`` is not a CSS selector lxml can use, or None."""
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        CSSSelector(selector)
    except SelectorError as error:
        return f"bad CSS selector {selector!r}: {error}"
    except Exception as error:  # noqa: BLE001  # lxml's XPath compiler may refuse what cssselect produced
        return f"bad CSS selector {selector!r}: {error}"
    return None
