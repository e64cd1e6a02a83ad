"""Reading a folder of saved pages and text files as captures.

Every ``.html``, ``.htm``, ``.xhtml``, ``.txt``, ``.md`` and ``.markdown``
file under the folder is one capture. What the files cannot say about
themselves comes from ``captures.yaml`` at the top of the folder, keyed by
path relative to it::

    pages/story-1.html:
      url: https://example.org/news/story     # optional: the page's URL (names the article)
      id: story                               # optional: the article id
      captured_at: 2024-03-01T08:00:00Z       # optional: when it was saved

A file it does not list, or lists without ``captured_at``, was captured at
its modification time (to the second, UTC): fine for a one-off import, but
copies without ``cp -p`` change it, so give ``captured_at`` when the commit
ids must be reproducible.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Generator, Hashable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from archive.capture.fetch import MAX_BYTES, Capture, is_url, read_file
from archive.capture.normalize import one_line
from archive.errors import InvalidInput, SourceUnavailable
from archive.ids import validate_article_id
from archive.ingest.engine import IngestReport, Pending
from archive.model import check_capture_time, parse_time

__all__ = ["SIDECAR", "PAGE_SUFFIXES", "FileCapture", "scan_folder"]

SIDECAR = "captures.yaml"
PAGE_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".txt", ".text", ".md", ".markdown"})
_FIELDS = frozenset({"url", "id", "captured_at"})


@dataclass(frozen=True, slots=True)
class FileCapture:
    """A saved page or text file (``relative`` to the folder ``root``), read again by ``load`` (in a worker process)."""

    root: str
    relative: str
    url: str | None = None
    max_bytes: int = MAX_BYTES

    @property
    def path(self) -> str:
        return os.path.join(self.root, self.relative)

    def load(self) -> Capture:
        capture = read_file(self.path, self.max_bytes)
        return capture if self.url is None else dataclasses.replace(capture, url=self.url)


# libyaml's parser when PyYAML has it (its wheels do): the pure-Python one took 16 s of a 100,000-file import.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SidecarLoader(_SafeLoader, yaml.composer.Composer):  # type: ignore[misc]
    """YAML as usual, except that a timestamp stays text: ``parse_time`` reads it, and names a bad one.

    Also a composer in Python over the parser's events (``_entries``), so that an entry can be read
    without holding the whole file's nodes (3.4 times less memory at 100,000 entries).
    """


_SidecarLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_RESOLVER = yaml.resolver.Resolver()
_RESOLVER.yaml_implicit_resolvers = _SidecarLoader.yaml_implicit_resolvers  # (the tags the loader gives)


def _items(path: Path) -> Iterator[tuple[Any, Any]]:
    """The entries of ``captures.yaml``'s top-level mapping, as ``yaml.load`` gives them, read one by one
    (``_entries``); when the mapping has a tag or anchor, or a merge key, the whole file the usual way
    (then every entry again: ``yaml.load``'s values replace any given before). InvalidInput when the
    file is not a mapping."""
    with open(path, encoding="utf-8") as stream:
        loader = _SidecarLoader(stream)  # type: ignore[call-arg]  # (the parser takes the stream)
        try:
            loader.anchors = {}
            loader.get_event()  # the stream's start
            if loader.check_event(yaml.StreamEndEvent):
                return
            loader.get_event()  # the document's start
            start = loader.peek_event()
            if isinstance(start, yaml.MappingStartEvent) and start.tag is None and start.anchor is None:
                loader.get_event()
                whole = yield from _entries(loader)
                if whole:
                    loader.get_event()  # the document's end
                    if not loader.check_event(yaml.StreamEndEvent):
                        raise yaml.composer.ComposerError(
                            "expected a single document in the stream", None, "but found another document"
                        )
                    return
        finally:
            loader.dispose()
    with open(path, encoding="utf-8") as stream:
        data = yaml.load(stream, Loader=_SidecarLoader)
    if data is None:
        return
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: expected a mapping of file paths to url, id and captured_at")
    yield from data.items()


def _entries(loader: Any) -> Generator[tuple[Any, Any], None, bool]:
    """The rest of a top-level mapping, composed and constructed one entry at a time (its nodes then
    dropped), as ``yaml.load`` would give them; False when an entry needs the whole mapping (a merge key)."""
    while not loader.check_event(yaml.MappingEndEvent):
        key_node = loader.compose_node(None, None)
        value_node = loader.compose_node(None, None)
        if key_node.tag == "tag:yaml.org,2002:merge":
            return False
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", None, "found unhashable key", key_node.start_mark
            )
        value = loader.construct_object(value_node, deep=True)
        loader.constructed_objects.clear()
        yield key, value
    loader.get_event()
    return True


class _Listed(NamedTuple):
    """What ``captures.yaml`` says of one file (a tuple: 300,000 of them are held at once)."""

    url: str | None
    id: str | None
    captured_at: datetime | None


_UNLISTED = _Listed(None, None, None)


# One entry a line, as ../shared/tools/codecivil_corpus.py and most scripts write it:
#     path/to/file.md: {id: some-id, captured_at: 2024-03-01T08:00:00Z, url: https://example.org/a}
# Every scalar is plain and made of characters that end no plain scalar in a flow mapping (no space, comma,
# bracket, brace, quote or '#'), so the line means what it shows; each one is still resolved as the loader
# resolves it (a key or an id that YAML reads as a number, a bool or null takes the general path).
_PLAIN = r"[A-Za-z0-9_./+](?:[A-Za-z0-9_./~+=&%?:-]*[A-Za-z0-9_./~+=&%?-])?"
_ONE_LINE_FIELD = re.compile(rf"(url|id|captured_at): ({_PLAIN})")
_ONE_LINE_ENTRY = re.compile(
    rf"({_PLAIN}): \{{((?:url|id|captured_at): {_PLAIN}(?:, (?:url|id|captured_at): {_PLAIN})*)\}}"
)
_STR = "tag:yaml.org,2002:str"


def _one_line_items(path: Path) -> Iterator[tuple[str, dict[str, str]]] | None:
    """The entries of ``captures.yaml`` as ``_items`` gives them, when every line is one plain entry
    (``_ONE_LINE_ENTRY``), read without a YAML parser (a sixth of the main process's time in a 10,000-file
    import); None for any other file, which ``_items`` reads. The file is read twice, line by line (checked,
    then read), so that no more than one entry is held at a time."""
    with open(path, encoding="utf-8") as stream:
        lines = 0
        for line in stream:
            match = _ONE_LINE_ENTRY.fullmatch(line.removesuffix("\n"))
            if match is None:
                return None
            texts = (match[1], *(value for _, value in _ONE_LINE_FIELD.findall(match[2])))
            if any(_RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != _STR for text in texts):  # type: ignore[no-untyped-call]
                return None
            lines += 1
    return _one_line_entries(path) if lines else None


def _one_line_entries(path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            match = _ONE_LINE_ENTRY.fullmatch(line.removesuffix("\n"))
            if match is None:  # it was when _one_line_items read it
                raise InvalidInput(f"{path}: changed while it was read")
            yield match[1], dict(_ONE_LINE_FIELD.findall(match[2]))


def _sidecar(folder: Path) -> dict[str, _Listed]:
    """``captures.yaml``, checked entry by entry: a mistake in it stops the import before anything is read."""
    path = folder / SIDECAR
    if not path.exists():
        return {}
    entries: dict[str, _Listed] = {}
    times: dict[str, datetime] = {}  # a capture time as written -> as read (many captures share one)
    try:
        for name, fields in _one_line_items(path) or _items(path):
            entries[Path(str(name)).as_posix()] = _checked(f"{path}: {name}", fields, times)
            if len(times) > 65_536:
                times.clear()
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InvalidInput(f"{path}: not readable YAML ({str(error).splitlines()[0]})") from None
    return entries


def _checked(where: str, fields: Any, times: dict[str, datetime]) -> _Listed:
    """One entry's fields, checked; its article id interned and its capture time taken from ``times`` when
    it was read before, so that 300,000 entries hold each value once."""
    if not isinstance(fields, dict) or not set(fields) <= _FIELDS:
        raise InvalidInput(f"{where}: give a mapping with only url, id and captured_at")
    url = article_id = captured_at = None
    if fields.get("url") is not None:
        if not is_url(str(fields["url"])):
            raise InvalidInput(f"{where}: url must be an http(s) URL, not {fields['url']!r}")
        url = one_line(str(fields["url"]), f"{where}: url")
    if fields.get("id") is not None:
        article_id = sys.intern(validate_article_id(str(fields["id"])))
    if fields.get("captured_at") is not None:
        written = str(fields["captured_at"])
        captured_at = times.get(written)
        if captured_at is None:
            try:
                captured_at = times[written] = check_capture_time(parse_time(written, end_of_day=False))
            except InvalidInput as error:
                raise InvalidInput(f"{where}: captured_at: {error}") from None
    return _Listed(url, article_id, captured_at)


def _files(folder: Path) -> list[str]:
    """Every file under ``folder`` but hidden ones (in any folder, as ``Path.rglob`` lists them), as sorted
    paths relative to it (strings: 300,000 ``Path`` objects took a hundred megabytes). Like ``os.walk``, a
    link to a folder is not followed and an unreadable folder is passed over; the directory entries say
    what is a file, without a ``stat`` of each one but links."""
    found: list[str] = []
    folders = [("", str(folder))]
    while folders:
        prefix, directory = folders.pop()
        try:
            with os.scandir(directory) as listing:
                for entry in listing:
                    if entry.is_dir():
                        if not entry.is_symlink():
                            folders.append((prefix + entry.name + "/", entry.path))
                    elif not entry.name.startswith(".") and entry.is_file():
                        found.append(prefix + entry.name)
        except OSError:
            continue
    found.sort(key=lambda relative: relative.split("/"))  # as Path objects sort: folder by folder
    return found


def scan_folder(folder: Path, report: IngestReport, max_bytes: int = MAX_BYTES) -> list[Pending]:
    """The captures in ``folder`` (recursively), in path order; other files are counted as skipped."""
    if not folder.is_dir():
        raise SourceUnavailable(f"not a folder: {folder}")
    listed = _sidecar(folder)
    captures = []
    missing = set(listed)
    root = str(folder)
    for relative in _files(folder):
        if relative == SIDECAR:
            continue
        if os.path.splitext(relative)[1].lower() not in PAGE_SUFFIXES:
            report.skip("not a page or text file")
            continue
        missing.discard(relative)
        fields = listed.get(relative, _UNLISTED)
        captured_at = fields.captured_at
        if captured_at is None:
            try:
                captured_at = datetime.fromtimestamp(int(os.stat(os.path.join(root, relative)).st_mtime), UTC)
            except OSError as error:
                report.skip("unreadable", f"{relative}: {error.strerror or error}")
                continue
        captures.append(
            Pending(
                captured_at=captured_at,
                source=FileCapture(root, relative, fields.url, max_bytes),
                label=relative,
                article_id=fields.id,
                # (an article id given, the file name is never asked: 300,000 strings spared)
                name_hint=None if fields.id else relative.rpartition("/")[2],
            )
        )
    if not captures and not listed:
        raise SourceUnavailable(
            f"nothing to import in {folder}: it holds no page or text file ({', '.join(sorted(PAGE_SUFFIXES))})"
        )
    for name in sorted(missing):
        report.skip("missing", f"{name}: listed in {SIDECAR} but not in the folder")
    return captures
