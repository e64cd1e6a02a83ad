"""Store format 1, in YAML: each version's ``meta.yaml`` and the store marker (``docs/store-format.md``).

The only module that knows the fields of ``meta.yaml``: which ones a capture
gives and which ones the writer derives, which ones decide whether a capture
is a new version, and how they are written. Canonical YAML (sorted keys,
UTF-8 as itself, no folding) makes the same metadata the same bytes, and so
the same commit ids, on every machine.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from archive.store.layout import FORMAT_VERSION, LAYOUT, TEXT_FILE

if TYPE_CHECKING:
    import yaml

__all__ = [
    "TRACKED_FIELDS",
    "DERIVED_FIELDS",
    "WordCounts",
    "RecordedCapture",
    "canonical_yaml",
    "load_yaml",
    "sha256",
    "text_sha256",
    "capture_fields",
    "version_metadata",
    "given_fields",
    "recorded_text_sha256",
    "rules_field",
    "recorded_rules_blob",
    "extraction_change",
    "same_content",
    "recorded_capture",
    "marker_yaml",
    "marker_format",
]

# The metadata that, with the text, decides whether a capture is a new version.
# Capture details (time, HTTP headers, raw bytes) change on every fetch and do not.
TRACKED_FIELDS = ("title", "authors", "published", "canonical_url")
# What the writer derives for each version; the other fields are what the capture said.
DERIVED_FIELDS = frozenset({"id", "version", "previous_commit", "captured_at", "format", "text", "raw", "changes"})


def sha256(data: bytes) -> str:
    """The hex SHA-256 that ``meta.yaml`` records for a file."""
    return hashlib.sha256(data).hexdigest()


def text_sha256(text: str) -> str:
    """The hash a version records for its text (``meta.yaml``: ``text.sha256``)."""
    return sha256(text.encode("utf-8"))


@dataclass(frozen=True)
class WordCounts:
    """What a new version's ``text.words`` and ``changes`` record, measured by the caller (the store runs no diff).

    ``against`` is the SHA-256 of the text the counts were measured against:
    the latest version's, or None for an article's first version.
    """

    against: str | None
    words: int
    added: int
    removed: int


def capture_fields(
    *,
    url: str | None,
    final_url: str | None,
    canonical_url: str | None,
    title: str | None,
    authors: Sequence[str],
    published: str | None,
    site_name: str | None,
    image_credit: str | None,
    source: str,
    http_status: int | None,
    content_type: str | None,
    extractor: str,
    extractor_version: str,
    archiver_version: str,
    charset: str | None = None,
    rules: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The fields of ``meta.yaml`` a capture gives; every key is always present, null when unknown,
    but ``charset`` and ``rules``, present only when they say something."""
    return {
        "url": url,
        "final_url": final_url if final_url and final_url != url else None,
        "canonical_url": canonical_url,
        "title": title,
        "authors": list(authors),
        "published": published,
        "site_name": site_name,
        "image_credit": image_credit,
        "source": source,
        "http": None if http_status is None else {"status": http_status, "content_type": content_type},
        "extractor": {"name": extractor, "version": extractor_version},
        "archiver": {"version": archiver_version},
        # Only when detected: a key always present would change the commit of every capture ever made.
        **({"charset": charset} if charset else {}),
        # Only when noise rules applied (``archive.store.rules``): the same reason.
        **({"rules": dict(rules)} if rules else {}),
    }


def version_metadata(
    fields: Mapping[str, Any],
    *,
    article_id: str,
    number: int,
    previous_commit: str | None,
    captured_at: str,
    text: str,
    counts: WordCounts,
    raw: bytes,
    raw_file: str,
    media_type: str,
) -> dict[str, Any]:
    """A version's whole ``meta.yaml``: the capture's ``fields`` and what the writer derives (``DERIVED_FIELDS``)."""
    return {
        **fields,
        "id": article_id,
        "version": number,
        "previous_commit": previous_commit,
        "captured_at": captured_at,
        "format": FORMAT_VERSION,
        "text": {
            "file": TEXT_FILE,
            "sha256": text_sha256(text),
            "words": counts.words,
            "paragraphs": text.count("\n"),
        },
        "raw": {"file": raw_file, "sha256": sha256(raw), "bytes": len(raw), "media_type": media_type},
        "changes": {"words_added": counts.added, "words_removed": counts.removed},
    }


def given_fields(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a recorded ``meta.yaml`` that its capture gave, to record it again (``archive pull``)."""
    return {key: value for key, value in metadata.items() if key not in DERIVED_FIELDS}


def recorded_text_sha256(metadata: Mapping[str, Any]) -> str:
    """The SHA-256 of its text that a version's ``meta.yaml`` records."""
    return str(metadata["text"]["sha256"])


def rules_field(blob: str | None, extraction_change: bool = False) -> dict[str, Any]:
    """``meta.yaml``'s ``rules``: the blob id of the noise rules applied (``docs/rules.md``), and whether the
    text differs from the previous version's only because the rules did (then ``blob`` may be None)."""
    return {"blob": blob, **({"extraction_change": True} if extraction_change else {})}


def recorded_rules_blob(metadata: Mapping[str, Any]) -> str | None:
    """The blob id of the noise rules a version records as applied (None: none)."""
    recorded = metadata.get("rules")
    blob = recorded.get("blob") if isinstance(recorded, Mapping) else None
    return str(blob) if blob else None


def extraction_change(metadata: Mapping[str, Any]) -> bool:
    """True when a version's text differs from the previous version's only because the noise rules changed:
    a change of extraction, not of the article (a notifier or a feed may leave it out)."""
    recorded = metadata.get("rules")
    return isinstance(recorded, Mapping) and recorded.get("extraction_change") is True


def same_content(recorded: Mapping[str, Any], text_sha: str, fields: Mapping[str, Any]) -> bool:
    """True when a capture (its text's SHA-256 and its ``fields``) records nothing that ``recorded`` does not."""
    return recorded_text_sha256(recorded) == text_sha and all(
        recorded.get(field) == fields.get(field) for field in TRACKED_FIELDS
    )


@dataclass(frozen=True)
class RecordedCapture:
    """What a version's ``meta.yaml`` says about how it was captured: what extracting it again needs."""

    content_type: str | None
    source: str
    media_type: str
    url: str | None
    final_url: str | None
    http_status: int | None
    captured_at: str


def recorded_capture(metadata: Mapping[str, Any]) -> RecordedCapture:
    """Read how a version was captured; KeyError or TypeError when ``metadata`` lacks it."""
    http = metadata.get("http") or {}
    return RecordedCapture(
        content_type=http.get("content_type"),
        source=metadata["source"],
        media_type=metadata["raw"]["media_type"],
        url=metadata.get("url"),
        final_url=metadata.get("final_url") or metadata.get("url"),
        http_status=http.get("status"),
        captured_at=metadata["captured_at"],
    )


def marker_yaml() -> str:
    """The store marker (``archive.yaml``) a store's first commit writes."""
    return canonical_yaml({"format": FORMAT_VERSION, "layout": LAYOUT})


def marker_format(data: bytes) -> int | None:
    """The format a store marker declares, or None when it is not a readable marker."""
    import yaml

    try:
        return int(load_yaml(data)["format"])
    except (TypeError, KeyError, ValueError, yaml.YAMLError):
        return None


def canonical_yaml(data: Mapping[str, Any]) -> str:
    """YAML with sorted keys, UTF-8 characters as themselves and no line folding."""
    fast = _plain_yaml(data, "")
    if fast is not None:
        return fast or "{}\n"
    import yaml  # only for what the direct emitter leaves to PyYAML: a snapshot usually loads none

    return yaml.dump(
        dict(data),
        Dumper=_yaml_dumper(),
        sort_keys=True,
        allow_unicode=True,
        default_flow_style=False,
        width=2**31 - 1,
    )


def load_yaml(text: str | bytes) -> Any:
    """Read YAML safely (with libyaml when it is there), as ``yaml.load`` with the safe loader does.

    libyaml parses, but PyYAML's constructor, in Python, took most of ``verify``'s time (60 values in
    each meta.yaml). The values metadata holds (strings, integers, booleans, nulls, mappings, lists)
    are built here directly from the parsed nodes; a document with anything else (another tag, a merge
    key, a key that is not hashable, an alias cycle) is built by PyYAML's constructor, as before.
    """
    loader = _yaml_loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _constructed(node, loader)
        except (_Unusual, RecursionError):
            return loader.construct_document(node)
    finally:
        loader.dispose()


class _Unusual(Exception):
    """A node ``_constructed`` leaves to PyYAML's constructor."""


_TAG = "tag:yaml.org,2002:"


def _constructed(node: yaml.Node, loader: Any) -> Any:
    """The value of ``node``, as PyYAML's safe constructor makes it, for the common tags; else _Unusual."""
    import yaml

    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _TAG + "str":
            return node.value
        if tag == _TAG + "int":
            return loader.construct_yaml_int(node)
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return loader.construct_yaml_bool(node)
    elif isinstance(node, yaml.MappingNode) and tag == _TAG + "map":
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag in (_TAG + "merge", _TAG + "value"):
                raise _Unusual
            key = _constructed(key_node, loader)
            if type(key) is not str and not isinstance(key, Hashable):
                raise _Unusual
            mapping[key] = _constructed(value_node, loader)
        return mapping
    elif isinstance(node, yaml.SequenceNode) and tag == _TAG + "seq":
        return [_constructed(item, loader) for item in node.value]
    raise _Unusual


# --- the common case of canonical_yaml without PyYAML (a bulk import writes one meta.yaml per version) ---
#
# Metadata is nested mappings of short strings, integers, nulls and lists of
# strings. Emitting those takes a few lines, when every string may be written
# plain (unquoted): what PyYAML does then is fixed. Anything else (a string
# that needs quotes, a float, a list of mappings) returns None and PyYAML
# writes the whole document, so the output is always byte for byte PyYAML's.
# tests/test_bulk.py compares the two on real and random metadata.

_PLAIN_FIRST_FORBIDDEN = frozenset("#,[]{}&*!|>'\"%@`?:-. ")


def _is_plain(text: str) -> bool:
    """True when PyYAML writes ``text`` plain in block context: printable, one line, no indicator, read back as str."""
    return _yaml_style(text) == ""


# Outside libyaml's printable set (the Basic Multilingual Plane only), or one of its line breaks and the BOM.
# Written as the characters it matches: the negated class took 10 ms to compile, at every start.
_NOT_PLAIN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe-\U0010ffff]")

# PyYAML's implicit resolvers (yaml/resolver.py, YAML 1.1), verbatim, with the first characters each is tried on: a
# plain scalar one of them matches is read back as a bool, a number, a null, a date..., so PyYAML quotes it; any
# other is a string. Here so that writing meta.yaml loads no PyYAML (20 ms at every snapshot); each pattern is
# compiled when a scalar first needs it. tests/test_bulk.py compares the result with PyYAML's.
_IMPLICIT: tuple[tuple[str, str], ...] = (
    (
        r"""^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$""",
        "yYnNtTfFoO",
    ),
    (
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
    ),
    (
        r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
        "-+0123456789",
    ),
    (r"^(?:<<)$", "<"),
    (
        r"""^(?: ~
                    |null|Null|NULL
                    | )$""",
        "~nN",
    ),
    (
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
                     (?:[Tt]|[ \t]+)[0-9][0-9]?
                     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        "0123456789",
    ),
    (r"^(?:=)$", "="),
    (r"^(?:!|&|\*)$", "!&*"),
)


@functools.cache
def _implicit_resolvers(first: str) -> tuple[re.Pattern[str], ...]:
    """The resolvers PyYAML tries on a plain scalar that starts with ``first``."""
    return tuple(re.compile(pattern, re.X) for pattern, firsts in _IMPLICIT if first in firsts)


def _read_as_string(text: str) -> bool:
    """Whether PyYAML resolves the plain scalar ``text`` (not empty) to a string."""
    return not any(pattern.match(text) for pattern in _implicit_resolvers(text[0]))


@functools.lru_cache(maxsize=1 << 16)
def _yaml_style(text: str) -> str | None:
    """How PyYAML writes ``text`` in block context: "" plain, "'" single-quoted (a date, a number, a bool),
    None: some other way, left to PyYAML."""
    if not text or text[0] in _PLAIN_FIRST_FORBIDDEN or text[-1] in " :":
        return None
    if ": " in text or " #" in text or "'" in text:
        return None
    if _NOT_PLAIN.search(text):
        return None
    return "" if _read_as_string(text) else "'"


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


# Mapping keys (as a tuple, in the mapping's order) -> the same keys sorted, once each is known to be plain:
# every meta.yaml has one of a few key sets.
_KEY_ORDERS: dict[tuple[Any, ...], list[str]] = {}


_K = TypeVar("_K")
_V = TypeVar("_V")


def _kept(table: dict[_K, _V], key: _K, value: _V, limit: int) -> _V:
    """``value``, kept in ``table`` under ``key``; a full table (``limit`` entries) is emptied first, so that a
    memo of what recurs in metadata stays bounded however many documents pass through it."""
    if len(table) >= limit:
        table.clear()
    table[key] = value
    return value


def _plain_yaml(data: Mapping[str, Any], indent: str) -> str | None:
    """``data`` as PyYAML's block-style YAML, or None when a value is outside the simple case."""
    keys = tuple(data)
    order = _KEY_ORDERS.get(keys)
    if order is None:
        if not all(isinstance(key, str) and _is_plain(key) for key in keys):
            return None
        order = _kept(_KEY_ORDERS, keys, sorted(keys), 1024)
    lines = []
    for key in order:
        value = data[key]
        kind = type(value)
        # The exact types metadata holds first (a type test is cheaper than isinstance against an ABC).
        if kind is str:
            style = _yaml_style(value)
            if style is None:
                return None
            lines.append(f"{indent}{key}: {style}{value}{style}\n")
        elif value is None:
            lines.append(f"{indent}{key}: null\n")
        elif kind is int:
            lines.append(f"{indent}{key}: {value}\n")
        elif kind is dict or (kind is not list and isinstance(value, Mapping)):
            if not value:
                lines.append(f"{indent}{key}: {{}}\n")
                continue
            inner = _plain_yaml(value, indent + "  ")
            if inner is None:
                return None
            lines.append(f"{indent}{key}:\n{inner}")
        elif kind is list or isinstance(value, tuple | list):
            if not value:
                lines.append(f"{indent}{key}: []\n")
                continue
            items = [_plain_scalar(item) if isinstance(item, str) else None for item in value]
            if None in items:
                return None
            lines.append(f"{indent}{key}:\n" + "".join(f"{indent}- {item}\n" for item in items))
        else:
            scalar = _plain_scalar(value)
            if scalar is None:
                return None
            lines.append(f"{indent}{key}: {scalar}\n")
    return "".join(lines)


@functools.cache
def _yaml_dumper() -> Any:
    import yaml

    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _yaml_loader() -> Any:
    """The safe loader (libyaml's when it is there), remembering the tags of the plain scalars it resolved: most
    of meta.yaml's (its keys, ``null``, the media type) recur in every document, and resolving runs a regular
    expression each. Made on first use: reading YAML loads PyYAML, writing meta.yaml usually does not."""
    import yaml

    safe_loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    tags: dict[tuple[Any, ...], str] = {}

    class Loader(safe_loader):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is not yaml.ScalarNode:
                return super().resolve(kind, value, implicit)
            key = (value, *implicit)
            tag = tags.get(key)
            if tag is None:
                tag = _kept(tags, key, super().resolve(kind, value, implicit), 4096)
            return tag

    return Loader


# --- reading back what canonical_yaml wrote, without a YAML parser (verify reads every meta.yaml) ---


def read_canonical_yaml(data: bytes) -> dict[str, Any] | None:
    """The mapping that ``canonical_yaml`` wrote as ``data``, or None when ``data`` is not such a document.

    Building libyaml's nodes was most of ``verify``'s time. Here each line must be one that the simple
    case of ``canonical_yaml`` writes (``_plain_yaml``: sorted keys, two spaces a level, each value
    written as ``_plain_scalar`` writes it), so that writing the result again gives ``data`` byte for
    byte, and it is what ``load_yaml`` reads (PyYAML reads back what it writes). Any other document
    gives None, and the caller reads it with ``load_yaml``.
    """
    if not data.endswith(b"\n"):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = _LINES
    read = []
    for line in text[:-1].split("\n"):
        entry = lines.get(line)
        if entry is None:
            entry = _kept(lines, line, _read_line(line), _KEPT)
        if entry is _NOT_LINE:
            return None
        read.append(entry)
    shape = tuple([entry[0] for entry in read])
    structure = _STRUCTURES.get(shape)
    if structure is None:
        structure = _kept(_STRUCTURES, shape, _structure(shape), _KEPT)
    if structure is _NOT_LINE:
        return None
    return _filled(structure, [entry[1] for entry in read])


# Each line read, by its text (most of meta.yaml's lines, its keys, nulls and extractor, recur in every
# document), and the structure of each sequence of line shapes (nearly every meta.yaml has one of a few).
_LINES: dict[str, Any] = {}
_STRUCTURES: dict[tuple[tuple[int, str | None, str], ...], Any] = {}
_KEPT = 1 << 16
_NOT_LINE = object()
_ITEM, _SCALAR, _OPEN, _EMPTY_MAPPING, _EMPTY_LIST = "-", "=", ":", "{}", "[]"


def _read_line(line: str) -> Any:
    """((depth, key, kind), value) of a line ``_plain_yaml`` writes, or _NOT_LINE: kind _ITEM (key None) for a
    list item, _SCALAR for a key and its value, _OPEN for a key whose value is on the lines below,
    _EMPTY_MAPPING or _EMPTY_LIST for a key and ``{}`` or ``[]``."""
    body = line.lstrip(" ")
    depth, odd = divmod(len(line) - len(body), 2)
    if odd:
        return _NOT_LINE
    if body[:2] == "- ":
        item = _read_scalar(body[2:])
        return ((depth, None, _ITEM), item) if type(item) is str else _NOT_LINE
    key, colon, value = body.partition(":")
    if not colon or _yaml_style(key) != "":
        return _NOT_LINE
    if not value:
        return (depth, key, _OPEN), None
    if value in (" {}", " []"):
        return (depth, key, value[1:]), None
    if value[0] == " ":
        scalar = _read_scalar(value[1:])
        return _NOT_LINE if scalar is _NOT_SCALAR else ((depth, key, _SCALAR), scalar)
    return _NOT_LINE


def _structure(shape: tuple[tuple[int, str | None, str], ...]) -> Any:
    """The nesting of a document whose lines have these shapes: mappings of keys to the index of the line
    holding their value, to a list of such indexes (the items), or to a mapping; _NOT_LINE when the lines
    are not nested, ordered and indented as ``_plain_yaml`` writes them."""
    root: dict[str, Any] = {}
    mappings = [root]  # the open mapping at each depth
    last_keys = [""]  # the last key of each, for the order
    items: list[int] | None = None  # the open list, whose items are at the last mapping's depth
    opened: str | None = None  # a "key:" line of the last mapping, whose value is on the lines below
    for index, (depth, key, kind) in enumerate(shape):
        if opened is not None:
            if kind == _ITEM and depth == len(mappings) - 1:
                items = mappings[-1][opened] = []
            elif depth == len(mappings):
                mappings.append({})
                last_keys.append("")
                mappings[-2][opened] = mappings[-1]
            else:
                return _NOT_LINE
            opened = None
        if key is None:
            if items is None or depth != len(mappings) - 1:
                return _NOT_LINE
            items.append(index)
            continue
        items = None
        if depth >= len(mappings):
            return _NOT_LINE
        del mappings[depth + 1 :], last_keys[depth + 1 :]
        if key <= last_keys[-1]:
            return _NOT_LINE
        last_keys[-1] = key
        if kind == _OPEN:
            opened = key
        elif kind == _EMPTY_MAPPING:
            mappings[-1][key] = {}
        elif kind == _EMPTY_LIST:
            mappings[-1][key] = []
        else:
            mappings[-1][key] = index
    return _NOT_LINE if opened is not None or not root else root


def _filled(structure: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    """A new mapping of ``structure``'s nesting, each line index replaced by that line's value."""
    mapping: dict[str, Any] = {}
    for key, value in structure.items():
        kind = type(value)
        if kind is int:
            mapping[key] = values[value]
        elif kind is dict:
            mapping[key] = _filled(value, values)
        else:
            mapping[key] = [values[index] for index in value]
    return mapping


_WORDS = {"null": None, "true": True, "false": False}
_NOT_SCALAR = object()


def _read_scalar(token: str) -> Any:
    """The value ``_plain_scalar`` writes as ``token``, or _NOT_SCALAR when it writes no value that way."""
    if token in _WORDS:
        return _WORDS[token]
    if token[:1] == "'":
        value = token[1:-1]
        return value if len(token) > 1 and token[-1] == "'" and _yaml_style(value) == "'" else _NOT_SCALAR
    if token[:1].isdigit() or token[:1] == "-":
        try:
            number = int(token)
        except ValueError:
            pass
        else:
            return number if str(number) == token else _NOT_SCALAR
    return token if _yaml_style(token) == "" else _NOT_SCALAR
