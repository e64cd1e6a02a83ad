"""Presenting archive records: terminal text and JSON-ready dictionaries.

Every ``*_json`` function returns the documented, stable shape of one
command's ``--json`` output (see ``docs/json.md``); every ``*_text`` function
returns what the terminal shows. Colour is added with ANSI codes that
``click.echo`` strips when the output is not a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import click

from .diff import DELETE, EQUAL, INSERT
from .history import VersionDiff
from .model import ArticleSummary, LogEntry, Version, format_time
from .store import AddResult

__all__ = [
    "to_json",
    "snapshot_text",
    "snapshot_json",
    "articles_text",
    "articles_json",
    "history_text",
    "history_json",
    "version_text",
    "version_json",
    "word_diff_text",
    "word_diff_json",
    "log_text",
    "log_json",
]


def to_json(data: Any) -> str:
    """JSON as every command prints it: UTF-8 characters as themselves, indented, keys in a fixed order."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def _short_time(moment: datetime) -> str:
    return format_time(moment).replace("T", " ").removesuffix("Z")


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Sequence[int] = ()) -> str:
    """A plain text table; the last column is left unpadded so long titles do not widen it."""
    body = [list(row) for row in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *body, strict=False)]
    lines = []
    for row in [list(headers), *body]:
        cells = []
        for position, cell in enumerate(row):
            if position == len(row) - 1:
                cells.append(cell)
            elif position in right:
                cells.append(cell.rjust(widths[position]))
            else:
                cells.append(cell.ljust(widths[position]))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


# --- snapshot ------------------------------------------------------------------


def snapshot_text(result: AddResult) -> str:
    version = result.version
    if not result.created:
        return f"{version.article_id}: unchanged since version {version.number} ({version.commit[:12]})"
    return (
        f"{version.article_id}: stored version {version.number} ({version.commit[:12]}), "
        f"{version.words} words, +{version.words_added} -{version.words_removed}"
    )


def snapshot_json(result: AddResult) -> dict[str, Any]:
    return {"created": result.created, **_version_summary(result.version)}


# --- list ------------------------------------------------------------------------


def articles_text(articles: Sequence[ArticleSummary]) -> str:
    if not articles:
        return "The archive is empty (add an article with `archive snapshot`)."
    rows = [
        (a.article_id, str(a.versions), _short_time(a.first_seen), _short_time(a.last_seen), a.title) for a in articles
    ]
    return _table(("ARTICLE", "VERSIONS", "FIRST SEEN", "LAST SEEN", "TITLE"), rows, right=(1,))


def articles_json(articles: Sequence[ArticleSummary]) -> dict[str, Any]:
    return {
        "articles": [
            {
                "id": a.article_id,
                "title": a.title,
                "url": a.url,
                "canonical_url": a.canonical_url,
                "versions": a.versions,
                "first_seen": format_time(a.first_seen),
                "last_seen": format_time(a.last_seen),
            }
            for a in articles
        ]
    }


# --- history ---------------------------------------------------------------------


def history_text(versions: Sequence[Version]) -> str:
    first = versions[0]
    header = f"{first.article_id}" + (f"  <{versions[-1].url}>" if versions[-1].url else "")
    rows = [
        (
            str(v.number),
            _short_time(v.captured_at),
            str(v.words),
            f"+{v.words_added}",
            f"-{v.words_removed}",
            v.commit[:12],
            v.title,
        )
        for v in versions
    ]
    table = _table(("V", "CAPTURED (UTC)", "WORDS", "ADDED", "REMOVED", "COMMIT", "TITLE"), rows, right=(0, 2, 3, 4))
    return f"{header}\n{table}"


def _version_summary(version: Version) -> dict[str, Any]:
    return {
        "article": version.article_id,
        "version": version.number,
        "commit": version.commit,
        "captured_at": format_time(version.captured_at),
        "title": version.title,
        "url": version.url,
        "words": version.words,
        "words_added": version.words_added,
        "words_removed": version.words_removed,
        "text_sha256": version.metadata["text"]["sha256"],
    }


def history_json(versions: Sequence[Version]) -> dict[str, Any]:
    return {"article": versions[0].article_id, "versions": [_version_summary(v) for v in versions]}


# --- show --------------------------------------------------------------------------

_SHOWN_FIELDS = ("title", "authors", "published", "url", "final_url", "canonical_url", "site_name", "source")


def version_text(version: Version, text: str) -> str:
    meta = version.metadata
    lines = [f"{version.ref}  commit {version.commit}", f"captured: {format_time(version.captured_at)}"]
    for name in _SHOWN_FIELDS:
        value = meta.get(name)
        if value:
            lines.append(f"{name}: {', '.join(value) if isinstance(value, list) else value}")
    if meta.get("http"):
        lines.append(f"http: {meta['http']['status']} {meta['http'].get('content_type') or ''}".rstrip())
    lines.append(f"extractor: {meta['extractor']['name']} {meta['extractor']['version']}")
    lines.append(f"text: {meta['text']['words']} words, sha256 {meta['text']['sha256']}")
    lines.append(f"raw: {meta['raw']['file']}, {meta['raw']['bytes']} bytes, sha256 {meta['raw']['sha256']}")
    return "\n".join(lines) + "\n\n" + text.rstrip("\n")


def version_json(version: Version, text: str) -> dict[str, Any]:
    return {
        "article": version.article_id,
        "version": version.number,
        "commit": version.commit,
        "captured_at": format_time(version.captured_at),
        "metadata": dict(version.metadata),
        "text": text,
    }


# --- diff ----------------------------------------------------------------------------


def _mark(op: int, fragment: str) -> str:
    if op == DELETE:
        return click.style(f"[-{fragment}-]", fg="red")
    return click.style(f"{{+{fragment}+}}", fg="green")


def _marked_lines(ops: Sequence[tuple[int, str]]) -> list[tuple[str, bool]]:
    """The diff as display lines (one per paragraph), each with whether it holds a change.

    A change that spans paragraphs is marked on each line it touches, so that
    every displayed line opens and closes its own markers.
    """
    lines: list[list[str]] = [[]]
    changed = [False]
    for op, text in ops:
        for position, part in enumerate(text.split("\n")):
            if position:
                lines.append([])
                changed.append(False)
            if op != EQUAL:
                changed[-1] = True
            if part:
                lines[-1].append(part if op == EQUAL else _mark(op, part))
    if not lines[-1] and not changed[-1]:
        lines.pop()
        changed.pop()
    return [("".join(parts), flag) for parts, flag in zip(lines, changed, strict=True)]


def _elided(count: int) -> str:
    return click.style(f"⋯ {count} unchanged paragraph{'s' if count > 1 else ''}", dim=True)


def word_diff_text(diff: VersionDiff, full: bool = False) -> str:
    """A ``git diff --word-diff`` style rendering; unchanged paragraphs are elided unless ``full``."""
    old, new = diff.pair.old, diff.pair.new
    lines = [
        click.style(f"--- {old.ref}  {_short_time(old.captured_at)}  {old.commit[:12]}", bold=True),
        click.style(f"+++ {new.ref}  {_short_time(new.captured_at)}  {new.commit[:12]}", bold=True),
    ]
    if diff.title_changed:
        lines.append(f"title: {_mark(DELETE, old.title)} {_mark(INSERT, new.title)}")
    lines.append(f"words: +{diff.words.words_added} -{diff.words.words_removed}")
    if not diff.words.changed:
        lines.append("The texts are identical.")
        return "\n".join(lines)
    lines.append("")
    skipped = 0
    for line, changed in _marked_lines(diff.words.ops):
        if full or changed:
            if skipped:
                lines.append(_elided(skipped))
                skipped = 0
            lines.append(line)
        else:
            skipped += 1
    if skipped:
        lines.append(_elided(skipped))
    return "\n".join(lines)


def word_diff_json(diff: VersionDiff) -> dict[str, Any]:
    names = {DELETE: "delete", INSERT: "insert"}
    return {
        "article": diff.pair.old.article_id,
        "from": _version_summary(diff.pair.old),
        "to": _version_summary(diff.pair.new),
        "title_changed": diff.title_changed,
        "words_added": diff.words.words_added,
        "words_removed": diff.words.words_removed,
        "ops": [{"op": names.get(op, "equal"), "text": text} for op, text in diff.words.ops],
    }


# --- log -------------------------------------------------------------------------------


def log_text(entries: Sequence[LogEntry]) -> str:
    if not entries:
        return "No snapshots yet."
    rows = [(_short_time(e.captured_at), e.commit[:12], f"{e.article_id}@{e.number}", e.title) for e in entries]
    return _table(("CAPTURED (UTC)", "COMMIT", "VERSION", "TITLE"), rows)


def log_json(entries: Sequence[LogEntry]) -> dict[str, Any]:
    return {
        "snapshots": [
            {
                "commit": e.commit,
                "article": e.article_id,
                "version": e.number,
                "captured_at": format_time(e.captured_at),
                "title": e.title,
                "url": e.url,
            }
            for e in entries
        ]
    }
