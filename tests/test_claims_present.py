"""`archive claims` for people: notices and the headline first, changes by paragraph, --kind to filter."""

from __future__ import annotations

import json
from pathlib import Path

OLD = """Floods shut Hull road

Floods closed the main road into Hull on Tuesday, police said.

The council approved the repair budget. Work starts soon.

About 200 homes lost power, the utility said.
"""
NEW = """Floods shut Hull road

Floods closed the main road into Hull on Wednesday, police said.

Engineers found cracks in the bridge. It will stay shut for a month.

About 350 homes lost power, the utility said.

Correction: An earlier version of this article misstated the day the road closed.
"""


def two_versions(run, tmp_path: Path) -> None:
    for number, text in enumerate((OLD, NEW), start=1):
        path = tmp_path / f"v{number}.md"
        path.write_text(text, encoding="utf-8")
        result = run("snapshot", str(path), "--id", "floods", "--at", f"2024-03-0{number}T10:00:00Z")
        assert result.exit_code == 0, result.output


def test_claims_lists_the_notice_first_then_changes_by_paragraph(run, tmp_path: Path) -> None:
    two_versions(run, tmp_path)
    output = run("claims", "floods").output
    notices, rewrite, power = output.index("Notices"), output.index("REWRITTEN"), output.index("350")
    assert notices < output.index("NOTICE") < output.index("¶") < rewrite < power
    assert "correction or update notice" in output


def test_claims_kind_keeps_only_those_kinds(run, tmp_path: Path) -> None:
    two_versions(run, tmp_path)
    data = json.loads(run("claims", "floods", "--kind", "number", "--json").output)
    assert data["changes"] and all(
        any(reason["code"] == "number" for reason in change["reasons"]) for change in data["changes"]
    )
    everything = json.loads(run("claims", "floods", "--json").output)
    assert everything["changes"][0]["kind"] == "notice"
    assert {"rewritten", "notice"} <= {change["kind"] for change in everything["changes"]}
    text = run("claims", "floods", "--kind", "rewritten,notice").output
    assert "REWRITTEN" in text and "NOTICE" in text and "350" not in text
