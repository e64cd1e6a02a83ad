"""Presenting archive records: terminal text and JSON-ready dictionaries.

Every ``*_json`` function returns the documented, stable shape of one
command's ``--json`` output (see ``docs/json.md``); every ``*_text`` function
returns what the terminal shows. Colour is added with ANSI codes that
``click.echo`` strips when the output is not a terminal.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from archive.model import ArticleSummary, LogEntry, Version, format_time, plural

if TYPE_CHECKING:  # for annotations only: importing the comparison engine is slow
    from archive.compare.changes import Change, Comparison, Coverage, Excerpt
    from archive.ingest.engine import IngestReport
    from archive.ingest.feeds import WatchReport
    from archive.ingest.remote import PullResult, PushResult
    from archive.present.notifications import Target
    from archive.review.changelog import ClaimChange
    from archive.review.versions import TermMention, TimelineEntry, VersionComparison, VersionDiff, VersionPair
    from archive.store.maintenance import Maintenance
    from archive.store.signatures import Signing
    from archive.store.timestamps import Timestamping
    from archive.store.writer import AddResult

__all__ = [
    "printable",
    "terminal_width",
    "to_json",
    "text_table",
    "snapshot_text",
    "snapshot_json",
    "snapshot_warnings",
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
    "sentence_diff_text",
    "sentence_diff_json",
    "claims_json",
    "claims_text",
    "timeline_text",
    "timeline_json",
    "term_coverage_text",
    "term_coverage_json",
    "change_values",
    "changes_text",
    "changes_json",
    "notify_text",
    "notify_json",
    "ingest_text",
    "watch_text",
    "ingest_json",
    "pull_text",
    "push_text",
]


# Characters a terminal acts on instead of showing: C0 and C1 controls (ESC starts colour, title (OSC 0) and
# link (OSC 8) sequences, CR returns to the line's start), line and paragraph separators, and the bidi
# overrides and isolates that reorder what follows them.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNPRINTABLE_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape (ESC as ``\\x1b``), so that nothing in a
    store can drive the terminal; ``newlines`` keeps line breaks (a body of text), else a value stays one line.

    Stored text is normalized without them, but a store may hold anything (an old version, another tool,
    a forged commit), and what the terminal shows must be what is there."""
    return (_UNPRINTABLE_BUT_NEWLINE if newlines else _UNPRINTABLE).sub(_escaped, text)


def to_json(data: Any) -> str:
    """JSON as every command prints it: UTF-8 characters as themselves, indented, keys in a fixed order."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def _short_time(moment: datetime) -> str:
    return format_time(moment).replace("T", " ").removesuffix("Z")


def terminal_width() -> int | None:
    """The width to fit tables to: the terminal's (``COLUMNS`` first, as a shell sets it) when stdout is a
    terminal; None when it is a pipe or a file, so scripts and saved outputs get every line whole."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


# A title cut to fit the terminal keeps at least this many characters (then the line may be longer).
_MIN_FITTED = 8


def _fit(cell: str, room: int) -> str:
    return cell if len(cell) <= room else cell[: max(room, _MIN_FITTED) - 1].rstrip() + "…"


def text_table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], right: Sequence[int] = (), width: int | None = -1
) -> str:
    """A plain text table, the columns in ``right`` right-aligned; a left-aligned last column is left
    unpadded so long titles do not widen the table, and is shortened with … to fit ``width`` columns
    (default: ``terminal_width()``; None: never)."""
    if width == -1:
        width = terminal_width()
    body = [[printable(str(cell)) for cell in row] for row in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *body, strict=False)]
    last = len(widths) - 1
    if width is not None and body and last not in right:
        room = width - sum(widths[:last]) - 2 * last
        for row in body:
            if len(row) > last:
                row[last] = _fit(row[last], room)
    lines = []
    for row in [list(headers), *body]:
        cells = []
        for position, cell in enumerate(row):
            if position == len(row) - 1 and position not in right:
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
    if result.recorded:
        return (
            f"{version.article_id}: already recorded as version {version.number} ({version.commit[:12]}, "
            f"captured {format_time(version.captured_at)}); nothing added"
        )
    if not result.created:
        return f"{version.article_id}: unchanged since version {version.number} ({version.commit[:12]})"
    return (
        f"{version.article_id}: stored version {version.number} ({version.commit[:12]}), "
        f"{version.words} words, +{version.words_added} -{version.words_removed}"
    )


def snapshot_warnings(result: AddResult, source: str) -> list[str]:
    """What the user should check about the capture just made: a charset that was guessed, not declared."""
    charset = result.version.metadata.get("charset")
    if not charset:
        return []
    where = "standard input" if source == "-" else printable(source)
    return [
        f"warning: {where} is not UTF-8 and declares no charset: decoded as {printable(str(charset))} (detected), "
        "recorded in meta.yaml as charset"
    ]


def snapshot_json(result: AddResult) -> dict[str, Any]:
    """``outcome`` tells apart what ``created: false`` lumps together: unchanged, or recorded already."""
    outcome = "stored" if result.created else "already-recorded" if result.recorded else "unchanged"
    return {"created": result.created, "outcome": outcome, **_version_summary(result.version)}


# --- list ------------------------------------------------------------------------


def articles_text(articles: Sequence[ArticleSummary]) -> str:
    if not articles:
        return "The archive is empty (add an article with `archive snapshot`)."
    rows = [
        (a.article_id, str(a.versions), _short_time(a.first_seen), _short_time(a.last_seen), a.title) for a in articles
    ]
    return text_table(("ARTICLE", "VERSIONS", "FIRST SEEN", "LAST SEEN", "TITLE"), rows, right=(1,))


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
    header = f"{first.article_id}" + (f"  <{printable(versions[-1].url)}>" if versions[-1].url else "")
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
    headers = ("V", "CAPTURED (UTC)", "WORDS", "ADDED", "REMOVED", "COMMIT", "TITLE")
    table = text_table(headers, rows, right=(0, 2, 3, 4))
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
            lines.append(f"{name}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    if meta.get("http"):
        lines.append(f"http: {meta['http']['status']} {meta['http'].get('content_type') or ''}".rstrip())
    lines.append(f"extractor: {meta['extractor']['name']} {meta['extractor']['version']}")
    if "rules" in meta:  # only a version that noise rules applied to (docs/rules.md)
        from archive.store.metadata import extraction_change, recorded_rules_blob

        blob = recorded_rules_blob(meta)
        applied = f"rules.yaml {blob[:12]}" if blob else "none"
        lines.append(f"rules: {applied}" + " (the text changed only because the rules did)" * extraction_change(meta))
    lines.append(f"text: {meta['text']['words']} words, sha256 {meta['text']['sha256']}")
    lines.append(f"raw: {meta['raw']['file']}, {meta['raw']['bytes']} bytes, sha256 {meta['raw']['sha256']}")
    return "\n".join(map(printable, lines)) + "\n\n" + printable(text.rstrip("\n"), newlines=True)


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
    from archive.compare.words import DELETE

    fragment = printable(fragment, newlines=True)
    if op == DELETE:
        return click.style(f"[-{fragment}-]", fg="red")
    return click.style(f"{{+{fragment}+}}", fg="green")


def _marked_lines(ops: Sequence[tuple[int, str]]) -> list[tuple[str, bool]]:
    """The diff as display lines (one per paragraph), each with whether it holds a change.

    A change that spans paragraphs is marked on each line it touches, so that
    every displayed line opens and closes its own markers.
    """
    from archive.compare.words import EQUAL

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
                lines[-1].append(printable(part) if op == EQUAL else _mark(op, part))
    if not lines[-1] and not changed[-1]:
        lines.pop()
        changed.pop()
    return [("".join(parts), flag) for parts, flag in zip(lines, changed, strict=True)]


def _elided(count: int) -> str:
    return click.style(f"⋯ {count} unchanged paragraph{'s' if count > 1 else ''}", dim=True)


def word_diff_text(diff: VersionDiff, full: bool = False) -> str:
    """A ``git diff --word-diff`` style rendering; unchanged paragraphs are elided unless ``full``."""
    from archive.compare.words import DELETE, INSERT

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
    from archive.compare.words import DELETE, INSERT

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
    return text_table(("CAPTURED (UTC)", "COMMIT", "VERSION", "TITLE"), rows)


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


# --- sentence-level comparison, claims, timeline, coverage ------------------------

_KIND_COLOURS = {
    "edited": "yellow",
    "added": "green",
    "removed": "red",
    "moved": "cyan",
    "split": "magenta",
    "merged": "magenta",
    "rewritten": "yellow",
    "notice": "blue",
}


def _where(excerpt: Excerpt | None) -> str:
    if excerpt is None:
        return "—"
    first, last = excerpt.sentences[0] + 1, excerpt.sentences[-1] + 1
    return f"¶{excerpt.paragraph + 1} s{first}" + (f"-{last}" if last != first else "")


def _change_body(change: Change) -> str:
    """The change's text with its word-level edits marked (old text for removals, new for additions)."""
    from archive.compare.words import DELETE, EQUAL, INSERT

    if change.diff is not None and change.edited:
        return "".join(printable(text) if op == EQUAL else _mark(op, text) for op, text in change.diff.ops)
    if change.new is not None and change.old is None:
        return _mark(INSERT, change.new.text)
    if change.old is not None and change.new is None:
        return _mark(DELETE, change.old.text)
    excerpt = change.new or change.old
    return printable(excerpt.text) if excerpt else ""


def _change_lines(change: Change) -> list[str]:
    kind = click.style(f"{change.kind.upper():<8}", fg=_KIND_COLOURS.get(str(change.kind)), bold=True)
    verdict = (
        click.style("SUBSTANTIVE", fg="red", bold=True) if change.substantive else click.style("cosmetic", dim=True)
    )
    lines = [f"{kind} {_where(change.old)} → {_where(change.new)}  {verdict}"]
    lines.extend(f"    · {printable(reason.text)}" for reason in change.reasons)
    lines.append("    " + _change_body(change))
    return lines


def _pair_header(pair: VersionPair) -> list[str]:
    old, new = pair.old, pair.new
    return [
        click.style(f"--- {old.ref}  {_short_time(old.captured_at)}  {old.commit[:12]}", bold=True),
        click.style(f"+++ {new.ref}  {_short_time(new.captured_at)}  {new.commit[:12]}", bold=True),
    ]


def _counts_line(comparison: Comparison) -> str:
    counts = comparison.counts
    kinds = ", ".join(f"{counts[kind]} {kind}" for kind in ("edited", "added", "removed", "moved", "split", "merged"))
    return (
        f"{counts['substantive']} substantive, {counts['cosmetic']} cosmetic · {kinds} · "
        f"{counts['unchanged']} unchanged"
    )


def _headline_line(coverage: Coverage) -> str | None:
    from archive.compare.words import DELETE, INSERT

    if not coverage.headline_changed:
        return None
    verdict = "substantive" if coverage.headline_substantive else "cosmetic"
    return (
        f"headline ({verdict}): {_mark(DELETE, coverage.old_headline or '')} "
        f"{_mark(INSERT, coverage.new_headline or '')}"
    )


def sentence_diff_text(result: VersionComparison, substantive_only: bool = False) -> str:
    """Every changed sentence group with its kind, its verdict and reasons, and its word-level edits."""
    comparison = result.comparison
    lines = _pair_header(result.pair)
    headline = _headline_line(comparison.coverage)
    if headline:
        lines.append(headline)
    lines.append(_counts_line(comparison))
    changes = (
        comparison.substantive_changes
        if substantive_only
        else [change for change in comparison.changes if change.kind != "unchanged"]
    )
    if not changes:
        lines.append("No substantive changes." if substantive_only else "The texts are identical.")
    for change in changes:
        lines.append("")
        lines.extend(_change_lines(change))
    return "\n".join(lines)


def sentence_diff_json(result: VersionComparison) -> dict[str, Any]:
    return {
        "article": result.pair.old.article_id,
        "from": _version_summary(result.pair.old),
        "to": _version_summary(result.pair.new),
        **result.comparison.to_dict(),
    }


def claims_json(result: VersionComparison, kinds: Collection[str] | None = None) -> dict[str, Any]:
    """The substantive changes (notices first), only those of ``kinds`` when given (see ``Comparison.claims``)."""
    comparison = result.comparison
    return {
        "article": result.pair.old.article_id,
        "from": _version_summary(result.pair.old),
        "to": _version_summary(result.pair.new),
        "headline": comparison.coverage.to_dict()["headline"],
        "changes": [change.to_dict() for change in comparison.claims(kinds)],
    }


def claims_text(result: VersionComparison, kinds: Collection[str] | None = None) -> str:
    """The claims that changed, for reading: the headline and notices first, then the changes paragraph by paragraph."""
    comparison = result.comparison
    lines = _pair_header(result.pair)
    headline = _headline_line(comparison.coverage)
    if headline and (kinds is None or "headline" in kinds):
        lines.append(headline)
    changes = comparison.claims(kinds)
    lines.append(f"{plural(len(changes), 'substantive change')}" + (f" of kind {', '.join(kinds)}" if kinds else ""))
    notices = [change for change in changes if change.kind == "notice"]
    if notices:
        lines += ["", click.style("Notices", bold=True)]
        for change in notices:
            lines.extend(_change_lines(change))
    paragraph: int | None = None
    for change in changes:
        if change.kind == "notice":
            continue
        excerpt = change.new or change.old
        where = excerpt.paragraph if excerpt else -1
        if where != paragraph:
            paragraph = where
            side = "" if change.new else " (old version)"
            lines += ["", click.style(f"¶{where + 1}{side}", bold=True)]
        lines.extend(_change_lines(change))
    return "\n".join(lines)


def _signed(added: Sequence[object], removed: Sequence[object]) -> str:
    return f"+{len(added)}/-{len(removed)}" if added or removed else ""


def _entities_cell(added: Sequence[str], dropped: Sequence[str], width: int = 48) -> str:
    """Names newly mentioned (+) and no longer mentioned (-), cut to ``width`` so the table fits a terminal
    (``--json`` has them all)."""
    names = [*(f"+{name}" for name in added), *(f"-{name}" for name in dropped)]
    shown: list[str] = []
    for position, name in enumerate(names):
        rest = len(names) - position
        if len(" ".join([*shown, name])) > width and rest > 1:
            return " ".join([*shown, f"… {rest} more"])
        shown.append(name)
    return " ".join(shown)


def timeline_text(entries: Sequence[TimelineEntry]) -> str:
    rows = []
    for entry in entries:
        version, comparison = entry.version, entry.comparison
        if comparison is None:
            rows.append(
                (
                    str(version.number),
                    _short_time(version.captured_at),
                    str(version.words),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    version.title,
                )
            )
            continue
        coverage = comparison.coverage
        rows.append(
            (
                str(version.number),
                _short_time(version.captured_at),
                str(version.words),
                # the stored counts, as history shows them (coverage.words, words in changed sentences with
                # moves left out, is another measure: in --json under that name)
                f"+{version.words_added}/-{version.words_removed}",
                f"+{coverage.sentences_added}/-{coverage.sentences_removed}",
                f"{comparison.counts['substantive']}/{comparison.counts['cosmetic']}",
                ("changed*" if coverage.headline_substantive else "changed") if coverage.headline_changed else "",
                ("changed*" if coverage.lede_substantive else "changed") if coverage.lede_changed else "",
                _signed(coverage.quotes_added, coverage.quotes_dropped),
                _entities_cell(coverage.entities_added, coverage.entities_dropped),
                version.title,
            )
        )
    header = (
        "V",
        "CAPTURED (UTC)",
        "WORDS",
        "±WORDS",
        "±SENT",
        "SUBST/COSM",
        "HEADLINE",
        "LEDE",
        "±QUOTES",
        "ENTITIES",
        "TITLE",
    )
    table = text_table(header, rows, right=(0, 2))
    return f"{entries[0].version.article_id}\n{table}\n(* substantive)"


def timeline_json(entries: Sequence[TimelineEntry]) -> dict[str, Any]:
    return {
        "article": entries[0].version.article_id,
        "versions": [
            {
                **_version_summary(entry.version),
                "counts": entry.comparison.counts if entry.comparison else None,
                "coverage": entry.comparison.coverage.to_dict() if entry.comparison else None,
            }
            for entry in entries
        ],
    }


def term_coverage_text(term: str, mentions: Sequence[TermMention]) -> str:
    if not mentions:
        return f"No archived article mentions {term!r}."
    rows = [(_short_time(m.version.captured_at), m.version.ref, str(m.count), m.version.title) for m in mentions]
    articles = len({m.version.article_id for m in mentions})
    table = text_table(("CAPTURED (UTC)", "VERSION", "MENTIONS", "TITLE"), rows, right=(2,))
    return f"{term!r}: {plural(articles, 'article')}\n{table}"


def term_coverage_json(term: str, mentions: Sequence[TermMention]) -> dict[str, Any]:
    return {
        "term": term,
        "mentions": [
            {
                "article": m.version.article_id,
                "version": m.version.number,
                "commit": m.version.commit,
                "captured_at": format_time(m.version.captured_at),
                "title": m.version.title,
                "count": m.count,
            }
            for m in mentions
        ],
    }


# --- bulk ingest: import, watch ------------------------------------------------------------


def _clip(text: str, room: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= room else text[: room - 1] + "…"


def change_values(change: ClaimChange) -> tuple[str | None, str | None]:
    """What the change turned into what: the values of its first reason that names them (a number, a quote…),
    else the sentences."""
    for reason in change.reasons:
        if reason.get("substantive") == change.substantive and (reason.get("old") or reason.get("new")):
            return reason.get("old"), reason.get("new")
    return change.old_text, change.new_text


def changes_text(changes: Sequence[ClaimChange]) -> str:
    """One line a change: capture time, article and versions, kind and reason codes, weight, old → new."""
    if not changes:
        return "No changes in this selection."
    lines = []
    for change in changes:
        old, new = change_values(change)
        label = change.kind + (f":{','.join(change.codes)}" if change.codes else "")
        kind = click.style(f"{printable(label):<16}", fg=_KIND_COLOURS.get(change.kind), bold=True)
        verdict = click.style("SUBSTANTIVE", fg="red", bold=True) if change.substantive else "cosmetic   "
        values = f"{printable(_clip(old, 60)) if old else '—'} → {printable(_clip(new, 60)) if new else '—'}"
        where = f"{printable(change.article)}@{change.old_number}→{change.new_number}"
        lines.append(f"{_short_time(change.captured_at)}  {where}  {kind}  {verdict}  {values}")
    return "\n".join(lines)


def changes_json(changes: Sequence[ClaimChange]) -> dict[str, Any]:
    return {"changes": [change.to_dict() for change in changes]}


_MESSAGE_STATES = ("sent", "pending", "sending")


def notify_text(targets: Sequence[Target], counts: dict[str, dict[str, int]]) -> str:
    if not targets:
        return "No notification targets (add one with `archive notify add URL`)."
    rows = []
    for target in targets:
        done = counts.get(target.id, {})
        queued = done.get("pending", 0) + done.get("sending", 0)
        rows.append(
            (
                target.id,
                ",".join(target.kinds) or "(rules, else all)",
                ",".join(target.sites) or "all",
                f"{done.get('sent', 0)} sent, {queued} queued",
                target.shown(),
            )
        )
    return text_table(("ID", "KINDS", "SITES", "MESSAGES", "URL"), rows)


def notify_json(targets: Sequence[Target], counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    return {
        "targets": [
            {
                "id": target.id,
                "url": target.shown(),
                "kinds": list(target.kinds),
                "sites": list(target.sites),
                "viewer": target.viewer,
                "messages": {
                    state: counts.get(target.id, {}).get(state, 0) for state in ("sent", "pending", "sending")
                },
            }
            for target in targets
        ]
    }


def ingest_text(report: IngestReport) -> str:
    """One line: what was read, written, left unchanged and skipped (and why)."""
    line = (
        f"{plural(report.records, 'record')}: {plural(report.written, 'new version')}, "
        f"{report.unchanged} unchanged, {report.skipped_total} skipped"
    )
    if report.skipped:
        line += " (" + ", ".join(f"{count} {reason}" for reason, count in sorted(report.skipped.items())) + ")"
    return line


def watch_text(report: WatchReport) -> str:
    """A watch pass's line: its feeds first, then what ``ingest_text`` says of any ingest."""
    return f"{_feeds_text(report)}; {ingest_text(report)}"


def _feeds_text(report: WatchReport) -> str:
    feeds = plural(report.feeds, "feed")
    notes = [
        f"{n} {what}" for n, what in ((report.feeds_not_modified, "not modified"), (report.feeds_failed, "failed"))
    ]
    notes = [note for note in notes if not note.startswith("0 ")]
    if notes:
        feeds += f" ({', '.join(notes)})"
    line = (
        f"{feeds}, {plural(report.entries, 'entry', 'entries')}, {plural(report.new_articles, 'new article')}; "
        f"{plural(report.checked, 'article')} checked"
    )
    if report.not_modified:
        line += f" ({report.not_modified} not modified)"
    return line


def ingest_json(report: IngestReport) -> dict[str, Any]:
    return {
        "records": report.records,
        "written": report.written,
        "unchanged": report.unchanged,
        "skipped": report.skipped_total,
        "skipped_by_reason": dict(sorted(report.skipped.items())),
        "problems": list(report.problems),
        "notices": list(report.notices),
        **report.extra_counts(),
    }


# --- sharing: push, pull ----------------------------------------------------------------------


def pull_text(result: PullResult) -> str:
    if not result.received and not result.replayed:
        return f"{printable(result.remote)}: already up to date"
    line = f"{printable(result.remote)}: received {plural(result.received, 'version')}"
    if result.replayed or result.duplicates:
        line += f", recorded this store's {plural(result.replayed, 'newer version')} on top"
    if result.duplicates:
        line += f" ({result.duplicates} already there)"
    return line


def maintenance_text(result: Maintenance) -> str:
    def mib(size: int) -> str:
        return f"{size / 2**20:,.1f} MiB"

    return (
        f"objects: {mib(result.objects_before)} -> {mib(result.objects_after)}; "
        f"lookup cache: {mib(result.cache_before)} -> {mib(result.cache_after)} "
        f"(not evidence: deleted, it is rebuilt from the history); {result.seconds:.1f} s"
    )


def push_text(result: PushResult) -> str:
    if not result.sent:
        return f"{printable(result.remote)}: already up to date"
    return f"{printable(result.remote)}: sent {plural(result.sent, 'version')}"


def signing_text(result: Signing) -> str:
    lines = []
    if result.added:
        lines.append(f"allowed: {printable(result.added)}")
    if result.key:
        lines.append(f"signing key: {printable(result.key)}")
    lines.append(
        f"signed {plural(result.signed, 'version')}; {result.versions - result.signed} already signed "
        f"({plural(result.allowed, 'allowed key')})"
    )
    return "\n".join(lines)


def timestamping_text(result: Timestamping) -> str:
    where = f"time-stamping authority: {printable(result.tsa or '')}"
    if result.stamped is None and not result.versions:
        return f"{where}\nnothing to stamp: the store has no versions yet"
    if result.stamped is None:
        return f"{where}\nnothing to stamp: a token already covers all {plural(result.versions, 'version')}"
    return (
        f"{where}\nstamped {result.stamped[:12]}, the head: it covers {plural(result.covered, 'version')} "
        f"no token covered before ({result.versions} in the store)"
    )
