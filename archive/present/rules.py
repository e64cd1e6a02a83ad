"""What ``archive rules`` prints: a rules commit, and what the rules make of a page (``archive rules test``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archive.model import format_time, plural
from archive.present.terminal import printable

if TYPE_CHECKING:
    from archive.ingest.rules import RulesChange, RulesTest

__all__ = ["change_text", "test_text", "test_json"]


def change_text(change: RulesChange) -> str:
    """One line: the commit that set or removed the rules, or that nothing changed."""
    if change.commit is None:
        return "rules.yaml unchanged: the store already has these rules; nothing was committed"
    at = format_time(change.at) if change.at else "?"
    if change.blob is None:
        return f"rules.yaml removed in commit {change.commit[:12]} (dated {at})"
    return f"rules.yaml set to blob {change.blob[:12]} in commit {change.commit[:12]} (dated {at})"


def test_text(result: RulesTest) -> str:
    """The rules that apply, what each dropped, the text left, and how it compares with the stored version."""
    rules = result.rules
    lines = [f"article: {result.article_id}"]
    if rules is None:
        found = f"rules.yaml {result.blob[:12]}" if result.blob else "the store has no rules"
        lines.append(f"rules: none apply ({found})")
    else:
        scopes = [f"site {rules.site}"] * bool(rules.site) + [f"article {rules.article}"] * bool(rules.article)
        lines.append(f"rules: rules.yaml {rules.blob[:12]}, for {' and '.join(scopes)}")
    for dropped in result.extracted.dropped:
        lines.append(f"dropped by {dropped.rule}: {printable(dropped.text)}")
    words = len(result.extracted.text.split())
    lines += [f"--- text ({plural(words, 'word')})", printable(result.extracted.text, newlines=True).rstrip("\n")]
    latest = result.latest
    if latest is None:
        lines.append("--- not archived yet: it would be version 1")
    elif result.same_text:
        lines.append(f"--- the same text as {latest.ref} ({latest.commit[:12]})")
    else:
        lines.append(
            f"--- differs from {latest.ref} ({latest.commit[:12]}): +{result.words_added} -{result.words_removed} words"
        )
    return "\n".join(lines)


def test_json(result: RulesTest) -> dict[str, Any]:
    """``archive rules test --json`` (docs/json.md)."""
    rules, latest = result.rules, result.latest
    return {
        "article": result.article_id,
        "rules_blob": result.blob,
        "rules": None if rules is None else {"blob": rules.blob, "site": rules.site, "article": rules.article},
        "dropped": [{"rule": dropped.rule, "text": dropped.text} for dropped in result.extracted.dropped],
        "text": result.extracted.text,
        "words": len(result.extracted.text.split()),
        "latest": None if latest is None else {"version": latest.number, "commit": latest.commit},
        "same_text": result.same_text,
        "words_added": result.words_added,
        "words_removed": result.words_removed,
    }
