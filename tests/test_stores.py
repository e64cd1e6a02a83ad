"""Several stores read as one: three collectors' stores, each pushed to its own bare remote on this machine,
listed, searched, their changes listed and served together from clones of those remotes, article ids
qualified by store name."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SEED, SEED_REVISION

from archive.cli import cli
from archive.store.collection import StoreSet
from archive.store.repository import Store
from archive.web.viewer import make_server

STORY_URL = "https://news.example.org/story"


def archive(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def clones(tmp_path: Path) -> list[Path]:
    """Three collectors' stores, each pushed to its own bare remote, and a reader's clone of each."""
    captures = {  # store name: (article id, source, capture time); "story" is in two stores
        "politics": [("story", SEED, "2021-12-17T12:00:00Z"), ("story", SEED_REVISION, "2021-12-18T12:00:00Z")],
        "world": [("story", SEED, "2021-12-19T08:00:00Z")],
        "local": [("council", SEED_REVISION, "2021-12-20T08:00:00Z")],
    }
    clones = []
    for name, versions in captures.items():
        remote = tmp_path / "remotes" / f"{name}.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        Store.init(tmp_path / "collectors" / name).close()
        for article, source, at in versions:
            url = ("--url", STORY_URL) if article == "story" else ()  # one story, covered in two stores
            done = archive("--store", str(tmp_path / "collectors" / name), "snapshot", str(source), "--id", article,
                           "--at", at, *url)  # fmt: skip
            assert done.exit_code == 0, done.output
        assert archive("--store", str(tmp_path / "collectors" / name), "push", str(remote)).exit_code == 0
        clone = tmp_path / "reader" / name
        Store.init(clone).close()
        assert archive("--store", str(clone), "pull", str(remote)).exit_code == 0
        clones.append(clone)
    return clones


def test_three_stores_pushed_to_their_own_remotes_are_read_as_one(clones: list[Path]) -> None:
    stores = [argument for clone in clones for argument in ("--store", str(clone))]

    listed = json.loads(archive(*stores, "list", "--json").output)["articles"]
    expected = [("local:council", 1), ("politics:story", 2), ("world:story", 1)]
    assert [(a["id"], a["versions"]) for a in listed] == expected
    page = json.loads(archive(*stores, "list", "-n", "1", "--after", "politics:story", "--json").output)["articles"]
    assert [a["id"] for a in page] == ["world:story"]
    text = archive(*stores, "list").output
    assert "politics:story" in text and "world:story" in text

    mentions = json.loads(archive(*stores, "coverage", "Kremlin", "--json").output)
    articles = {mention["article"] for mention in mentions["mentions"]}
    assert articles <= {"politics:story", "world:story", "local:council"} and "politics:story" in articles

    refused = CliRunner().invoke(cli, [*stores, "show", "politics:story"])
    assert refused.exit_code == 2 and refused.stderr == "Error: `cli show` works on one store: give one --store\n"


def test_two_stores_of_one_name_are_refused(tmp_path: Path) -> None:
    for parent in ("a", "b"):
        Store.init(tmp_path / parent / "news").close()
    done = CliRunner().invoke(cli, ["--store", str(tmp_path / "a/news"), "--store", str(tmp_path / "b/news"), "list"])
    assert done.exit_code == 2 and done.stderr.startswith("Error: two stores are named 'news'")
    assert done.stderr.count("\n") == 1


def test_changes_of_three_stores_are_listed_as_one(clones: list[Path]) -> None:
    stores = [argument for clone in clones for argument in ("--store", str(clone))]
    listed = json.loads(archive(*stores, "changes", "--all", "--json").output)["changes"]
    assert listed and {(c["article"], c["old_version"], c["new_version"]) for c in listed} == {("politics:story", 1, 2)}
    one = [json.loads(archive("--store", str(clones[0]), "changes", "--all", "--json").output)["changes"]]
    assert [{**c, "article": "politics:story"} for c in one[0]] == listed  # the same changes, qualified
    assert json.loads(archive(*stores, "changes", "--all", "-n", "1", "--json").output)["changes"] == listed[:1]
    mine = json.loads(archive(*stores, "changes", "--all", "--article", "politics:story", "--json").output)
    assert mine["changes"] == listed
    assert json.loads(archive(*stores, "changes", "--article", "world:story", "--json").output)["changes"] == []
    unknown = CliRunner().invoke(cli, [*stores, "changes", "--article", "sports:story"])
    assert unknown.exit_code != 0 and unknown.stderr.startswith("Error: no article 'sports:")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture
def served_set(clones: list[Path]) -> Iterator[tuple[str, object]]:
    """The viewer over the three clones read as one, in a thread: its base URL and its Viewer."""
    with StoreSet.open(clones) as stores:
        server = make_server(stores, port=0)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", server.viewer
        finally:
            server.shutdown()
            server.server_close()


def test_the_viewer_serves_three_stores_as_one(served_set: tuple[str, object]) -> None:
    base, viewer = served_set
    listed = json.loads(get(base + "/api/")[1])["articles"]
    assert [a["id"] for a in listed] == ["local:council", "world:story", "politics:story"]  # newest first
    viewer.page_size = 1  # type: ignore[attr-defined]
    pages, path = [], "/api/"
    while path:
        page = json.loads(get(base + path)[1])
        pages.append([a["id"] for a in page["articles"]])
        path = page["next"]
    assert pages == [["local:council"], ["world:story"], ["politics:story"]]
    back = json.loads(get(base + "/api/?before=2021-12-18T12:00:00Z/politics:story")[1])
    assert [a["id"] for a in back["articles"]] == ["world:story"]
    viewer.page_size = 100  # type: ignore[attr-defined]
    found = json.loads(get(base + "/api/?q=Putin")[1])["articles"]
    assert {a["id"] for a in found} >= {"politics:story", "world:story"}

    article = json.loads(get(base + "/api/articles/politics:story")[1])
    assert [v["version"] for v in article["versions"]] == [1, 2] and article["versions"][1]["substantive_changes"] > 0
    status, page = get(base + "/articles/politics:story")
    assert status == 200 and 'href="/articles/politics%3Astory/diff/1/2"' in page
    status, diff = get(base + "/articles/politics%3Astory/diff/1/2")
    assert status == 200 and 'href="/articles/politics%3Astory/versions/2"' in diff
    assert get(base + "/articles/world:story/versions/1")[0] == 200
    changes = json.loads(get(base + "/api/changes?all=1")[1])["changes"]
    assert changes and {c["article"] for c in changes} == {"politics:story"}
    for missing in ("/articles/story", "/articles/sports:story", "/articles/world:story/versions/2"):
        assert get(base + missing)[0] == 404
    status, audits = get(base + "/audit")  # each store audited on its own page
    assert status == 200 and all(f'href="/audit/{name}"' in audits for name in ("politics", "world", "local"))
    listed_audits = json.loads(get(base + "/api/audit")[1])["stores"]
    assert [(s["name"], s["audit"]) for s in listed_audits] == [
        (name, f"/api/audit/{name}") for name in ("politics", "world", "local")
    ]
    report = json.loads(get(base + "/api/audit/politics")[1])
    assert report["ok"] and (report["articles"], report["versions"]) == (1, 2)
    status, audit = get(base + "/audit/politics")
    assert status == 200 and 'href="/articles/politics%3Astory"' in audit
    assert get(base + "/audit/sports")[0] == 404

    # Memento: the story's versions in both stores are the mementos of its URL, oldest first.
    timemap = get(base + "/timemap/link/" + STORY_URL)[1]
    mementos = re.findall(r"<[^>]*/articles/([^/>]+)/versions/(\d)>", timemap)
    assert mementos == [("politics%3Astory", "1"), ("politics%3Astory", "2"), ("world%3Astory", "1")]
    request = urllib.request.Request(base + "/timegate/" + STORY_URL,
                                     headers={"Accept-Datetime": "Sat, 18 Dec 2021 20:00:00 GMT"})  # fmt: skip
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as found:
        opener.open(request)
    assert found.value.code == 302 and found.value.headers["Location"].endswith("/articles/politics%3Astory/versions/2")


def test_the_viewer_serves_the_feeds_of_three_stores_as_one(clones: list[Path], served_set: tuple[str, object]) -> None:
    base, _ = served_set
    status, feed = get(base + "/feeds/changes.atom?all=1")
    assert status == 200 and feed.startswith("<?xml")
    entries = re.findall(r"<entry>.*?<id>([^<]+)</id>.*?<link [^>]*href=\"([^\"]+)\"", feed, re.S)
    assert [link for _, link in entries] == [base + "/articles/politics%3Astory/diff/1/2"]
    feed_id = re.search(r"<feed[^>]*>.*?<id>([^<]+)</id>", feed, re.S)
    assert feed_id and ":stores-" in feed_id[1]
    # The entry keeps the id it has in its own store's feed, so a reader of both shows it once.
    with Store.open(clones[0]) as politics:
        server = make_server(politics, port=0)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            own = get(f"http://127.0.0.1:{server.server_address[1]}/feeds/changes.atom?all=1")[1]
        finally:
            server.shutdown()
            server.server_close()
    assert re.findall(r"<entry>.*?<id>([^<]+)</id>", own, re.S) == [entry_id for entry_id, _ in entries]
    status, article_feed = get(base + "/articles/politics:story/changes.atom?all=1")
    assert status == 200 and entries[0][0] in article_feed
    status, empty = get(base + "/articles/world:story/changes.atom")
    assert status == 200 and "<entry>" not in empty
    assert get(base + "/articles/sports:story/changes.atom")[0] == 404


def test_archive_serve_takes_several_stores(clones: list[Path]) -> None:
    command = [sys.executable, "-m", "archive", "serve", *map(str, clones), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        port = re.search(r"127\.0\.0\.1:(\d+)/", line)
        assert port and all(str(clone) in line for clone in clones), line
        listed = json.loads(get(f"http://127.0.0.1:{port[1]}/api/")[1])["articles"]
        assert {a["id"] for a in listed} == {"local:council", "world:story", "politics:story"}
    finally:
        process.terminate()
        process.wait()


def test_changes_pages_over_several_stores_keep_their_order_across_stores(clones: list[Path], tmp_path: Path) -> None:
    # Two stores get a version captured at the same moment: their changes tie on time, across stores, and
    # the ids of the two articles sort one way qualified (local:council < world:apple) and the other way bare.
    captures = {"world": [("apple", SEED, "07"), ("apple", SEED_REVISION, "08")], "local": [("council", SEED, "08")]}
    for name, versions in captures.items():
        collector = str(tmp_path / "collectors" / name)
        for article, source, hour in versions:
            done = archive("--store", collector, "snapshot", str(source), "--id", article,
                           "--at", f"2021-12-21T{hour}:00:00Z")  # fmt: skip
            assert done.exit_code == 0, done.output
        assert archive("--store", collector, "push", str(tmp_path / "remotes" / f"{name}.git")).exit_code == 0
        reader = tmp_path / "reader" / name
        assert archive("--store", str(reader), "pull", str(tmp_path / "remotes" / f"{name}.git")).exit_code == 0
    stores = [argument for clone in clones for argument in ("--store", str(clone))]
    whole = json.loads(archive(*stores, "changes", "--all", "--json").output)["changes"]
    order = [(c["captured_at"], c["article"]) for c in whole]
    assert order == sorted(order, key=lambda key: (key[0], [-ord(ch) for ch in key[1]]), reverse=True)
    assert [a for _, a in dict.fromkeys(order)] == ["local:council", "world:apple", "politics:story"]

    with StoreSet.open(clones) as opened:
        server = make_server(opened, port=0)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            assert json.loads(get(base + "/api/changes?all=1")[1])["changes"] == whole
            seen, path, last = [], "/changes?all=1&n=1", None
            while path:  # one change a page, older and older
                page = json.loads(get(base + "/api" + path)[1])
                seen += page["changes"]
                path, last = page["older"], page
            assert seen == whole
            back, path = [], last["newer"] if last else None
            while path:  # and back, newer and newer, from the oldest
                page = json.loads(get(base + "/api" + path)[1])
                back += page["changes"]
                path = page["newer"]
            assert back == whole[-2::-1]
        finally:
            server.shutdown()
            server.server_close()
