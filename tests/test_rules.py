"""Noise rules (issue 12, item 4): the rules file, its checks, its application on every capture path, and the
history's reproduction with the rules each version records."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SEED, SEED_REVISION, WebServer, article_html, git, store_state
from conftest import STORY as NEWS

from archive import alert_kinds, check_rules, rebuild, reproduce, set_rules, snapshot, verify
from archive.compare.changes import SELECTABLE_KINDS
from archive.compare.claims import compare
from archive.compare.words import count_words
from archive.ingest.sources import import_sources
from archive.model import parse_time
from archive.store.metadata import WordCounts, given_fields, recorded_text_sha256
from archive.store.repository import Store
from archive.store.writer import NewVersion

ARCHIVE = str(ROOT / ".venv" / "bin" / "archive")

STORY = [
    "The council approved the new budget of 4.2 million euros on Tuesday evening after a long debate.",
    "Opposition members said the plan cut too deeply into library funding and voted against it.",
    "The mayor said the savings were needed to repair the old bridge before winter.",
]
RELATED = [
    "Related: The bridge has been closed to lorries since March after engineers found cracks in two of its piers.",
    "Related: Library opening hours were reduced last year, and campaigners have collected 3,000 signatures.",
    "Related: A second vote on the harbour project is due in May, officials said on Monday at a press conference.",
]
STAMPED = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Council approves budget</title></head><body>
<article><h1>Council approves budget</h1><p class="stamp">Updated {minutes} minutes ago</p>
{paragraphs}<div class="share">Share on Facebook Share on X Copy link to this story for your friends</div></article>
</body></html>"""
# trafilatura reads the related stories as the article: the story sits in a block whose class says "comments".
MISREAD = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Council approves budget</title></head><body>
<div class="page"><article><h1>Council approves budget</h1><div class="comments">{story}</div></article>
<div class="more"><div class="related">{related}</div></div></div></body></html>"""

RULES = """\
sites:
  127.0.0.1:
    ignore_text:
      - 'Updated \\d+ minutes ago'
    drop: [.share]
    alert: [number, quote]
"""


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def stamped(minutes: int) -> str:
    return STAMPED.format(minutes=minutes, paragraphs=paragraphs(STORY))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def metadata(store: Store, article: str, spec: str = "latest") -> dict[str, Any]:
    return dict(store.version(article, spec).metadata)


# --- the rules file and its checks ------------------------------------------------------------


BAD_FILES = {
    "malformed YAML": ("sites:\n  example.org:\n    ignore_text: [unclosed\n", ":4: not valid YAML"),
    "unknown key": ("sites:\n  example.org:\n    ignore: ['x']\n", ":3: sites.example.org.ignore: unknown key"),
    "bad regex": (
        "sites:\n  example.org:\n    ignore_text:\n      - 'fine'\n      - 'Updated (\\d+'\n",
        ":5: sites.example.org.ignore_text[1]: bad regular expression 'Updated (\\\\d+'",
    ),
    "bad selector": ("articles:\n  story:\n    drop: ['div..share']\n", ":3: articles.story.drop[0]: bad CSS selector"),
    "unknown kind": (
        "sites:\n  example.org:\n    alert: [number, vibes]\n",
        ":3: sites.example.org.alert[1]: unknown kind of change 'vibes'",
    ),
    "bad host": ("sites:\n  https://example.org/:\n    drop: [aside]\n", ":2: sites.https://example.org/: not a host"),
    "top-level key": ("site:\n  example.org: {}\n", ":1: site: unknown key"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_rules_check_names_the_file_the_line_and_the_rule(case: str, tmp_path: Path) -> None:
    text, expected = BAD_FILES[case]
    path = write(tmp_path / "rules.yaml", text)
    ran = subprocess.run([ARCHIVE, "rules", "check", str(path)], capture_output=True, text=True)
    assert ran.returncode == 2
    lines = ran.stderr.splitlines()
    assert len(lines) == 1, ran.stderr
    assert lines[0].startswith(f"Error: {path}{expected.split(':', 2)[0]}:{expected.split(':', 2)[1]}")
    assert expected in lines[0]
    assert "Traceback" not in ran.stderr


def test_rules_check_accepts_a_good_file_and_lists_every_problem(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", RULES)
    ran = subprocess.run([ARCHIVE, "rules", "check", str(good)], capture_output=True, text=True)
    assert ran.returncode == 0 and ran.stdout.strip() == f"{good}: the rules are valid"
    bad = write(tmp_path / "bad.yaml", "sites:\n  a.org:\n    ignore_text: ['(']\n    alert: [nope]\n")
    ran = subprocess.run([ARCHIVE, "rules", "check", str(bad)], capture_output=True, text=True)
    assert ran.returncode == 2
    assert [line.split(": ")[1] for line in ran.stderr.splitlines()] == [f"{bad}:3", f"{bad}:4"]


def test_change_kinds_cover_every_reason_the_comparison_gives() -> None:
    old = SEED.read_text(encoding="utf-8")
    new = SEED_REVISION.read_text(encoding="utf-8")
    comparison = compare(old, new)
    codes = {reason.code for change in comparison.changes for reason in change.reasons}
    kinds = {str(change.kind) for change in comparison.changes} - {"unchanged"}
    assert codes and codes <= SELECTABLE_KINDS, codes - SELECTABLE_KINDS
    assert kinds <= SELECTABLE_KINDS


def test_alert_kinds_by_site_subdomain_and_article(store: Store, tmp_path: Path) -> None:
    rules = (
        "sites:\n  example.org:\n    alert: [number]\n  news.example.org:\n    alert: [quote, hedge]\n"
        "articles:\n  story:\n    alert: [headline]\n"
    )
    snapshot(store, str(SEED), article_id="seed", at=parse_time("2021-12-17T12:00:00Z"))
    set_rules(store, write(tmp_path / "rules.yaml", rules))
    assert alert_kinds(store, "https://www.example.org/a", None) == {"number"}
    assert alert_kinds(store, "https://live.news.example.org/a", "other") == {"quote", "hedge"}
    assert alert_kinds(store, "https://example.org/a", "story") == {"headline"}
    assert alert_kinds(store, "https://example.com/a", None) is None
    assert alert_kinds(store, "notexample.org", None) is None
    assert check_rules(rules.encode(), "rules.yaml").alert_kinds("example.org", None) == {"number"}


# --- committing the rules -------------------------------------------------------------------------


def test_rules_set_is_a_commit_of_its_own_dated_by_the_history(store: Store, store_path: Path, tmp_path: Path) -> None:
    rules = write(tmp_path / "rules.yaml", RULES)
    with pytest.raises(Exception, match="give --at"):
        set_rules(store, rules)
    snapshot(store, str(SEED), article_id="seed", at=parse_time("2021-12-17T12:00:00Z"))
    change = set_rules(store, rules)
    assert change.commit == store.head()
    assert git(store_path, "log", "-1", "--format=%cI %s", "HEAD").strip() == (
        f"2021-12-17T12:00:00+00:00 Noise rules: rules.yaml {change.blob[:12]}"  # type: ignore[index]
    )
    assert git(store_path, "show", "--name-only", "--format=", "HEAD").split() == ["rules.yaml"]
    assert (store_path / "rules.yaml").read_text(encoding="utf-8") == RULES  # checked out
    assert set_rules(store, rules).commit is None  # the same rules again: nothing
    assert verify(store).ok
    removed = set_rules(store, None, at=parse_time("2021-12-18T00:00:00Z"))
    assert removed.commit == store.head() and not (store_path / "rules.yaml").exists()
    assert verify(store).ok


def test_a_store_without_rules_keeps_its_commit_ids(store: Store) -> None:
    first = snapshot(store, str(SEED), article_id="putin-post-trump", at=parse_time("2021-12-17T12:00:00Z"))
    second = snapshot(store, str(SEED_REVISION), article_id="putin-post-trump", at=parse_time("2021-12-18T09:30:00Z"))
    # The README's demo ids, as they were before rules existed.
    assert (first.version.commit[:12], second.version.commit[:12]) == ("1ce717ee4589", "181f80141429")
    assert "rules" not in metadata(store, "putin-post-trump")


# --- applying them --------------------------------------------------------------------------------


def test_an_update_stamp_the_rules_ignore_makes_no_version(store: Store, web: WebServer, tmp_path: Path) -> None:
    url = web.page("/budget.html", stamped(5))
    snapshot(store, url, article_id="control", at=parse_time("2024-03-01T08:00:00Z"))
    web.page("/budget.html", stamped(7))
    assert snapshot(store, url, article_id="control", at=parse_time("2024-03-01T08:02:00Z")).created  # noise
    set_rules(store, write(tmp_path / "rules.yaml", RULES))
    web.page("/budget.html", stamped(5))
    first = snapshot(store, url, article_id="budget", at=parse_time("2024-03-01T09:00:00Z"))
    web.page("/budget.html", stamped(12))
    second = snapshot(store, url, article_id="budget", at=parse_time("2024-03-01T09:07:00Z"))
    assert first.created and not second.created
    text = store.text(first.version)
    assert "Updated" not in text and "Share on" not in text and STORY[0] in text
    recorded = metadata(store, "budget")
    assert recorded["rules"] == {"blob": git(store.path, "rev-parse", "HEAD~1:rules.yaml").strip()}
    assert store.raw(first.version) == stamped(5).encode("utf-8")  # the raw capture is untouched
    assert recorded["title"] == "Council approves budget"


def test_a_selector_fixes_a_page_trafilatura_misreads(store: Store, web: WebServer, tmp_path: Path) -> None:
    page = MISREAD.format(story=paragraphs(STORY), related=paragraphs(RELATED))
    url = web.page("/misread.html", page)
    wrong = snapshot(store, url, article_id="misread", at=parse_time("2024-03-01T08:00:00Z"))
    assert RELATED[0] in store.text(wrong.version) and STORY[0] not in store.text(wrong.version)
    rules = "sites:\n  127.0.0.1:\n    body: 'article .comments'\n    drop: ['.related']\n"
    set_rules(store, write(tmp_path / "rules.yaml", rules))
    fixed = snapshot(store, url, article_id="misread", at=parse_time("2024-03-02T08:00:00Z"))
    assert store.text(fixed.version) == "\n".join(STORY) + "\n"
    recorded = metadata(store, "misread")
    # The text differs only because the rules changed: an extraction change, not an edit of the article.
    assert recorded["rules"]["extraction_change"] is True
    assert recorded["title"] == metadata(store, "misread", "1")["title"]
    shown = subprocess.run(
        [ARCHIVE, "--store", str(store.path), "show", "misread"], capture_output=True, text=True, check=True
    ).stdout
    blob = recorded["rules"]["blob"]
    assert f"rules: rules.yaml {blob[:12]} (the text changed only because the rules did)" in shown.splitlines()


def test_rules_apply_to_text_files_stdin_folders_and_warcs(store: Store, tmp_path: Path) -> None:
    rules = (
        "sites:\n  example.org:\n    ignore_lines: ['^Share this']\n    ignore_text: ['Updated \\d+ minutes ago\\.?']\n"
        "    drop: [.share]\n    body: article\n"
    )
    snapshot(store, str(SEED), article_id="seed", at=parse_time("2021-12-17T12:00:00Z"))
    set_rules(store, write(tmp_path / "rules.yaml", rules))
    note = "Council approves budget\n\nUpdated 3 minutes ago. " + STORY[0] + "\nShare this story\n" + STORY[1] + "\n"
    from_file = snapshot(
        store, str(write(tmp_path / "note.txt", note)), url="https://example.org/note", at=parse_time("2022-01-01")
    )
    from_stdin = snapshot(
        store,
        "-",
        url="https://example.org/piped",
        stdin=io.BytesIO(note.encode("utf-8")),
        at=parse_time("2022-01-01"),
    )
    for result in (from_file, from_stdin):  # patterns apply to text; selectors need HTML and are passed over
        assert store.text(result.version) == f"{STORY[0]}\n{STORY[1]}\n"
    folder = tmp_path / "pages"
    folder.mkdir()
    write(folder / "a.html", stamped(4))
    write(folder / "captures.yaml", "a.html:\n  url: https://www.example.org/a\n  captured_at: 2022-02-01T00:00:00Z\n")
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, "https://news.example.org/b", stamped(9), "2022-02-02T00:00:00Z")
    report = import_sources(store, [str(folder), str(warc)], jobs=1)
    assert report.written == 2, report.problems
    for article in ("example.org-a", "news.example.org-b"):
        text = store.text(store.version(article))
        assert "Updated" not in text and "Share on" not in text and STORY[2] in text
        assert "rules" in metadata(store, article)


def write_warc(path: Path, url: str, html: str, date: str) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as output:
        writer = WARCWriter(output, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(html.encode("utf-8")),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": date},
        )
        writer.write_record(record)


# --- reproduce and rebuild -----------------------------------------------------------------------


def test_reproduce_and_rebuild_apply_the_recorded_rules(store: Store, web: WebServer, tmp_path: Path) -> None:
    url = web.page("/budget.html", stamped(5))
    snapshot(store, url, article_id="budget", at=parse_time("2024-03-01T08:00:00Z"))
    set_rules(store, write(tmp_path / "rules.yaml", RULES))
    snapshot(store, url, article_id="budget", at=parse_time("2024-03-01T09:00:00Z"))  # only the rules change the text
    web.page("/budget.html", STAMPED.format(minutes=2, paragraphs=paragraphs([*STORY, "A new paragraph was added."])))
    snapshot(store, url, article_id="budget", at=parse_time("2024-03-01T10:00:00Z"))
    # New rules: the next capture is read with them, the earlier ones keep theirs.
    set_rules(store, write(tmp_path / "rules2.yaml", RULES.replace("[.share]", "[.share, .stamp]")))
    snapshot(store, url, article_id="budget", at=parse_time("2024-03-01T11:00:00Z"))
    history = [metadata(store, "budget", str(n)).get("rules") for n in (1, 2, 3)]
    assert history[0] is None and history[1]["extraction_change"] is True and "extraction_change" not in history[2]
    reproduction = reproduce(store)
    assert reproduction.ok and len(reproduction.results) == 3
    rebuilt = rebuild(store, tmp_path / "rebuilt")
    assert rebuilt.identical, rebuilt.differences
    assert git(tmp_path / "rebuilt", "rev-parse", "HEAD") == git(store.path, "rev-parse", "HEAD")
    assert verify(store).ok


# --- archive rules test ------------------------------------------------------------------------


def test_rules_test_shows_the_text_what_was_dropped_and_the_version_it_differs_from(
    store: Store, store_path: Path, web: WebServer, tmp_path: Path
) -> None:
    url = web.page("/budget.html", stamped(5))
    snapshot(store, url, article_id="budget", at=parse_time("2024-03-01T08:00:00Z"))
    rules = write(tmp_path / "rules.yaml", RULES)
    before = store_state(store_path)
    ran = subprocess.run(
        [ARCHIVE, "--store", str(store_path), "rules", "test", url, "--rules", str(rules)],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0] == "article: budget"
    assert "dropped by sites.127.0.0.1.ignore_text[0]: Updated 5 minutes ago" in lines
    assert any(line.startswith("dropped by sites.127.0.0.1.drop[0]: Share on Facebook") for line in lines)
    assert STORY[0] in lines and not any("Updated" in line for line in lines if not line.startswith("dropped"))
    assert lines[-1].startswith("--- differs from budget@1 (") and lines[-1].endswith("+0 -4 words")
    set_rules(store, rules)
    web.page("/budget.html", stamped(8))
    before = store_state(store_path)
    ran = subprocess.run([ARCHIVE, "--store", str(store_path), "rules", "test", url], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[1].startswith("rules: rules.yaml ") and "for site 127.0.0.1" in ran.stdout
    assert ran.stdout.splitlines()[-1].startswith("--- differs from budget@1")
    ran = subprocess.run(
        [ARCHIVE, "--store", str(store_path), "rules", "test", url, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    shown = json.loads(ran.stdout)
    assert (shown["article"], shown["rules"]["site"], shown["latest"]["version"]) == ("budget", "127.0.0.1", 1)
    assert {"rule": "sites.127.0.0.1.ignore_text[0]", "text": "Updated 8 minutes ago"} in shown["dropped"]
    assert not shown["same_text"] and shown["text"].startswith(STORY[0])
    assert store_state(store_path) == before  # nothing stored, not even the journal of unchanged captures
    bad = write(tmp_path / "bad.yaml", "sites:\n  127.0.0.1:\n    body: 'p['\n")
    ran = subprocess.run(
        [ARCHIVE, "--store", str(store_path), "rules", "test", url, "--rules", str(bad)], capture_output=True, text=True
    )
    assert ran.returncode == 2 and ran.stderr.startswith(f"Error: {bad}:3: sites.127.0.0.1.body: bad CSS selector")
    assert store_state(store_path) == before


def test_watch_applies_the_rules(store: Store, web: WebServer, tmp_path: Path) -> None:
    from archive.ingest.feeds import WatchOptions, watch_once

    snapshot(store, str(SEED), article_id="seed", at=parse_time("2024-03-01T07:00:00Z"))
    set_rules(store, write(tmp_path / "rules.yaml", RULES))
    web.page("/budget.html", stamped(5))
    items = f"<item><title>Budget</title><link>{web.url('/budget.html')}</link></item>"
    feed = web.page(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>',
        headers={"Content-Type": "application/rss+xml"},
    )
    options = WatchOptions(timeout=2.0, host_delay=0.0, jobs=1)
    now = parse_time("2024-03-01T08:00:00Z")
    first = watch_once(store, [feed], options, clock=lambda: now)
    assert first.written == 1, first.problems
    (article,) = [a.article_id for a in store.articles() if a.article_id != "seed"]
    assert "Updated" not in store.text(store.version(article)) and "rules" in metadata(store, article)
    web.page("/budget.html", stamped(35))  # only the stamp moved
    later = parse_time("2024-03-02T08:00:00Z")
    second = watch_once(store, [feed], options, clock=lambda: later)
    assert second.written == 0 and len(store.versions(article)) == 1


def test_audit_export_and_verify_accept_the_rules_commit(store: Store, web: WebServer, tmp_path: Path) -> None:
    from archive import audit_report, export

    url = web.page("/budget.html", stamped(5))
    set_rules(store, write(tmp_path / "rules.yaml", RULES), at=parse_time("2024-03-01T07:00:00Z"))
    snapshot(store, url, article_id="budget", at=parse_time("2024-03-01T08:00:00Z"))
    assert verify(store).ok
    report = audit_report(store)
    assert not [a for a in report.anomalies if a.kind == "foreign-commit"]
    export(store, "jsonl", tmp_path / "out.jsonl")
    assert '"rules"' in (tmp_path / "out.jsonl").read_text(encoding="utf-8")


def test_verify_finds_a_version_whose_rules_no_commit_set(store: Store, web: WebServer, tmp_path: Path) -> None:
    url = web.page("/budget.html", stamped(5))
    set_rules(store, write(tmp_path / "rules.yaml", RULES), at=parse_time("2024-03-01T07:00:00Z"))
    snapshot(store, url, article_id="budget", at=parse_time("2024-03-01T08:00:00Z"))
    # A version that claims rules the history never set, committed as the archive commits (only the rules check
    # can tell).
    text = "Forged text of the budget story, with enough words.\n"
    given = {**given_fields(metadata(store, "budget")), "rules": {"blob": "0" * 40}}
    with store.writing() as writer:
        latest = writer.latest("budget")
        assert latest is not None
        new = NewVersion("budget", text, b"x", "text/plain", parse_time("2024-03-01T09:00:00Z"), given)
        words = count_words(text)
        writer.add(new, WordCounts(recorded_text_sha256(latest.metadata), words, words, latest.words))
    findings = verify(store).findings
    assert [f.check for f in findings] == ["rules"], findings
    assert "no earlier commit set as rules.yaml" in findings[0].message


def test_rules_check_without_a_file_checks_the_stores_rules(store: Store, store_path: Path, tmp_path: Path) -> None:
    snapshot(store, str(SEED), article_id="seed", at=parse_time("2021-12-17T12:00:00Z"))
    set_rules(store, write(tmp_path / "rules.yaml", RULES))
    ran = subprocess.run([ARCHIVE, "--store", str(store_path), "rules", "check"], capture_output=True, text=True)
    assert ran.returncode == 0 and ran.stdout.strip() == "rules.yaml: the rules are valid"


def test_pull_brings_the_rules_and_refuses_to_drop_local_ones(tmp_path: Path) -> None:
    from archive import pull, push
    from archive.errors import HistoryConflict

    shared = tmp_path / "shared.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(shared)], check=True)
    a, b = Store.init(tmp_path / "a"), Store.init(tmp_path / "b")
    for collector in (a, b):
        git(collector.path, "remote", "add", "origin", str(shared))
    snapshot(a, str(SEED), article_id="seed", at=parse_time("2021-12-17T12:00:00Z"))
    set_rules(a, write(tmp_path / "rules.yaml", RULES))
    push(a)
    pull(b)
    assert b.head() == a.head() and (b.path / "rules.yaml").read_text(encoding="utf-8") == RULES
    assert verify(b).ok
    set_rules(b, write(tmp_path / "rules2.yaml", RULES + "articles:\n  seed:\n    ignore_lines: ['^x']\n"))
    snapshot(a, str(SEED_REVISION), article_id="seed", at=parse_time("2021-12-18T12:00:00Z"))
    push(a)
    head = b.head()
    with pytest.raises(HistoryConflict, match="set its noise rules"):
        pull(b)
    assert b.head() == head and verify(b).ok


# --- notifications ------------------------------------------------------------------------------


def test_changes_and_notifications_skip_extraction_changes_and_follow_the_alert_kinds(
    store_path: Path, run: Any, tmp_path: Path
) -> None:
    from test_notify import Receiver

    receiver = Receiver()
    try:
        url = "https://news.example.org/world/troops"

        def capture(number: int, paragraphs: list[str]) -> None:
            page = write(tmp_path / f"troops-{number}.html", article_html(paragraphs=paragraphs))
            assert run("snapshot", str(page), "--id", "troops", "--url", url).exit_code == 0

        assert run("notify", "add", receiver.url).exit_code == 0
        capture(1, NEWS)
        rules = "sites:\n  example.org:\n    ignore_lines: ['^Talks between']\n"
        assert run("rules", "set", str(write(tmp_path / "rules.yaml", rules))).exit_code == 0
        capture(2, NEWS)  # the same page: only the rules change its text (a sentence with a place and a date goes)
        with Store.open(store_path) as store:
            assert len(store.versions("troops")) == 2 and metadata(store, "troops")["rules"]["extraction_change"]
        assert receiver.posts == []  # a change of extraction is no news
        listed = json.loads(run("changes", "--all", "--json").output)["changes"]
        assert [(c["old_version"], c["new_version"]) for c in listed] == []  # nor a change of the article
        rules += "    alert: [quote]\n"
        assert run("rules", "set", str(write(tmp_path / "rules.yaml", rules))).exit_code == 0
        capture(3, [NEWS[0].replace("100,000", "175,000"), *NEWS[1:]])  # a number: the rules alert on quotes only
        assert receiver.posts == []
        capture(4, [NEWS[0].replace("100,000", "175,000"), NEWS[1].replace("afraid of", "ready for"), *NEWS[2:]])
        (payload,) = receiver.delivered
        assert "(v3 → v4)" in str(payload["title"]) and "quote" in str(payload["message"])
    finally:
        receiver.close()
