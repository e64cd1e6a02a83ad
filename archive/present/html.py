"""Self-contained HTML pages, rendered from the Jinja2 templates in ``templates/``: inline CSS, no scripts.

Autoescaping is on for every template, so article text, titles, identities and
commit messages (whatever was written into the store) are escaped by the
template engine, never by hand. The side-by-side comparison is the one page a
reader of a diff sees, whether written by ``archive diff --html FILE`` or
served by the viewer, so both render the same template.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader

from archive.audit.export import refuse_inside_store
from archive.compare.changes import Change, ChangeKind, Comparison, Excerpt
from archive.compare.words import DELETE, EQUAL, INSERT
from archive.errors import InvalidInput
from archive.model import Version, format_time
from archive.review.versions import VersionComparison
from archive.store.repository import Store

__all__ = ["render", "comparison_page", "write_page"]


def render(template: str, **context: Any) -> str:
    """The page ``template`` (a file in ``templates/``) filled in with ``context``."""
    return _environment().get_template(template).render(context)


def comparison_page(result: VersionComparison) -> str:
    """The side-by-side page of two versions, readable without instructions."""
    old, new = result.pair.old, result.pair.new
    return render("comparison.html", old=old, new=new, comparison=result.comparison, href=None)


def write_page(store: Store, path: Path, html: str) -> None:
    """Write a page for ``store`` (``diff --html``, ``audit --html``) to ``path``, never inside the store."""
    refuse_inside_store(store, path)
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot write {path}: {error.strerror or error}") from None


@cache
def _environment() -> Environment:
    """One environment for the process, so each template is compiled once; made on first use, not on import."""
    environment = Environment(
        loader=PackageLoader("archive.present", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["time"] = _time
    environment.globals.update(rows=_rows, marked=_marked, change_chart=_change_chart)
    return environment


def _time(moment: datetime | None) -> str:
    return format_time(moment) if moment is not None else ""


def _rows(comparison: Comparison) -> list[tuple[str, list[Change]]]:
    """The rows of the two columns, in the new version's order: ``("row", [change])``, ``("departure", [change])``
    where a moved sentence used to stand, and ``("unchanged", changes)`` for a run of unchanged sentences to fold away.
    """
    rows: list[tuple[str, list[Change]]] = []
    for change, departure in _with_departures(comparison.changes):
        if departure:
            rows.append(("departure", [change]))
        elif change.kind != ChangeKind.UNCHANGED:
            rows.append(("row", [change]))
        elif rows and rows[-1][0] == "unchanged":
            rows[-1][1].append(change)
        else:
            rows.append(("unchanged", [change]))
    return rows


def _with_departures(changes: Iterable[Change]) -> list[tuple[Change, bool]]:
    """The changes in the new version's order, plus, for each moved sentence, a marker where it used to be.

    The marker goes after the last sentence that stayed in place and came
    before it in the old version, so reading down the left column still
    follows the old text.
    """
    ordered = list(changes)
    rows: list[tuple[Change, bool]] = [(change, False) for change in ordered]
    for change in ordered:
        if change.kind != "moved" or change.old is None:
            continue
        first_old = change.old.sentences[0]
        position = 0
        for index, (other, departure) in enumerate(rows):
            if not departure and other.kind != "moved" and other.old and other.old.sentences[-1] < first_old:
                position = index + 1
        rows.insert(position, (change, True))
    return rows


def _marked(side: str, change: Change, excerpt: Excerpt) -> list[tuple[str | None, str]]:
    """The excerpt as ``(tag, text)`` pieces, marking the words this side lost (old: del) or gained (new: ins)."""
    if change.diff is None or not change.edited:
        tag = {ChangeKind.ADDED: "ins", ChangeKind.REMOVED: "del"}.get(change.kind)
        return [(tag, excerpt.text)]
    keep, tag = (DELETE, "del") if side == "old" else (INSERT, "ins")
    return [(None if op == EQUAL else tag, text) for op, text in change.diff.ops if op in (EQUAL, keep)]


@dataclass(frozen=True)
class _Bar:
    version: Version
    x: float
    up: float  # words added, as a height above the axis
    down: float  # words removed, below it
    substantive: int


@dataclass(frozen=True)
class _Chart:
    """Where each version's bars stand on the viewer's chart of words added and removed, on a time axis."""

    bars: list[_Bar] = field(default_factory=list)
    width: int = 720
    height: int = 140
    middle: int = 70
    margin: int = 30


def _change_chart(versions: Sequence[Version], substantive: Mapping[int, int]) -> _Chart | None:
    """The chart of an article's versions (``substantive``: how many substantive changes each version number
    brought from the one before), if it has two."""
    if len(versions) < 2:
        return None
    chart = _Chart()
    start, end = versions[0].captured_at.timestamp(), versions[-1].captured_at.timestamp()
    span = max(end - start, 1.0)
    largest = max(max(v.words_added, v.words_removed) for v in versions[1:]) or 1
    for version in versions[1:]:
        chart.bars.append(
            _Bar(
                version,
                x=chart.margin + (version.captured_at.timestamp() - start) / span * (chart.width - 2 * chart.margin),
                up=(chart.middle - 10) * version.words_added / largest,
                down=(chart.middle - 10) * version.words_removed / largest,
                substantive=substantive.get(version.number, 0),
            )
        )
    return chart
