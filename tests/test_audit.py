"""`archive audit`: the history of a real store as a reviewer sees it, in text, JSON and one HTML page."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from conftest import SEED, SEED_REVISION
from tamper import commit_on_top

from archive.audit.report import audit
from archive.capture.fetch import Capture
from archive.ingest.snapshot import snapshot
from archive.present.audit_html import audit_page
from archive.store.layout import article_dir
from archive.store.repository import Store
from archive.store.writer import Writer
from archive.web.viewer import Viewer


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2021, 12, day, hour, tzinfo=UTC)


def stdin(text: str) -> Capture:
    return Capture(raw=text.encode("utf-8"), source="stdin", media_type="text/plain")


HOSTILE = "<script>alert('x')</script> & <b>bold</b>"


@pytest.fixture
def history(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """putin@1..2 (files) with one unchanged capture; council@1..3 (stdin) with a capture time that goes
    backwards and one repeated, written partly under another identity."""
    snapshot(store, str(SEED), article_id="putin", at=at(17))
    snapshot(store, str(SEED_REVISION), article_id="putin", at=at(18))
    snapshot(store, str(SEED_REVISION), article_id="putin", at=at(19))  # unchanged: journaled
    snapshot(store, stdin("Council meets\nThe council met on Monday.\n"), article_id="council", at=at(18, 9))
    monkeypatch.setenv("ARCHIVE_AUTHOR_NAME", "Night Desk")
    monkeypatch.setenv("ARCHIVE_AUTHOR_EMAIL", "desk@example.org")
    # Captures before the latest version, stored as later versions: what archive did before issue 10
    # (item 4) refused them, and what the audit must still report in such a store.
    monkeypatch.setattr(Writer, "recorded", lambda self, new: None)
    snapshot(store, stdin("Council meets\nThe council met on Tuesday.\n"), article_id="council", at=at(17, 9))
    snapshot(store, stdin("Council meets\nThe council met on Wednesday.\n"), article_id="council", at=at(17, 9),
             title=HOSTILE)  # fmt: skip
    return store


def test_audit_counts_span_sources_days_and_identities(history: Store) -> None:
    report = audit(history)
    assert report.ok
    assert (report.articles, report.versions, report.commits, report.unchanged, report.captures) == (2, 5, 5, 1, 6)
    assert (report.first_capture, report.last_capture) == (at(17, 9), at(19))
    assert [(s.source, s.versions, s.unchanged) for s in report.sources] == [("file", 2, 1), ("stdin", 3, 0)]
    assert [(d.day, d.versions, d.unchanged) for d in report.days] == [
        ("2021-12-17", 3, 0),
        ("2021-12-18", 2, 0),
        ("2021-12-19", 0, 1),
    ]
    assert [(i.name, i.email, i.commits, i.snapshots) for i in report.identities] == [
        ("Night Desk", "desk@example.org", 2, 2),
        ("archive", "archive@localhost", 3, 3),
    ]
    assert [(a.article_id, a.versions, a.unchanged) for a in report.per_article] == [("council", 3, 0), ("putin", 2, 1)]
    assert report.extractors == (("archive-text 0.1.0", 5),)


def test_audit_reports_backwards_and_repeated_capture_times(history: Store) -> None:
    anomalies = audit(history).anomalies
    assert [(a.kind, a.article, a.version) for a in anomalies] == [
        ("capture-time-backwards", "council", 2),
        ("same-capture-time", "council", 3),
    ]
    assert anomalies[0].message == (
        "council@2 was captured at 2021-12-17T09:00:00Z, before council@1 (2021-12-18T09:00:00Z)"
    )


def test_audit_reports_a_commit_not_made_by_the_archiver_and_the_failed_verification(
    history: Store, store_path: Path, run: Callable[..., Result]
) -> None:
    text = store_path / article_dir("putin") / "text.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("eleven", "twelve"), encoding="utf-8")
    forged = commit_on_top(store_path)
    report = audit(history)
    foreign = [a for a in report.anomalies if a.kind == "foreign-commit"]
    assert len(foreign) == 1 and foreign[0].commit == forged
    assert "by Mallory <mallory@example.org>" in foreign[0].message
    assert ("Mallory", "mallory@example.org", 1, 0) in [
        (i.name, i.email, i.commits, i.snapshots) for i in report.identities
    ]
    assert not report.ok and {f.check for f in report.verification.findings} == {"foreign-commit", "head"}
    result = run("audit")
    assert result.exit_code == 1
    assert "[foreign-commit]" in result.output and "Verification: FAILED: 2 problems" in result.output


def test_audit_text_and_json(history: Store, run: Callable[..., Result]) -> None:
    result = run("audit")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[2] == "span:       2021-12-17T09:00:00Z to 2021-12-19T12:00:00Z"
    assert lines[5] == "captures:   6 (5 new versions, 1 found no change)"
    assert "Anomalies: 2" in lines
    assert lines[-2].startswith("Verification: OK: 5 versions of 2 articles in 5 commits verified")
    data = json.loads(run("audit", "--json").output)
    assert data["ok"] is True and data["unchanged_captures"] == 1 and data["captures"] == 6
    assert data["sources"][0] == {"source": "file", "versions": 2, "unchanged": 1}
    assert [a["kind"] for a in data["anomalies"]] == ["capture-time-backwards", "same-capture-time"]
    assert data["verification"]["ok"] is True and data["verification"]["versions"] == 5
    assert data["per_article"][0]["title"] == HOSTILE


def test_audit_html_is_one_self_contained_escaped_page(
    history: Store, run: Callable[..., Result], tmp_path: Path
) -> None:
    page_path = tmp_path / "audit.html"
    result = run("audit", "--html", str(page_path))
    assert result.exit_code == 0
    html = page_path.read_text(encoding="utf-8")
    assert html == audit_page(audit(history))
    assert "<script" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    # Nothing is fetched: no external URLs in attributes, no scripts, a CSP forbidding all but inline styles.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "default-src 'none'" in html
    assert "capture-time-backwards" in html and "Night Desk" in html


def test_the_viewer_audit_page_links_articles_and_the_file_does_not(history: Store) -> None:
    viewer_page = Viewer(history).respond("/audit").body.decode()
    assert '<a href="/articles/council">council</a>' in viewer_page and "<title>Audit</title>" in viewer_page
    assert "<td>council</td>" in audit_page(audit(history))


def test_audit_writes_nothing_to_the_store(history: Store, store_path: Path, run: Callable[..., Result]) -> None:
    from test_faults import every_byte

    before = every_byte(store_path)
    assert run("audit", "--json").exit_code == 0
    assert every_byte(store_path) == before
