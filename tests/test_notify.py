"""Notifications through Apprise's json:// target, received by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import STORY, WebServer, article_html, git, store_state
from test_bad_input import closed_port
from test_watch import rss, story

from archive.present.notifications import CONFIG_FILE, JOURNAL_FILE

NUMBER_EDIT = [STORY[0].replace("100,000", "175,000"), *STORY[1:]]


class Receiver:
    """A webhook on 127.0.0.1 that records every POST; ``statuses`` are answered first (then 200)."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, dict[str, object]]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.posts.append((status, json.loads(body)))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self._httpd.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def delivered(self) -> list[dict[str, object]]:
        return [payload for status, payload in self.posts if status == 200]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def snapshot(run, tmp_path: Path, number: int, paragraphs: list[str], article: str = "troops") -> object:
    page = tmp_path / f"{article}-{number}.html"
    page.write_text(article_html(paragraphs=paragraphs), encoding="utf-8")
    return run("snapshot", str(page), "--id", article, "--url", "https://news.example.org/world/troops")


def test_targets_are_local_and_their_secrets_masked(store_path: Path, run, receiver: Receiver) -> None:
    before = store_state(store_path)
    secret = receiver.url.replace("json://", "json://ops:hunter2@")
    added = run("notify", "add", secret, "--kind", "number,quote", "--site", "news.example.org")
    assert added.exit_code == 0, added.output
    assert "hunter2" not in added.output
    config = store_path / ".git" / "archive" / CONFIG_FILE
    assert config.is_file() and os.stat(config).st_mode & 0o777 == 0o600
    assert store_state(store_path) == before  # nothing committed, nothing in the working tree
    listed = run("notify", "list", "--json")
    (target,) = json.loads(listed.output)["targets"]
    assert (target["kinds"], target["sites"]) == (["number", "quote"], ["news.example.org"])
    assert "hunter2" not in listed.output and "ops:****@" in target["url"]
    assert "hunter2" not in run("notify", "list").output
    assert run("notify", "remove", target["id"]).exit_code == 0
    assert not config.exists()
    assert run("notify", "list").output.startswith("No notification targets")


def test_a_new_version_with_a_claim_change_is_sent_once(store_path: Path, run, receiver: Receiver, tmp_path) -> None:
    assert run("notify", "add", receiver.url).exit_code == 0
    assert snapshot(run, tmp_path, 1, STORY).exit_code == 0
    assert receiver.posts == []  # a first version changes nothing
    result = snapshot(run, tmp_path, 2, NUMBER_EDIT)
    assert result.exit_code == 0 and result.stderr == ""
    (payload,) = receiver.delivered
    assert payload["title"] == "Troops massed at the border: 1 claim change (v1 → v2)"
    body = str(payload["message"])
    assert "troops: version 1 → 2" in body
    assert "- edited (number): 100,000 → 175,000" in body
    assert "View: http://127.0.0.1:8080/articles/troops/diff/1/2" in body
    # Never twice: an unchanged capture, a retry and a listing send nothing more.
    assert snapshot(run, tmp_path, 3, NUMBER_EDIT).exit_code == 0
    assert run("notify", "retry").output.strip() == "0 notifications sent"
    assert len(receiver.posts) == 1
    (target,) = json.loads(run("notify", "list", "--json").output)["targets"]
    assert target["messages"] == {"sent": 1, "pending": 0, "sending": 0}


def test_only_the_kinds_and_sites_a_target_wants(store_path: Path, run, receiver: Receiver, tmp_path) -> None:
    assert run("notify", "add", receiver.url, "--kind", "quote").exit_code == 0
    assert run("notify", "add", receiver.url + "?other=1", "--site", "elsewhere.example.com").exit_code == 0
    assert snapshot(run, tmp_path, 1, STORY).exit_code == 0
    assert snapshot(run, tmp_path, 2, NUMBER_EDIT).exit_code == 0  # a number: neither a quote nor the site
    assert receiver.posts == []
    quote = [*NUMBER_EDIT[:1], NUMBER_EDIT[1].replace("afraid of what comes next", "ready for anything"), *STORY[2:]]
    assert snapshot(run, tmp_path, 3, quote).exit_code == 0
    (payload,) = receiver.delivered
    assert "(v2 → v3)" in str(payload["title"]) and "quote" in str(payload["message"])


def test_a_failing_notifier_is_retried_and_delivers_once(store_path: Path, run, receiver: Receiver, tmp_path) -> None:
    assert run("notify", "add", receiver.url).exit_code == 0
    assert snapshot(run, tmp_path, 1, STORY).exit_code == 0
    receiver.statuses = [500]
    result = snapshot(run, tmp_path, 2, NUMBER_EDIT)
    assert result.exit_code == 0, result.output  # the version is stored whatever the notifier does
    assert result.stdout.startswith("troops: stored version 2 ")
    (line,) = result.stderr.splitlines()
    assert line.startswith("warning: notification of troops@2 to ") and "archive notify retry" in line
    assert [status for status, _ in receiver.posts] == [500]
    assert len(git(store_path, "rev-list", "main").split()) == 2
    assert run("notify", "retry").output.strip() == "1 notification sent"
    assert run("notify", "retry").output.strip() == "0 notifications sent"
    assert snapshot(run, tmp_path, 3, NUMBER_EDIT).exit_code == 0
    assert [status for status, _ in receiver.posts] == [500, 200]
    assert "100,000 → 175,000" in str(receiver.delivered[0]["message"])


def test_an_unreachable_notifier_never_stops_a_snapshot(store_path: Path, run, tmp_path) -> None:
    assert run("notify", "add", f"json://127.0.0.1:{closed_port()}/hook").exit_code == 0
    assert snapshot(run, tmp_path, 1, STORY).exit_code == 0
    result = snapshot(run, tmp_path, 2, NUMBER_EDIT)
    assert result.exit_code == 0 and result.stderr.startswith("warning: notification of troops@2")
    tested = run("notify", "test")
    assert tested.exit_code == 4 and tested.stderr.startswith("Error: the test notification to ")
    retried = run("notify", "retry")
    assert retried.exit_code == 4 and len(retried.stderr.splitlines()) == 1
    assert (store_path / ".git" / "archive" / JOURNAL_FILE).is_file()


def test_a_busy_journal_never_holds_up_a_snapshot(
    store_path: Path, run, receiver: Receiver, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process sending (it holds the journal's lock): the snapshot warns and leaves the message queued."""
    import fcntl

    from archive.present import notifications

    assert run("notify", "add", receiver.url).exit_code == 0
    assert snapshot(run, tmp_path, 1, STORY).exit_code == 0
    monkeypatch.setattr(notifications, "LOCK_WAIT", 0.2)
    with open(store_path / ".git" / "archive" / notifications.LOCK_FILE, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = snapshot(run, tmp_path, 2, NUMBER_EDIT)
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert result.exit_code == 0 and result.stderr.startswith("warning: another archive process is sending")
    assert receiver.posts == []
    assert run("notify", "retry").output.strip() == "1 notification sent"
    assert len(receiver.delivered) == 1


def test_notify_test_sends_a_sample(store_path: Path, run, receiver: Receiver) -> None:
    assert run("notify", "add", receiver.url).exit_code == 0
    result = run("notify", "test")
    assert result.exit_code == 0 and result.output.startswith("Sent a test message to ")
    (payload,) = receiver.delivered
    assert payload["title"] == "archive: test notification"


def test_watch_end_to_end_the_receiver_gets_the_change_once(
    store_path: Path, run, web: WebServer, receiver: Receiver
) -> None:
    """`archive watch --once` on a local feed → the article is edited on the server → the next pass records the
    version → the receiver gets the claim change, once."""
    story(web, "/news/a.html", "Troops massed at the border")
    feed = rss(web, [("A", "/news/a.html")])
    assert run("notify", "add", receiver.url).exit_code == 0
    first = run("watch", "--once", "--delay", "0", feed)
    assert first.exit_code == 0, first.output
    assert receiver.posts == []
    story(web, "/news/a.html", "Troops massed at the border", NUMBER_EDIT)
    second = run("watch", "--once", "--all", "--delay", "0", feed)
    assert second.exit_code == 0, second.output
    (payload,) = receiver.delivered
    assert "100,000 → 175,000" in str(payload["message"]) and "(v1 → v2)" in str(payload["title"])
    assert run("watch", "--once", "--all", "--delay", "0", feed).exit_code == 0
    assert len(receiver.posts) == 1
