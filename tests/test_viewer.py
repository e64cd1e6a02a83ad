"""The web viewer over real HTTP: stable URLs, JSON twins, validation, escaping, and no writes."""

import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SEED, SEED_REVISION, STORY, article_html, read_only_mount_works, served, store_state

from archive.ingest.snapshot import snapshot
from archive.model import parse_time
from archive.review.changelog import fingerprint
from archive.store.repository import Store
from archive.web.cache import LRU, PageFile
from archive.web.viewer import ViewerServer, make_server

HOSTILE = "The statement read <script>window.hacked = 1</script> and ended there, officials said."


servers: list[ViewerServer] = []  # the running one is the last


@pytest.fixture
def viewer(store_path: Path, tmp_path: Path) -> Iterator[str]:
    with Store.open(store_path) as store:
        snapshot(store, str(SEED), article_id="putin", at=parse_time("2021-12-17T12:00:00Z"))
        snapshot(store, str(SEED_REVISION), article_id="putin", at=parse_time("2021-12-18T09:30:00Z"))
        page = tmp_path / "hostile.html"
        page.write_text(article_html(paragraphs=[*STORY[:2], HOSTILE.replace("<", "&lt;").replace(">", "&gt;")]))
        snapshot(store, str(page), article_id="hostile", at=parse_time("2024-03-01T10:00:00Z"))
    with served(store_path) as server:
        servers.append(server)
        yield f"http://127.0.0.1:{server.server_address[1]}"


def get(url: str, method: str = "GET") -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8"), dict(error.headers)


def test_every_page_has_a_stable_url_and_a_json_twin(viewer: str) -> None:
    for path in ("/", "/articles/putin", "/articles/putin/versions/1", "/articles/putin/diff/1/2", "/audit"):
        status, body, headers = get(viewer + path)
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        status, body, headers = get(viewer + "/api" + path)
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        json.loads(body)
    articles = json.loads(get(viewer + "/api/")[1])["articles"]
    assert {a["id"] for a in articles} == {"putin", "hostile"}
    article = json.loads(get(viewer + "/api/articles/putin")[1])
    assert [v["version"] for v in article["versions"]] == [1, 2]
    assert article["versions"][1]["substantive_changes"] == 3
    diff = json.loads(get(viewer + "/api/articles/putin/diff/1/2")[1])
    assert diff["counts"]["substantive"] == 3 and diff["from"]["version"] == 1
    version = json.loads(get(viewer + "/api/articles/putin/versions/2")[1])
    assert all(version["checks"].values())


def test_article_page_shows_the_timeline_and_a_chart(viewer: str) -> None:
    body = get(viewer + "/articles/putin")[1]
    assert "<svg" in body and "Words added (up) and removed (down)" in body
    assert 'href="/articles/putin/diff/1/2"' in body and 'href="/articles/putin/versions/2"' in body
    assert "Putin’s Post-Trump Standoff" in body


def element(html: str, start: str) -> str:
    """The div that begins with ``start``, through its matching ``</div>``."""
    begin, depth = html.index(start), 0
    for tag in re.finditer(r"<div\b|</div>", html[begin:]):
        depth += 1 if tag.group() == "<div" else -1
        if not depth:
            return html[begin : begin + tag.end()]
    raise AssertionError(f"{start} is never closed")


def test_the_diff_page_is_the_same_rendering_as_diff_html(viewer: str, run, tmp_path: Path) -> None:
    body = get(viewer + "/articles/putin/diff/1/2")[1]
    assert "<ins>eleven</ins>" in body
    assert run("diff", "putin", "1", "2", "--html", str(tmp_path / "diff.html")).exit_code == 0
    page = (tmp_path / "diff.html").read_text(encoding="utf-8")
    assert element(page, '<div class="columns">') in body


def test_search_matches_title_url_and_id_on_the_full_text_index(viewer: str) -> None:
    assert "Putin’s Post-Trump Standoff" in get(viewer + "/?q=standoff")[1]
    found = json.loads(get(viewer + "/api/?q=Post-Trump+stand")[1])["articles"]  # words in order; a prefix last
    assert [a["id"] for a in found] == ["putin"]
    assert [a["id"] for a in json.loads(get(viewer + "/api/?q=hostile")[1])["articles"]] == ["hostile"]
    assert json.loads(get(viewer + "/api/?q=zanzibar")[1])["articles"] == []
    assert json.loads(get(viewer + "/api/?q=Kremlin")[1])["articles"] == []  # the text is not indexed
    assert get(viewer + "/api/?q=%22unbalanced")[0] == 200


def test_the_list_and_search_come_in_pages_with_stable_cursors(viewer: str, store_path: Path) -> None:
    servers[-1].viewer.page_size = 1
    first = json.loads(get(viewer + "/api/")[1])
    assert [a["id"] for a in first["articles"]] == ["hostile"] and first["previous"] is None
    with Store.open(store_path) as store:  # a newer article arrives: the next page is still the one after hostile
        snapshot(store, str(SEED), article_id="newest", at=parse_time("2025-01-01T00:00:00Z"))
    second = json.loads(get(viewer + first["next"])[1])
    assert [a["id"] for a in second["articles"]] == ["putin"] and second["next"] is None
    back = json.loads(get(viewer + second["previous"])[1])
    assert [a["id"] for a in back["articles"]] == ["hostile"] and back["next"] == first["next"]
    assert [a["id"] for a in json.loads(get(viewer + back["previous"])[1])["articles"]] == ["newest"]
    html = get(viewer + "/")[1]
    assert 'rel="next"' in html and 'rel="prev"' not in html
    found = json.loads(get(viewer + "/api/?q=putin")[1])  # the id of one, the title of the other
    following = json.loads(get(viewer + found["next"])[1])
    assert len(found["articles"]) == len(following["articles"]) == 1
    assert {found["articles"][0]["id"], following["articles"][0]["id"]} <= {"putin", "hostile", "newest"}
    assert found["articles"][0]["id"] != following["articles"][0]["id"]
    assert get(viewer + "/api/?after=nonsense")[0] == 404


def test_picker_redirects_to_the_citable_diff_url(viewer: str) -> None:
    request = urllib.request.Request(viewer + "/articles/putin/diff?from=1&to=2")
    with urllib.request.urlopen(request) as response:
        assert response.url == viewer + "/articles/putin/diff/1/2"


@pytest.mark.parametrize(
    "path",
    [
        "/articles/..%2F..%2Fetc%2Fpasswd",
        "/articles/%2Fetc%2Fpasswd",
        "/articles/nobody",
        "/articles/PUTIN",
        "/articles/putin/versions/3",
        "/articles/putin/versions/0",
        "/articles/putin/versions/-1",
        "/articles/putin/versions/latest",
        "/articles/putin/diff/1/9",
        "/articles/putin/diff/1",
        "/nowhere",
        "/api/articles/" + "x" * 300,
    ],
)
def test_bad_paths_are_404_and_never_reach_outside_the_store(viewer: str, path: str) -> None:
    status, body, _ = get(viewer + path)
    assert status == 404
    assert "root:" not in body


def test_article_text_is_escaped_not_run(viewer: str) -> None:
    body = get(viewer + "/articles/hostile/versions/1")[1]
    assert "&lt;script&gt;window.hacked = 1&lt;/script&gt;" in body
    assert "<script" not in body.lower()


def test_viewer_only_reads(viewer: str, store_path: Path) -> None:
    before = store_state(store_path)
    for path in ("/", "/articles/putin", "/articles/putin/diff/1/2", "/articles/putin/versions/1"):
        get(viewer + path)
    for method in ("POST", "PUT", "DELETE"):
        assert get(viewer + "/", method=method)[0] == 405
    assert store_state(store_path) == before


def test_pages_forbid_scripts_and_outside_requests(viewer: str) -> None:
    _, _, headers = get(viewer + "/articles/putin/diff/1/2")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_serve_binds_to_loopback_by_default(store_path: Path) -> None:
    with Store.open(store_path) as store:
        server = make_server(store, port=0)
        assert server.server_address[0] == "127.0.0.1"
        server.server_close()


def test_audit_page_reports_the_store_and_its_verification(viewer: str, store_path: Path) -> None:
    report = json.loads(get(viewer + "/api/audit")[1])
    assert report["ok"] is True and report["articles"] == 2 and report["versions"] == 3
    assert report["verification"]["ok"] is True
    status, body, _ = get(viewer + "/audit")
    assert status == 200 and 'href="/articles/putin"' in body and "verified: every check holds" in body
    assert get(viewer + "/audit/snapshots")[0] == 404  # one store is served: its audit is /audit

    # A working-tree edit that was never committed: the next request shows it.
    text = next(store_path.glob("articles/*/*/*/*/putin/text.txt"))
    text.write_text(text.read_text(encoding="utf-8") + "Forged.\n", encoding="utf-8")
    report = json.loads(get(viewer + "/api/audit")[1])
    assert report["ok"] is False and not report["verification"]["ok"]
    assert "verification failed" in get(viewer + "/audit")[1]


def get_with(url: str, **fields: str) -> tuple[int, bytes, dict[str, str]]:
    """A GET with request header fields (``If_None_Match`` for If-None-Match): status, body bytes, headers."""
    request = urllib.request.Request(url, headers={name.replace("_", "-"): value for name, value in fields.items()})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_article_page_reads_change_counts_from_the_change_log(viewer: str, store_path: Path) -> None:
    article = json.loads(get(viewer + "/api/articles/putin")[1])
    assert [v["substantive_changes"] for v in article["versions"]] == [None, 3]
    with Store.open(store_path) as store:
        second = store.versions("putin")[1]
        assert store.lookup.is_compared("putin", 2, second.commit, fingerprint())
        assert store.lookup.change_counts("putin")[2][0] == 3
        # What is recorded is what the page shows: no changes recorded for version 2 by this code …
        store.lookup.record_changes([("putin", 2, second.commit)], [], fingerprint())
    with served(store_path) as server:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        article = json.loads(get(base + "/api/articles/putin")[1])
        assert [v["substantive_changes"] for v in article["versions"]] == [None, 0]
        assert "<td>0</td>" in get(base + "/articles/putin")[1]
    with Store.open(store_path) as store:  # … while a record by other comparison code is compared again
        store.lookup.record_changes([("putin", 2, second.commit)], [], "other code")
    with served(store_path) as server:
        article = json.loads(get(f"http://127.0.0.1:{server.server_address[1]}/api/articles/putin")[1])
        assert [v["substantive_changes"] for v in article["versions"]] == [None, 3]
    with Store.open(store_path) as store:
        assert store.lookup.is_compared("putin", 2, second.commit, fingerprint())


def test_a_diff_of_consecutive_versions_records_their_changes(viewer: str, store_path: Path) -> None:
    with Store.open(store_path) as store:
        second = store.versions("putin")[1]
        assert not store.lookup.is_compared("putin", 2, second.commit, fingerprint())
    assert get(viewer + "/articles/putin/diff/1/2")[0] == 200
    with Store.open(store_path) as store:
        assert store.lookup.is_compared("putin", 2, second.commit, fingerprint())
        assert store.lookup.change_counts("putin")[2][0] == 3


def test_pages_of_given_versions_carry_etags_and_answer_not_modified(viewer: str, store_path: Path) -> None:
    status, body, headers = get_with(viewer + "/articles/putin/diff/1/2")
    tag = headers["ETag"]
    assert status == 200 and re.fullmatch(r'"[0-9a-f]{32}"', tag) and headers["Cache-Control"] == "max-age=86400"
    status, again, repeated = get_with(viewer + "/articles/putin/diff/1/2", If_None_Match=f'W/"other", {tag}')
    assert status == 304 and again == b"" and repeated["ETag"] == tag
    assert get_with(viewer + "/articles/putin/diff/1/2", If_None_Match='"other"')[1] == body
    assert get_with(viewer + "/api/articles/putin/diff/1/2")[2]["ETag"] != tag  # the JSON twin is another entity
    assert get_with(viewer + "/articles/putin/diff/2/1")[2]["ETag"] != tag

    _, _, article = get_with(viewer + "/articles/putin")
    _, _, version = get_with(viewer + "/articles/putin/versions/1")
    assert article["Cache-Control"] == version["Cache-Control"] == "no-cache"
    assert get_with(viewer + "/articles/putin", If_None_Match=article["ETag"])[0] == 304
    with Store.open(store_path) as store:  # a new version: the article's pages change, the diff of 1 and 2 does not
        snapshot(store, str(SEED), article_id="putin", at=parse_time("2021-12-19T12:00:00Z"))
    status, body, headers = get_with(viewer + "/articles/putin", If_None_Match=article["ETag"])
    assert status == 200 and headers["ETag"] != article["ETag"] and b'href="/articles/putin/versions/3"' in body
    status, body, headers = get_with(viewer + "/articles/putin/versions/1", If_None_Match=version["ETag"])
    assert status == 200 and headers["ETag"] != version["ETag"] and 'versions/3>; rel="last memento"' in headers["Link"]
    assert get_with(viewer + "/articles/putin/diff/1/2", If_None_Match=tag)[0] == 304
    assert get_with(viewer + "/", If_None_Match="*")[2].get("ETag") is None  # the list changes with every write


def test_the_page_cache_drops_the_least_recently_used_past_its_weight() -> None:
    cache: LRU[str, bytes] = LRU(10, len)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # now the most recently used
    cache.put("c", b"1234")  # 12 > 10: b goes
    assert cache.get("b") is None and cache.get("a") == b"1234" and cache.get("c") == b"1234"
    cache.put("huge", b"x" * 11)  # heavier than the whole cache: not kept, nothing dropped
    assert cache.get("huge") is None and len(cache) == 2 and cache.weight == 8


def test_article_page_of_a_cache_made_before_the_change_log(viewer: str, store_path: Path) -> None:
    get(viewer + "/")  # the cache is current
    cache = store_path / ".git" / "archive" / "index.sqlite3"
    with sqlite3.connect(cache) as connection:
        connection.executescript("DROP TABLE changes; DROP TABLE compared;")
    with served(store_path) as server:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        article = json.loads(get(base + "/api/articles/putin")[1])
        assert [v["substantive_changes"] for v in article["versions"]] == [None, 3]
        assert get(base + "/articles/putin/diff/1/2")[0] == 200


def test_article_page_on_a_read_only_filesystem_counts_without_keeping(viewer: str, store_path: Path) -> None:
    if not read_only_mount_works(store_path):
        pytest.skip("no user namespaces for a read-only bind mount here")
    get(viewer + "/")  # the cache is current, with nothing compared
    script = (
        "import json; from archive.store.repository import Store; from archive.web.viewer import Viewer; "
        f"viewer = Viewer(Store.open({str(store_path)!r})); "
        "article = json.loads(viewer.respond('/api/articles/putin').body); "
        "diff = viewer.respond('/articles/putin/diff/1/2'); "
        "print(json.dumps([[v['substantive_changes'] for v in article['versions']], diff.status, "
        "viewer.store.lookup.keeps()]))"
    )
    mount = f"mount --bind {store_path} {store_path} && mount -o remount,ro,bind {store_path}"
    done = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", f"{mount} && exec {shlex.join([sys.executable, '-c', script])}"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    # Counted, not kept: the cache was not copied into memory to record them (it still cannot keep them).
    assert json.loads(done.stdout) == [[None, 3], 200, False]


def test_a_restarted_viewer_serves_diff_pages_from_the_page_file(viewer: str, store_path: Path) -> None:
    status, body, headers = get_with(viewer + "/articles/putin/diff/1/2")
    pages = store_path / ".git" / "archive" / "pages.sqlite3"
    with sqlite3.connect(pages) as connection:  # kept on disk under its entity tag
        assert connection.execute("SELECT tag FROM pages").fetchall() == [(headers["ETag"],)]
        # What is kept is what a restarted viewer sends, without comparing again: mark it to tell.
        connection.execute("UPDATE pages SET body = ?", (zlib.compress(body.replace(b"</body>", b"kept</body>")),))
    with served(store_path) as server:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        status, again, _ = get_with(base + "/articles/putin/diff/1/2")
        assert status == 200 and again.endswith(b"kept</body>\n</html>\n")
        assert b"kept" not in get_with(base + "/articles/putin/diff/2/1")[1]  # another pair: made afresh


def test_the_page_file_drops_the_oldest_pages_past_its_size(tmp_path: Path) -> None:
    file = PageFile(tmp_path / "pages.sqlite3", capacity=250)
    for number in range(4):
        file.put(f"tag{number}", bytes(range(100)))  # 100 random-looking bytes compress to about 110
    assert [file.get(f"tag{n}") is not None for n in range(4)] == [False, False, True, True]
    assert file.get("tag3") == bytes(range(100))
    file.close()
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    unwritable = PageFile(locked / "missing" / "pages.sqlite3", capacity=250)  # cannot be created: keeps nothing
    unwritable.put("tag", b"page")
    assert unwritable.get("tag") is None
