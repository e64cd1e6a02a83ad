"""Self-contained HTML pages: one file, inline CSS, no scripts, no network requests.

The side-by-side comparison here is the one page a reader of a diff sees,
whether written by ``archive diff --html FILE`` or served by the viewer, so
both show the same thing. Every piece of article text is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from archive.compare.changes import Change, Comparison, Coverage, Excerpt, Reason
from archive.compare.words import DELETE, EQUAL, INSERT
from archive.model import Version, format_time
from archive.review.versions import VersionComparison

__all__ = ["STYLE", "page", "comparison_page", "comparison_body"]

STYLE = """
:root { --ink: #1d1d1f; --muted: #6e6e73; --line: #d2d2d7; --added: #e3f6e5; --added-ink: #0b6b1f;
  --removed: #fde8e8; --removed-ink: #a11a1a; --claim: #b25000; --claim-bg: #fff4e5; --moved: #0b5cad; }
* { box-sizing: border-box; }
body { font: 16px/1.55 Georgia, "Times New Roman", serif; color: var(--ink); margin: 0 auto; max-width: 1280px;
  padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.meta, .legend, .kind, .reasons, table.summary, nav { font: 14px/1.45 system-ui, -apple-system, sans-serif; }
.meta { color: var(--muted); margin: 0 0 1rem; }
a { color: var(--moved); }
nav { margin-bottom: 1rem; } nav a { margin-right: 1rem; }
table.summary { border-collapse: collapse; margin: .5rem 0 1rem; }
table.summary th { text-align: left; font-weight: 600; padding: .2rem 1rem .2rem 0; vertical-align: top; }
table.summary td { padding: .2rem 1rem .2rem 0; }
.legend span { margin-right: 1rem; white-space: nowrap; }
.columns { display: grid; grid-template-columns: 1fr 1fr; border-top: 1px solid var(--line); }
.columns > .head { font: 600 14px system-ui, sans-serif; padding: .5rem .75rem; border-bottom: 1px solid var(--line);
  position: sticky; top: 0; background: #fff; }
.row { display: contents; }
.cell { padding: .6rem .75rem; border-bottom: 1px solid var(--line); min-width: 0; overflow-wrap: anywhere; }
.cell.empty { background: repeating-linear-gradient(135deg, #fafafa, #fafafa 6px, #f2f2f2 6px, #f2f2f2 12px); }
.row.unchanged .cell { color: var(--muted); }
.row.substantive .cell { background: var(--claim-bg); }
.row.substantive .cell:first-child { box-shadow: inset 4px 0 0 var(--claim); }
.row.cosmetic.changed .cell:first-child { box-shadow: inset 4px 0 0 var(--line); }
.kind { display: inline-block; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .03em;
  border-radius: 3px; padding: 0 .35rem; margin-right: .4rem; border: 1px solid currentColor; }
.kind.claim { color: var(--claim); } .kind.cosmetic { color: var(--muted); }
.where { font: 12px system-ui, sans-serif; color: var(--muted); margin-right: .4rem; }
.reasons { margin: .35rem 0 0; padding-left: 1.1rem; color: var(--claim); }
.reasons li.cosmetic { color: var(--muted); }
del { background: var(--removed); color: var(--removed-ink); text-decoration: line-through; }
ins { background: var(--added); color: var(--added-ink); text-decoration: none; }
.plus { color: var(--added-ink); } .minus { color: var(--removed-ink); }
details.unchanged-run { grid-column: 1 / -1; border-bottom: 1px solid var(--line); }
details.unchanged-run > summary { font: 13px system-ui, sans-serif; color: var(--muted); padding: .4rem .75rem;
  cursor: pointer; }
details.unchanged-run .columns { border-top: none; }
:target { outline: 2px solid var(--moved); outline-offset: -2px; }
table.list { border-collapse: collapse; width: 100%; font: 14px/1.45 system-ui, -apple-system, sans-serif; }
table.list th { text-align: left; border-bottom: 2px solid var(--line); padding: .4rem .5rem; }
table.list td { border-bottom: 1px solid var(--line); padding: .4rem .5rem; vertical-align: top; }
table.list .meta { margin: 0; font-size: 12px; overflow-wrap: anywhere; }
form { font: 14px system-ui, sans-serif; margin: .5rem 0 1rem; }
input[type=search] { width: min(28rem, 70%); padding: .3rem .5rem; font: inherit; }
ul.checks { font: 14px system-ui, sans-serif; list-style: none; padding: 0; }
ul.checks .ok { color: var(--added-ink); } ul.checks .bad { color: var(--removed-ink); font-weight: 600; }
.text p { max-width: 42rem; }
figure.chart { margin: .5rem 0 1rem; }
figure.chart figcaption { font: 12px system-ui, sans-serif; color: var(--muted); }
@media (max-width: 760px) { .columns { grid-template-columns: 1fr; } .columns > .head { display: none; } }
@media print { .columns > .head { position: static; } details.unchanged-run { display: none; } }
"""


def page(title: str, body: str) -> str:
    """A complete HTML document around ``body`` (already escaped HTML)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def comparison_page(result: VersionComparison) -> str:
    """The side-by-side page of two versions, readable without instructions."""
    old, new = result.pair.old, result.pair.new
    return page(f"{old.ref} → {new.ref}: {new.title}", comparison_body(result))


def comparison_body(result: VersionComparison, link_version: str | None = None) -> str:
    """The page's content; ``link_version`` (a format string on ``ref``) makes version names links."""
    old, new = result.pair.old, result.pair.new
    comparison = result.comparison
    counts = comparison.counts
    parts = [
        f"<h1>{escape(new.title or new.article_id)}</h1>",
        '<p class="meta">'
        f"Comparing {_version_label(old, link_version)} with {_version_label(new, link_version)}"
        f" · {counts['substantive']} substantive and {counts['cosmetic']} cosmetic changes</p>",
        _summary_table(comparison.coverage, counts),
        '<p class="legend"><span><del>removed words</del></span><span><ins>added words</ins></span>'
        '<span><span class="kind claim">claim changed</span>the claim changed</span>'
        '<span><span class="kind cosmetic">wording</span>spelling, punctuation or wording only</span>'
        "<span>Rows pair each old sentence with its counterpart; “moved” links lead to where a sentence "
        "came from.</span></p>",
        _columns(comparison, old, new),
    ]
    return "\n".join(parts)


def _version_label(version: Version, link_version: str | None) -> str:
    label = f"{escape(version.ref)} ({escape(format_time(version.captured_at))})"
    if link_version:
        return f'<a href="{escape(link_version.format(ref=version.ref, number=version.number))}">{label}</a>'
    return label


def _summary_table(coverage: Coverage, counts: dict[str, int]) -> str:
    rows: list[tuple[str, str]] = []
    if coverage.headline_changed:
        verdict = "claim changed" if coverage.headline_substantive else "wording only"
        rows.append(
            (
                "Headline",
                f"<del>{escape(coverage.old_headline or '')}</del> <ins>{escape(coverage.new_headline or '')}"
                f"</ins> ({verdict})",
            )
        )
    if coverage.lede_changed:
        rows.append(("Lede", "changed, " + ("the claim changed" if coverage.lede_substantive else "wording only")))
    rows.append(("Words", f"+{coverage.words_added} / −{coverage.words_removed}"))
    rows.append(
        (
            "Sentences",
            f"+{coverage.sentences_added} / −{coverage.sentences_removed}; "
            + ", ".join(f"{counts[k]} {k}" for k in ("edited", "moved", "split", "merged")),
        )
    )
    for label, added, dropped in (
        (
            "Quotes",
            [_quote(q.text, q.speaker) for q in coverage.quotes_added],
            [_quote(q.text, q.speaker) for q in coverage.quotes_dropped],
        ),
        ("Sources", [escape(s) for s in coverage.sources_added], [escape(s) for s in coverage.sources_dropped]),
        ("Names", [escape(e) for e in coverage.entities_added], [escape(e) for e in coverage.entities_dropped]),
        ("Links", [escape(u) for u in coverage.links_added or ()], [escape(u) for u in coverage.links_removed or ()]),
    ):
        if added or dropped:
            cells = [f"<ins>{item}</ins>" for item in added] + [f"<del>{item}</del>" for item in dropped]
            rows.append((label, "; ".join(cells)))
    body = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<table class="summary">{body}</table>'


def _quote(text: str, speaker: str | None) -> str:
    return f"“{escape(text)}”" + (f" — {escape(speaker)}" if speaker else "")


def _columns(comparison: Comparison, old: Version, new: Version) -> str:
    head = (
        f'<div class="head">{escape(old.ref)} · {escape(format_time(old.captured_at))}</div>'
        f'<div class="head">{escape(new.ref)} · {escape(format_time(new.captured_at))}</div>'
    )
    out = [f'<div class="columns">{head}']
    run: list[str] = []

    def flush() -> None:
        if run:
            noun = "sentence" if len(run) == 1 else "sentences"
            out.append(
                f'<details class="unchanged-run"><summary>{len(run)} unchanged {noun}</summary>'
                f'<div class="columns">{"".join(run)}</div></details>'
            )
            run.clear()

    for change, departure in _with_departures(comparison.changes):
        if departure:
            flush()
            out.append(_departure_row(change))
        elif change.kind == "unchanged":
            run.append(_row(change))
        else:
            flush()
            out.append(_row(change))
    flush()
    out.append("</div>")
    return "".join(out)


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


def _anchor(side: str, excerpt: Excerpt | None) -> str:
    return f"{side}-s{excerpt.sentences[0] + 1}" if excerpt else ""


def _row(change: Change) -> str:
    classes = ["row", str(change.kind), "substantive" if change.substantive else "cosmetic"]
    if change.kind != "unchanged":
        classes.append("changed")
    left = _cell("old", change, change.old)
    right = _cell("new", change, change.new)
    return f'<div class="{" ".join(classes)}">{left}{right}</div>'


def _departure_row(change: Change) -> str:
    """Where a moved sentence stood in the old version, linking to where it is now."""
    assert change.old is not None and change.new is not None
    link = f'<a href="#{_anchor("new", change.new)}">moved to ¶{change.new.paragraph + 1}</a>'
    where = f'<span class="where">¶{change.old.paragraph + 1} · s{change.old.sentences[0] + 1}</span>'
    left = (
        f'<div class="cell" id="{_anchor("old", change.old)}">{link}{where}<div>{escape(change.old.text)}</div></div>'
    )
    return f'<div class="row unchanged departure">{left}<div class="cell empty"></div></div>'


def _cell(side: str, change: Change, excerpt: Excerpt | None) -> str:
    if excerpt is None:
        note = "added in the new version" if side == "old" else "removed from the new version"
        return f'<div class="cell empty" title="{note}"></div>'
    moved = change.kind == "moved"
    anchor = "" if moved and side == "old" else f' id="{_anchor(side, excerpt)}"'
    where = f'<span class="where">¶{excerpt.paragraph + 1} · s{excerpt.sentences[0] + 1}</span>'
    label = ""
    if side == "new" and change.kind != "unchanged":
        verdict = "claim" if change.substantive else "cosmetic"
        text = "claim changed" if change.substantive else "wording"
        label = f'<span class="kind {verdict}">{escape(str(change.kind))} · {text}</span>'
    elif moved and change.old is not None:
        label = f'<a href="#{_anchor("old", change.old)}">moved from ¶{change.old.paragraph + 1}</a>'
    body = _side_text(side, change, excerpt)
    reasons = _reasons(change.reasons) if side == "new" or change.new is None else ""
    return f'<div class="cell"{anchor}>{label}{where}<div>{body}</div>{reasons}</div>'


def _side_text(side: str, change: Change, excerpt: Excerpt) -> str:
    """The excerpt with the words this side lost (old) or gained (new) marked."""
    if change.diff is None or not change.edited:
        text = escape(excerpt.text)
        if change.kind == "added":
            return f"<ins>{text}</ins>"
        if change.kind == "removed":
            return f"<del>{text}</del>"
        return text
    keep, tag = (DELETE, "del") if side == "old" else (INSERT, "ins")
    pieces = []
    for op, text in change.diff.ops:
        if op == EQUAL:
            pieces.append(escape(text))
        elif op == keep:
            pieces.append(f"<{tag}>{escape(text)}</{tag}>")
    return "".join(pieces)


def _reasons(reasons: Iterable[Reason]) -> str:
    items = [
        f'<li class="{"claim" if reason.substantive else "cosmetic"}">{escape(reason.text)}</li>' for reason in reasons
    ]
    return f'<ul class="reasons">{"".join(items)}</ul>' if items else ""
