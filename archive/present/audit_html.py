"""The audit report as one self-contained HTML page (``archive audit --html FILE``) or a fragment (the viewer).

Same look as the other pages (``archive.present.html``): inline CSS, no scripts, no
network requests, and every value from the store escaped, since titles,
identities and commit messages are whatever was written into the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape

from archive.audit.report import ANOMALIES, Audit
from archive.audit.verify import CHECKS
from archive.model import format_time
from archive.present.html import page

__all__ = ["audit_page", "audit_body"]


def audit_page(result: Audit) -> str:
    """A complete, self-contained HTML document of the audit."""
    return page(f"Audit of {result.store}", audit_body(result))


def audit_body(result: Audit, article_link: str | None = None) -> str:
    """The audit as an HTML fragment; ``article_link`` (a format string on ``id``) makes article ids links."""
    verification = result.verification
    span = (
        f"{_time(result.first_capture)} to {_time(result.last_capture)}"
        if result.first_capture and result.last_capture
        else "no captures"
    )
    verdict = (
        '<span class="ok">verified: every check holds</span>'
        if verification.ok
        else f'<span class="bad">verification failed: {len(verification.findings)} problem(s)</span>'
    )
    summary = [
        ("Store", escape(result.store)),
        ("Head", f"<code>{escape(result.head or 'no commits yet')}</code>"),
        ("Time span", escape(span)),
        ("Articles", str(result.articles)),
        ("Versions", f"{result.versions} in {result.commits} commits"),
        ("Captures", f"{result.captures} ({result.versions} new versions, {result.unchanged} found no change)"),
        ("Extractors", escape(", ".join(f"{name} ({count})" for name, count in result.extractors) or "none")),
        ("Archiver versions", escape(", ".join(f"{name} ({count})" for name, count in result.archivers) or "none")),
        ("Verification", verdict),
    ]
    parts = [
        f"<h1>Audit of {escape(result.store)}</h1>",
        '<p class="meta">Read from git alone (never the working tree or the lookup index). '
        "Unchanged captures come from the local capture journal, which is not committed and so not verifiable.</p>",
        '<table class="summary">'
        + "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in summary)
        + "</table>",
        "<h2>Verification</h2>",
        _verification(result),
        f"<h2>Anomalies ({len(result.anomalies)})</h2>",
        _anomalies(result),
        "<h2>Captures per source</h2>",
        _table(
            ["Source", "New versions", "Unchanged"],
            [[escape(s.source), str(s.versions), str(s.unchanged)] for s in result.sources],
        ),
        "<h2>Captures per day (UTC)</h2>",
        _table(
            ["Day", "New versions", "Unchanged"],
            [[escape(d.day), str(d.versions), str(d.unchanged)] for d in result.days],
        ),
        "<h2>Identities that wrote to the store</h2>",
        _table(
            ["Name", "Email", "Commits", "Snapshots", "First", "Last"],
            [
                [escape(i.name), escape(i.email), str(i.commits), str(i.snapshots), _time(i.first), _time(i.last)]
                for i in result.identities
            ],
        ),
        "<h2>Articles</h2>",
        _table(
            ["Article", "Versions", "Unchanged", "First seen", "Last seen", "Title"],
            [
                [
                    _article(a.article_id, article_link),
                    str(a.versions),
                    str(a.unchanged),
                    _time(a.first_seen),
                    _time(a.last_seen),
                    escape(a.title),
                ]
                for a in result.per_article
            ],
        ),
    ]
    return "\n".join(parts)


def _time(moment: datetime | None) -> str:
    return escape(format_time(moment)) if moment is not None else ""


def _article(article_id: str, link: str | None) -> str:
    if link is None:
        return escape(article_id)
    return f'<a href="{escape(link.format(id=article_id))}">{escape(article_id)}</a>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    if not body:
        return '<p class="meta">none</p>'
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    return f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _verification(result: Audit) -> str:
    verification = result.verification
    failed = {finding.check for finding in verification.findings}
    checks = "".join(
        f'<li><span class="{"bad" if name in failed else "ok"}">{"✗" if name in failed else "✓"}</span> '
        f"<code>{escape(name)}</code>: {escape(meaning)}</li>"
        for name, meaning in CHECKS.items()
    )
    parts = [f'<ul class="checks">{checks}</ul>']
    if verification.findings:
        parts.append(
            _table(
                ["Check", "Where", "Problem"],
                [[escape(f.check), escape(f.where), escape(f.message)] for f in verification.findings],
            )
        )
    return "\n".join(parts)


def _anomalies(result: Audit) -> str:
    if not result.anomalies:
        return (
            '<p class="meta">none: capture times only move forward within each article, no two versions of '
            "an article share a capture time, and every commit was made by the archiver</p>"
        )
    rows = [
        [
            f'<span title="{escape(ANOMALIES.get(a.kind, ""))}">{escape(a.kind)}</span>',
            escape(f"{a.article}@{a.version}" if a.article and a.version else a.article or ""),
            f"<code>{escape((a.commit or '')[:12])}</code>",
            escape(a.message),
        ]
        for a in result.anomalies
    ]
    return _table(["Kind", "Version", "Commit", "What"], rows)
