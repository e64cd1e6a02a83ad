"""Presenting the integrity reports (verify, reproduce, rebuild, audit, export): terminal text and JSON shapes.

Like ``archive.present.terminal`` for the reading commands: every ``*_json`` function
returns the documented, stable shape of one command's ``--json`` output (see
``docs/json.md``), every ``*_text`` function what the terminal shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from archive.audit.export import Export
from archive.audit.rebuild import Rebuild
from archive.audit.report import Anomaly, Audit
from archive.audit.reproduce import STATUSES, Reproduced, Reproduction
from archive.audit.verify import Finding, Verification
from archive.model import format_time, plural
from archive.present.terminal import printable, text_table

__all__ = [
    "verification_text",
    "verification_json",
    "finding_json",
    "audit_text",
    "audit_json",
    "reproduction_text",
    "reproduction_json",
    "rebuild_text",
    "rebuild_json",
    "export_text",
    "export_json",
]


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "check": finding.check,
        "article": finding.article,
        "version": finding.version,
        "commit": finding.commit,
        "path": finding.path,
        "message": finding.message,
    }


def _finding_line(finding: Finding) -> str:
    where = f" {finding.where}" if finding.where else ""
    return printable(f"[{finding.check}]{where}: {finding.message}")


def verification_text(result: Verification) -> str:
    scope = (
        f"{plural(result.versions, 'version')} of {plural(result.articles, 'article')} "
        f"in {plural(result.commits, 'commit')}"
    )
    head = f"head {result.head[:12]}" if result.head else "no commits yet"
    if result.since:
        scope += f" added since the verified head {result.since[:12]}"
    full = f"{result.full_because}: verified the whole history\n" if result.full_because else ""
    if result.ok:
        return full + (
            f"OK: {scope} verified ({head})\n"  # nothing here comes from the store's content
            "checked: sha256 of every text and raw capture, canonical text, metadata against commit trailers, "
            "the chain of versions, commit dates, the files at the head, the working tree"
            + (", git fsck" if result.since is None else " (git fsck only when the whole history is verified)")
            + (f"; {plural(result.signed, 'signature')} by allowed keys" if result.signed else "")
            + (f"; {plural(result.timestamped, 'timestamp token')} of the store's TSA" if result.timestamped else "")
        )
    lines = [full + f"FAILED: {plural(len(result.findings), 'problem')} in {scope} ({head})"]
    lines.extend(_finding_line(finding) for finding in result.findings)
    return "\n".join(lines)


def verification_json(result: Verification) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "store": result.store,
        "head": result.head,
        "format": result.format,
        "commits": result.commits,
        "articles": result.articles,
        "versions": result.versions,
        "signed": result.signed,
        "timestamped": result.timestamped,
        "since": result.since,
        "full_because": result.full_because,
        "problems": [finding_json(finding) for finding in result.findings],
    }


# --- audit ---------------------------------------------------------------------------------


def _time(moment: datetime | None) -> str | None:
    return format_time(moment) if moment is not None else None


def anomaly_json(anomaly: Anomaly) -> dict[str, Any]:
    return {
        "kind": anomaly.kind,
        "article": anomaly.article,
        "version": anomaly.version,
        "commit": anomaly.commit,
        "message": anomaly.message,
    }


def audit_json(result: Audit) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "store": result.store,
        "head": result.head,
        "first_capture": _time(result.first_capture),
        "last_capture": _time(result.last_capture),
        "commits": result.commits,
        "articles": result.articles,
        "versions": result.versions,
        "unchanged_captures": result.unchanged,
        "captures": result.captures,
        "sources": [{"source": s.source, "versions": s.versions, "unchanged": s.unchanged} for s in result.sources],
        "days": [{"day": d.day, "versions": d.versions, "unchanged": d.unchanged} for d in result.days],
        "identities": [
            {
                "name": i.name,
                "email": i.email,
                "commits": i.commits,
                "snapshots": i.snapshots,
                "first": _time(i.first),
                "last": _time(i.last),
            }
            for i in result.identities
        ],
        "extractors": dict(result.extractors),
        "archivers": dict(result.archivers),
        "per_article": [
            {
                "article": a.article_id,
                "title": a.title,
                "versions": a.versions,
                "unchanged": a.unchanged,
                "first_seen": _time(a.first_seen),
                "last_seen": _time(a.last_seen),
            }
            for a in result.per_article
        ],
        "anomalies": [anomaly_json(anomaly) for anomaly in result.anomalies],
        "verification": verification_json(result.verification),
    }


def audit_text(result: Audit, articles_shown: int = 30) -> str:
    span = (
        f"{_time(result.first_capture)} to {_time(result.last_capture)}"
        if result.first_capture and result.last_capture
        else "no captures"
    )
    lines = [
        f"Audit of {printable(result.store)}",
        f"head:       {result.head or 'no commits yet'}",
        f"span:       {span}",
        f"articles:   {result.articles}",
        f"versions:   {result.versions} in {plural(result.commits, 'commit')}",
        f"captures:   {result.captures} ({result.versions} new versions, {result.unchanged} found no change)",
        printable("extractors: " + (", ".join(f"{name} ({count})" for name, count in result.extractors) or "none")),
        printable(
            "archivers:  " + (", ".join(f"archive {name} ({count})" for name, count in result.archivers) or "none")
        ),
        "",
        "Captures per source",
    ]
    rows = [["SOURCE", "VERSIONS", "UNCHANGED"]] + [
        [s.source, str(s.versions), str(s.unchanged)] for s in result.sources
    ]
    lines += text_table(rows[0], rows[1:], (1, 2)).splitlines() if result.sources else ["  none"]
    lines += ["", "Captures per day (UTC)"]
    rows = [["DAY", "VERSIONS", "UNCHANGED"]] + [[d.day, str(d.versions), str(d.unchanged)] for d in result.days]
    lines += text_table(rows[0], rows[1:], (1, 2)).splitlines() if result.days else ["  none"]
    lines += ["", "Identities that wrote to the store"]
    rows = [["NAME", "EMAIL", "COMMITS", "SNAPSHOTS", "FIRST", "LAST"]] + [
        [i.name, i.email, str(i.commits), str(i.snapshots), _time(i.first) or "", _time(i.last) or ""]
        for i in result.identities
    ]
    lines += text_table(rows[0], rows[1:], (2, 3)).splitlines() if result.identities else ["  none"]
    lines += ["", "Articles"]
    rows = [["ARTICLE", "VERSIONS", "UNCHANGED", "FIRST SEEN", "LAST SEEN", "TITLE"]] + [
        [a.article_id, str(a.versions), str(a.unchanged), _time(a.first_seen) or "", _time(a.last_seen) or "", a.title]
        for a in result.per_article[:articles_shown]
    ]
    lines += text_table(rows[0], rows[1:], (1, 2)).splitlines() if result.per_article else ["  none"]
    if len(result.per_article) > articles_shown:
        lines.append(f"… and {len(result.per_article) - articles_shown} more (--json lists them all)")
    lines += ["", f"Anomalies: {len(result.anomalies) or 'none'}"]
    lines += [
        printable(
            f"[{a.kind}]{' ' + a.article if a.article else ''}{f'@{a.version}' if a.version else ''}: {a.message}"
        )
        for a in result.anomalies
    ]
    lines += ["", "Verification: " + verification_text(result.verification)]
    return "\n".join(lines)


# --- reproduce, rebuild, export ---------------------------------------------------------------


def reproduced_json(result: Reproduced) -> dict[str, Any]:
    return {
        "article": result.article,
        "version": result.version,
        "commit": result.commit,
        "status": result.status,
        "message": result.message,
        "recorded_text_sha256": result.recorded_sha256,
        "text_sha256": result.actual_sha256,
        "recorded_extractor": result.recorded_extractor,
        "extractor": result.current_extractor,
        "metadata_differences": list(result.metadata_differences),
    }


def reproduction_json(result: Reproduction) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "store": result.store,
        "head": result.head,
        "counts": result.counts,
        "versions": [reproduced_json(r) for r in result.results],
    }


def reproduction_text(result: Reproduction, verbose: bool = False) -> str:
    counts = ", ".join(f"{count} {status}" for status, count in result.counts.items() if count)
    verdict = "OK" if result.ok else "FAILED"
    lines = [
        f"{verdict}: {plural(len(result.results), 'version')} re-extracted from their raw captures: {counts or 'none'}"
    ]
    for r in result.results:
        if verbose or r.status != "reproduced":
            line = f"{r.status.upper():<27} {r.article}@{r.version} {r.commit[:12]}: {r.message}"
            if r.metadata_differences:
                line += f" (extracted {', '.join(r.metadata_differences)} differ from the recorded ones)"
            lines.append(printable(line))
    if not result.ok:
        shown = [s for s in ("mismatch", "extractor-changed", "failed") if result.counts[s]]
        lines += [f"{status}: {STATUSES[status]}" for status in shown]
    return "\n".join(lines)


def rebuild_json(result: Rebuild) -> dict[str, Any]:
    return {
        "identical": result.identical,
        "source": result.source,
        "into": result.into,
        "source_head": result.source_head,
        "head": result.head,
        "versions": result.versions,
        "rebuilt": result.rebuilt,
        "journal_entries": result.journal_entries,
        "stored_text": list(result.stored_text),
        "differences": list(result.differences),
    }


def rebuild_text(result: Rebuild) -> str:
    if result.identical:
        head = result.head[:12] if result.head else "empty"
        lines = [
            f"OK: rebuilt {plural(result.versions, 'version')} into {result.into} from their raw captures; "
            f"every commit id is the original's (head {head})"
        ]
    else:
        lines = [
            f"DIFFERENT: rebuilt {plural(result.versions, 'version')} into {result.into}; head "
            f"{(result.head or 'none')[:12]}, the original's {(result.source_head or 'none')[:12]}"
        ]
        lines += [printable(difference) for difference in result.differences]
    if result.stored_text:
        lines.append(f"stored text used for {len(result.stored_text)}: {', '.join(result.stored_text)}")
    if result.journal_entries:
        lines.append(f"{plural(result.journal_entries, 'unchanged capture')} carried over to the new journal")
    return "\n".join(lines)


def export_json(result: Export) -> dict[str, Any]:
    return {
        "format": result.format,
        "path": result.path,
        "head": result.head,
        "versions": result.versions,
        "files": result.files,
        "bytes": result.bytes,
    }


def export_text(result: Export) -> str:
    return (
        f"Wrote {printable(result.path)} ({result.format}): {plural(result.versions, 'version')}, {result.bytes} bytes"
    )
