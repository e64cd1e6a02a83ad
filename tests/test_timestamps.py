"""Trusted timestamps (issue 14, item 2): a real RFC 3161 TSA on 127.0.0.1 (OpenSSL's ``openssl ts -reply``
behind an HTTP server, its CA made at test time), real git stores.

Each write asks for one token over its new head; the token sits in a notes ref, so commit ids stay those of a
store without timestamps. A TSA that is down or lying never blocks a write: the version is stored, and
``archive timestamp`` catches up. ``verify`` checks every token offline.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner, Result
from conftest import SEED, SEED_REVISION, Route, TimeStampAuthority, WebServer, article_html, git, make_ca

from archive import Store, verify
from archive.store.timestamps import check_token, parse_ca_bundle

NOTES = "archive-timestamps"
CAPTURES = ((SEED, "2021-12-17T12:00:00Z"), (SEED_REVISION, "2021-12-18T09:30:00Z"))


def archive(store: Path, *args: str) -> Result:
    from archive.cli import cli

    return CliRunner().invoke(cli, ["--store", str(store), *args])


def capture(store: Path, source: Path, moment: str, article: str = "putin-post-trump") -> Result:
    return archive(store, "snapshot", str(source), "--id", article, "--at", moment)


def findings(store: Path) -> list[tuple[str, str | None]]:
    with Store.open(store, read_only=True) as opened:
        return [(finding.check, finding.commit) for finding in verify(opened).findings]


def timestamped(store: Path) -> int:
    with Store.open(store, read_only=True) as opened:
        return verify(opened).timestamped


def token(store: Path, commit: str) -> bytes:
    note = subprocess.run(
        ["git", "-C", str(store), "notes", "--ref", NOTES, "show", commit], capture_output=True, check=True
    ).stdout
    return base64.b64decode(note)


def closed_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/tsa"


def stamped_store(store: Path, tsa: TimeStampAuthority) -> list[str]:
    assert archive(store, "init").exit_code == 0
    set_up = archive(store, "timestamp", "--tsa", tsa.url, "--ca-bundle", str(tsa.ca))
    assert set_up.exit_code == 0, set_up.output
    for source, moment in CAPTURES:
        result = capture(store, source, moment)
        assert result.exit_code == 0, result.output
    return git(store, "rev-list", "--reverse", "main").split()


def test_each_write_is_timestamped_and_commit_ids_do_not_change(tsa: TimeStampAuthority, tmp_path: Path) -> None:
    store = tmp_path / "stamped"
    commits = stamped_store(store, tsa)
    assert tsa.requests == 3  # the probe of the new setting, then one a write
    plain = tmp_path / "plain"
    archive(plain, "init")
    for source, moment in CAPTURES:
        capture(plain, source, moment)
    assert git(plain, "rev-list", "--reverse", "main").split() == commits
    assert sorted(git(store, "notes", "--ref", NOTES, "list").split()[1::2]) == sorted(commits)
    result = archive(store, "verify")
    assert result.exit_code == 0, result.output
    assert "2 timestamp tokens of the store's TSA" in result.output
    # OpenSSL alone agrees: the stored response, the commit id as the message, the store's CA bundle.
    response, message = tmp_path / "head.tsr", tmp_path / "message"
    response.write_bytes(token(store, commits[-1]))
    message.write_text(commits[-1], encoding="ascii")
    checked = subprocess.run(
        ["openssl", "ts", "-verify", "-in", str(response), "-data", str(message), "-CAfile", str(tsa.ca)],
        capture_output=True,
        text=True,
    )
    assert checked.stdout.strip() == "Verification: OK", checked.stderr


def test_a_tsa_that_is_down_never_blocks_a_snapshot(tsa: TimeStampAuthority, tmp_path: Path) -> None:
    store = tmp_path / "store"
    archive(store, "init")
    set_up = archive(store, "timestamp", "--tsa", tsa.url, "--ca-bundle", str(tsa.ca))
    assert set_up.exit_code == 0 and "nothing to stamp: the store has no versions yet" in set_up.output
    assert tsa.requests == 1  # a probe: a TSA setting is kept only once a token from it checks
    tsa.down = True
    result = capture(store, SEED, "2021-12-17T12:00:00Z")
    assert result.exit_code == 0
    assert "stored version 1" in result.stdout
    assert "warning: the time-stamping authority" in result.stderr and "HTTP 503" in result.stderr
    head = git(store, "rev-parse", "main").strip()
    assert findings(store) == [("timestamp-missing", head)]
    assert archive(store, "verify").exit_code == 1
    capture(store, SEED_REVISION, "2021-12-18T09:30:00Z")
    tsa.down = False
    caught_up = archive(store, "timestamp")
    assert caught_up.exit_code == 0, caught_up.output
    newest = git(store, "rev-parse", "main").strip()
    assert f"stamped {newest[:12]}, the head: it covers 2 versions" in caught_up.output
    assert findings(store) == []
    again = archive(store, "timestamp")
    assert "nothing to stamp" in again.output
    assert tsa.requests == 2  # tokens given: the probe and the catch-up (not the two asked while it was down)
    unreachable = archive(store, "timestamp", "--tsa", closed_url())
    assert unreachable.exit_code == 13 and "cannot reach the time-stamping authority" in unreachable.output
    assert git(store, "show", "refs/archive/evidence:timestamping.yaml").strip() == f"url: {tsa.url}"


def test_a_lying_tsa_is_refused_and_its_token_never_stored(tsa: TimeStampAuthority, tmp_path: Path) -> None:
    store = tmp_path / "store"
    stamped_store(store, tsa)
    tsa.lying = True
    result = capture(store, SEED, "2022-01-01T00:00:00Z", article="another")
    assert result.exit_code == 0
    assert "token over another imprint" in result.stderr
    refs = git(store, "for-each-ref")
    refused = archive(store, "timestamp")
    assert refused.exit_code == 13
    assert refused.output.startswith("Error: the time-stamping authority") and "another imprint" in refused.output
    assert git(store, "for-each-ref") == refs
    head = git(store, "rev-parse", "main").strip()
    assert findings(store) == [("timestamp-missing", head)]


def test_a_ca_that_does_not_match_is_refused_and_reported(tsa: TimeStampAuthority, tmp_path: Path) -> None:
    store = tmp_path / "store"
    stamped_store(store, tsa)
    other, _ = make_ca(tmp_path / "other", "Other CA")
    capture(store, SEED, "2022-01-01T00:00:00Z", article="another")
    refs = git(store, "for-each-ref")
    refused = archive(store, "timestamp", "--ca-bundle", str(other))
    assert refused.exit_code == 13 and "does not check against the store's CA bundle" in refused.output
    assert git(store, "for-each-ref") == refs
    # The store's bundle replaced with plain git: every token fails its chain.
    blob = subprocess.run(
        ["git", "-C", str(store), "hash-object", "-w", str(other)], capture_output=True, text=True, check=True
    ).stdout.strip()
    listing = git(store, "ls-tree", "refs/archive/evidence").replace(
        git(store, "rev-parse", "refs/archive/evidence:tsa-ca.pem").strip(), blob
    )
    tree = subprocess.run(
        ["git", "-C", str(store), "mktree"], input=listing, capture_output=True, text=True, check=True
    ).stdout.strip()
    parent = git(store, "rev-parse", "refs/archive/evidence").strip()
    commit = git(store, "-c", "user.name=x", "-c", "user.email=x@x", "commit-tree", tree, "-p", parent, "-m", "ca")
    git(store, "update-ref", "refs/archive/evidence", commit.strip())
    checks = [check for check, _ in findings(store)]
    assert checks.count("timestamp-chain") == 3 and set(checks) == {"timestamp-chain", "timestamp-missing"}


def test_a_token_moved_to_another_version_is_reported(tsa: TimeStampAuthority, tmp_path: Path) -> None:
    store = tmp_path / "store"
    first, second = stamped_store(store, tsa)
    moved = tmp_path / "note"
    moved.write_bytes(base64.encodebytes(token(store, second)))
    git(store, "notes", "--ref", NOTES, "add", "-f", "-F", str(moved), first)
    assert findings(store) == [("timestamp-imprint", first)]  # the head's token still covers it


def test_a_token_dated_before_the_capture_is_reported(tsa: TimeStampAuthority, tmp_path: Path) -> None:
    """A commit claiming a capture a year from now, added with plain git and then stamped: the token says earlier."""
    store = tmp_path / "store"
    stamped_store(store, tsa)
    future = (datetime.now(UTC) + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    environment = {**os.environ, "GIT_COMMITTER_DATE": future, "GIT_AUTHOR_DATE": future}
    subprocess.run(
        [
            *("git", "-C", str(store), "-c", "user.name=x", "-c", "user.email=x@x"),
            *("commit", "-q", "--allow-empty", "-m", "from the future"),
        ],
        env=environment,
        check=True,
    )
    assert archive(store, "timestamp").exit_code == 0
    head = git(store, "rev-parse", "main").strip()
    assert ("timestamp-time", head) in findings(store)
    # The same token, checked against a capture time it does not precede, is fine: only the time was wrong.
    roots = parse_ca_bundle(tsa.ca.read_bytes())
    assert check_token(base64.encodebytes(token(store, head)), head, datetime.now(UTC), roots).problem is None


def test_bulk_import_gets_one_token_per_publication(tsa: TimeStampAuthority, tmp_path: Path) -> None:
    folder = tmp_path / "captures"
    folder.mkdir()
    for number in range(3):
        (folder / f"story-{number}.txt").write_text(SEED.read_text(encoding="utf-8") + f"\nUpdate {number}.\n")
    store = tmp_path / "store"
    archive(store, "init")
    archive(store, "timestamp", "--tsa", tsa.url, "--ca-bundle", str(tsa.ca))
    result = archive(store, "import", str(folder))
    assert result.exit_code == 0, result.output
    assert len(git(store, "rev-list", "main").split()) == 3
    assert tsa.requests == 2  # the probe of the new setting, then one for the whole import
    assert findings(store) == []


def test_push_and_pull_carry_timestamps(tsa: TimeStampAuthority, tmp_path: Path) -> None:
    remote = tmp_path / "shared.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    one, two = tmp_path / "one", tmp_path / "two"
    stamped_store(one, tsa)
    assert archive(one, "push", str(remote)).exit_code == 0
    archive(two, "init")
    assert archive(two, "pull", str(remote)).exit_code == 0
    assert findings(two) == [] and timestamped(two) == 2
    capture(two, SEED, "2022-01-01T00:00:00Z", article="another")  # two has the TSA setting now: stamped
    assert archive(two, "push", str(remote)).exit_code == 0
    assert archive(one, "pull", str(remote)).exit_code == 0
    assert findings(one) == [] and timestamped(one) == 3


def test_a_watch_pass_is_signed_and_timestamped(tsa: TimeStampAuthority, web: WebServer, tmp_path: Path) -> None:
    """The feed path writes through the same publication as snapshot and import: each version signed before
    it is published, one token for the pass."""
    key = tmp_path / "collector"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    for name, title in (("a", "Troops massed at the border"), ("b", "Talks in Geneva")):
        path = f"/news/{name}.html"
        web.routes[path] = Route(
            article_html(title=title, canonical=web.url(path)).encode(),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
    items = "".join(f"<item><title>{n}</title><link>{web.url(f'/news/{n}.html')}</link></item>" for n in "ab")
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'
    web.routes["/feed.xml"] = Route(feed.encode(), headers={"Content-Type": "application/rss+xml"})
    store = tmp_path / "store"
    assert archive(store, "init", "--sign-with", str(key)).exit_code == 0
    assert archive(store, "timestamp", "--tsa", tsa.url, "--ca-bundle", str(tsa.ca)).exit_code == 0
    result = archive(store, "watch", web.url("/feed.xml"), "--once", "--delay", "0")
    assert result.exit_code == 0, result.output
    assert len(git(store, "rev-list", "main").split()) == 2
    assert tsa.requests == 2  # the probe, then one token for the pass
    with Store.open(store, read_only=True) as opened:
        checked = verify(opened)
    assert checked.ok and checked.signed == 2 and checked.timestamped == 1
