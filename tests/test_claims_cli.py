"""Sentence-level diffs, claims, timelines and term coverage through the CLI, on real stores."""

import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import SEED, SEED_REVISION, STORY, WebServer, archive_terms_versions, article_html

from archive.store.repository import Store


def archive_demo(run) -> None:
    assert run("snapshot", str(SEED), "--id", "putin", "--at", "2021-12-17T12:00:00Z").exit_code == 0
    assert run("snapshot", str(SEED_REVISION), "--id", "putin", "--at", "2021-12-18T09:30:00Z").exit_code == 0


def test_sentence_diff_lists_each_change_with_its_verdict(run) -> None:
    archive_demo(run)
    output = run("diff", "putin", "--by", "sentence").output
    assert "3 substantive, 0 cosmetic" in output
    assert re.search(r"ADDED +— → ¶2 s\d+ +SUBSTANTIVE", output)
    assert "{+On Friday, the Kremlin published the draft treaty it wants NATO to sign.+}" in output
    assert "[-several-]{+eleven+}" in output
    assert "Several readers have written in" not in output  # unchanged sentences stay out


def test_sentence_diff_json_carries_kind_verdict_reasons_text_and_spans(run) -> None:
    archive_demo(run)
    data = json.loads(run("diff", "putin", "--by", "sentence", "--json").output)
    old_text = json.loads(run("show", "putin@1", "--json").output)["text"]
    new_text = json.loads(run("show", "putin@2", "--json").output)["text"]
    assert data["from"]["version"] == 1 and data["to"]["version"] == 2
    changed = [change for change in data["changes"] if change["kind"] != "unchanged"]
    assert {change["kind"] for change in changed} == {"edited", "added"}
    for change in data["changes"]:
        assert {"kind", "substantive", "reasons", "old", "new"} <= set(change)
        for side, text in (("old", old_text), ("new", new_text)):
            if change[side] is not None:
                start, end = change[side]["span"]
                assert text[start:end] == change[side]["text"]
    added = next(change for change in changed if change["kind"] == "added")
    assert added["old"] is None and added["substantive"] is True
    assert data["coverage"]["headline"]["changed"] is True
    assert "Kremlin" in data["coverage"]["entities"]["added"]


def test_claims_lists_only_substantive_changes(run) -> None:
    archive_demo(run)
    data = json.loads(run("claims", "putin", "--json").output)
    assert data["changes"] and all(change["substantive"] for change in data["changes"])
    codes = {reason["code"] for change in data["changes"] for reason in change["reasons"]}
    assert "number" in codes
    assert "SUBSTANTIVE" in run("claims", "putin", "1", "2").output


def test_html_page_is_self_contained_side_by_side_and_escapes_article_text(run, tmp_path: Path) -> None:
    hostile = [*STORY[:2], "The page said <script>alert('x')</script> and <img src=x onerror=alert(1)> in 2024."]
    for number, paragraphs in enumerate((STORY, hostile), start=1):
        page = tmp_path / f"v{number}.html"
        page.write_text(
            article_html(paragraphs=paragraphs)
            .replace("<script>", "&lt;script&gt;")
            .replace("</script>", "&lt;/script&gt;")
            .replace("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
            encoding="utf-8",
        )
        result = run(
            "snapshot",
            str(page),
            "--url",
            "https://news.example.org/world/troops-border",
            "--at",
            f"2024-03-0{number}T10:00:00Z",
        )
        assert result.exit_code == 0, result.output
    out = tmp_path / "diff.html"
    result = run("diff", "news.example.org-world-troops-border", "--html", str(out))
    assert result.exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script" not in html.lower() and "onerror=alert" not in html.replace(
        "&lt;img src=x onerror=alert(1)&gt;", ""
    )
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched from the network
    assert 'class="columns"' in html
    # The page's legend always holds "<del>", "removed" and "claim changed": check the rows themselves.
    # The last two paragraphs gave way to the hostile one: a rewrite, old text struck, new text inserted.
    assert "Talks between the two governments are scheduled to resume in Geneva next week.</del>" in html
    assert "rewritten · claim changed" in html


def test_moved_sentences_are_linked_both_ways(run, tmp_path: Path) -> None:
    minister, markets = "The minister resigned on Monday.\n", "Markets fell sharply after the news.\n"
    opposition = "The opposition called for an election.\n"
    first, second = minister + markets + opposition, opposition + minister + markets
    for number, text in enumerate((first, second), start=1):
        run("snapshot", "-", "--id", "moves", "--title", "Moves", "--at", f"2024-01-0{number}", input=text)
    data = json.loads(run("diff", "moves", "--by", "sentence", "--json").output)
    assert [c["kind"] for c in data["changes"] if c["kind"] != "unchanged"] == ["moved"]
    out = tmp_path / "moves.html"
    run("diff", "moves", "--html", str(out))
    html = out.read_text(encoding="utf-8")
    departure, arrival = (
        re.search(r'href="#(new-s\d+)">moved to', html),
        re.search(r'href="#(old-s\d+)">moved from', html),
    )
    assert departure and arrival
    assert f'id="{departure.group(1)}"' in html and f'id="{arrival.group(1)}"' in html


def test_timeline_shows_each_versions_change(run) -> None:
    archive_demo(run)
    run("snapshot", str(SEED), "--id", "putin", "--at", "2021-12-19T08:00:00Z")  # the story reverts
    data = json.loads(run("timeline", "putin", "--json").output)
    assert [v["version"] for v in data["versions"]] == [1, 2, 3]
    assert data["versions"][0]["coverage"] is None
    assert data["versions"][1]["coverage"]["entities"]["added"] == ["Kremlin"]
    assert data["versions"][2]["coverage"]["entities"]["dropped"] == ["Kremlin"]
    text = run("timeline", "putin").output
    assert "+Kremlin" in text and "-Kremlin" in text


def test_coverage_of_a_term_across_articles_and_versions(run) -> None:
    archive_demo(run)
    run(
        "snapshot",
        "-",
        "--id",
        "other",
        "--title",
        "Other",
        "--at",
        "2021-12-20",
        input="NATO ministers met in Brussels.\nNato said little.\n",
    )
    run("snapshot", "-", "--id", "unrelated", "--title", "Weather", "--at", "2021-12-20", input="Rain all week.\n")
    data = json.loads(run("coverage", "NATO", "--json").output)
    counts = {(m["article"], m["version"]): m["count"] for m in data["mentions"]}
    assert counts == {("putin", 1): 4, ("putin", 2): 5, ("other", 1): 2}
    assert "No archived article mentions" in run("coverage", "Zanzibar").output


def test_comparisons_of_html_captures_read_the_stored_text_never_the_extractor(
    run, web: WebServer, store_path: Path
) -> None:
    url = web.page("/story", article_html(paragraphs=[*STORY, 'Read <a href="/report.pdf">the full report</a> here.']))
    run("snapshot", url, "--at", "2024-03-01T10:00:00Z")
    web.page("/story", article_html(paragraphs=[*STORY, 'Read <a href="https://gov.example/new">the new report</a>.']))
    run("snapshot", url, "--at", "2024-03-02T10:00:00Z")
    code = "import sys, archive; s = archive.Store.open(sys.argv[1]); archive.timeline(s, s.find_article(sys.argv[2]))"
    code += "; print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code, str(store_path), url], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "'trafilatura'" not in done.stdout
    # Links are only in the raw HTML, which comparisons do not read: the coverage says they are unknown.
    assert json.loads(run("diff", url, "--by", "sentence", "--json").output)["coverage"]["links"] is None


def test_timeline_of_a_long_document_fits_a_terminal(store: Store, run) -> None:
    archive_terms_versions(store)
    text = run("timeline", "reddit_privacy_policy").output
    lines = text.splitlines()
    assert max(map(len, lines)) < 200 and "more" in text  # many names changed; the cell says how many are not shown
    data = json.loads(run("timeline", "reddit_privacy_policy", "--json").output)
    changed = data["versions"][1]["coverage"]["entities"]
    assert len(changed["added"]) + len(changed["dropped"]) > 10  # --json keeps every name
