"""Issue 10, audit side: equal capture times are reported wherever they are in an article's history."""

from __future__ import annotations

from pathlib import Path

from conftest import git
from tamper import forge_history

from archive.audit.report import audit
from archive.ingest.snapshot import snapshot
from archive.model import parse_time
from archive.store.repository import Store


def test_audit_reports_equal_capture_times_that_are_not_adjacent(store_path: Path) -> None:
    with Store.open(store_path) as store:
        for day, word in ((17, "Monday"), (18, "Tuesday"), (19, "Wednesday")):
            source = store_path.parent / f"{word}.txt"
            source.write_text(f"Council meets\nThe council met on {word}, officials said.\n", encoding="utf-8")
            snapshot(store, str(source), article_id="council", at=parse_time(f"2021-12-{day}T09:00:00Z"))
    # v3's recorded capture time rewritten to v1's, as a forger (or a broken collector) would leave it
    v3 = git(store_path, "rev-parse", "refs/heads/main").strip()
    meta = next(p for p in git(store_path, "ls-tree", "-r", "--name-only", v3).split() if p.endswith("/meta.yaml"))
    recorded = git(store_path, "show", f"{v3}:{meta}")
    assert "2021-12-19T09:00:00Z" in recorded
    forge_history(
        store_path, v3, edits={meta: recorded.replace("2021-12-19T09:00:00Z", "2021-12-17T09:00:00Z").encode()}
    )
    with Store.open(store_path) as store:
        anomalies = [(a.kind, a.version, a.message) for a in audit(store).anomalies if "capture-time" in a.kind]
    assert (
        "capture-time-backwards",
        3,
        "council@3 was captured at 2021-12-17T09:00:00Z, before council@2 (2021-12-18T09:00:00Z)",
    ) in anomalies
    assert ("same-capture-time", 3,
            "council@3 has the same capture time as council@1 (2021-12-17T09:00:00Z)") in anomalies  # fmt: skip
