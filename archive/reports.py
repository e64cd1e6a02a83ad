"""Presenting the integrity reports (verify, reproduce, rebuild, audit, export): terminal text and JSON shapes.

Like ``archive.render`` for the reading commands: every ``*_json`` function
returns the documented, stable shape of one command's ``--json`` output (see
``docs/json.md``), every ``*_text`` function what the terminal shows.
"""

from __future__ import annotations

from typing import Any

from .verify import Finding, Verification

__all__ = ["verification_text", "verification_json", "finding_json"]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


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
    return f"[{finding.check}]{where}: {finding.message}"


def verification_text(result: Verification) -> str:
    scope = (
        f"{_plural(result.versions, 'version')} of {_plural(result.articles, 'article')} "
        f"in {_plural(result.commits, 'commit')}"
    )
    head = f"head {result.head[:12]}" if result.head else "no commits yet"
    if result.ok:
        return (
            f"OK: {scope} verified ({head})\n"
            "checked: sha256 of every text and raw capture, canonical text, metadata against commit trailers, "
            "the chain of versions, commit dates, the files at the head, the working tree, git fsck"
        )
    lines = [f"FAILED: {_plural(len(result.findings), 'problem')} in {scope} ({head})"]
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
        "problems": [finding_json(finding) for finding in result.findings],
    }
