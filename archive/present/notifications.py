"""Notifications of claim changes through Apprise (e-mail, Mastodon, Matrix, Slack, ntfy, JSON webhooks… by URL).

The targets live in ``.git/archive/notify.yaml``: local, never committed and never pushed, because an
Apprise URL often carries a password or token; the file is readable by its owner only. Each target has the
kinds of change and the sites it wants (none: every substantive change; without kinds of its own it
follows the store's noise rules' ``alert`` kinds, ``archive.alert_kinds``), and the branch head it has been
brought up to.

After a write publishes (``archive snapshot``, ``import``, ``watch``) ``deliver`` queues, for each target,
the new versions whose changes it wants, then sends what is queued. The journal (``notify.sqlite3`` beside
the targets) keys each message by target and version commit: a version is queued once per target, marked
``sending`` before it goes out and ``sent`` after, so a message is never sent twice (a crash in the middle
leaves it ``sending``, listed as such and not sent again). A failed send stays queued and is tried again on
the next run or by ``archive notify retry``; it is reported, and never undoes or delays the write, which is
published before anything is sent. Apprise is imported only to send or to check a URL.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from archive.errors import InvalidInput, NotifierFailed, StoreBusy
from archive.model import format_time
from archive.present.terminal import change_values
from archive.store.lock import exclusive
from archive.store.lookup import VersionRow
from archive.store.repository import Store

if TYPE_CHECKING:  # the comparison side is loaded only when there is something to send: `configured` is on
    # every write's path
    from archive.review.changelog import ClaimChange
    from archive.store.rules import RulesFile

__all__ = [
    "CONFIG_FILE",
    "JOURNAL_FILE",
    "Target",
    "Delivery",
    "add_target",
    "configured",
    "deliver",
    "journal_counts",
    "message",
    "send",
    "remove_target",
    "targets",
    "test_targets",
]

CONFIG_FILE = "notify.yaml"
JOURNAL_FILE = "notify.sqlite3"
LOCK_FILE = "notify.lock"
DEFAULT_VIEWER = "http://127.0.0.1:8080"
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")
MAX_CHANGES = 20  # changes a message lists; the rest are counted, the viewer link has them all
LOCK_WAIT = 10.0  # seconds a run waits for another that is sending, before leaving its messages to the next run

_JOURNAL = """
CREATE TABLE IF NOT EXISTS marks (target TEXT PRIMARY KEY, head TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    target TEXT NOT NULL,
    article TEXT NOT NULL,
    number INTEGER NOT NULL,
    commit_id TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    sent_at TEXT,
    PRIMARY KEY (target, commit_id)
);
"""


@dataclass(frozen=True)
class Target:
    """Where to send, and what: ``kinds`` (kinds or reason codes) and ``sites`` (hosts) narrow the changes."""

    id: str
    url: str
    kinds: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    viewer: str = DEFAULT_VIEWER
    since: str | None = None  # the branch head when it was added: earlier versions are not announced

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "kinds": list(self.kinds),
            "sites": list(self.sites),
            "viewer": self.viewer,
            "since": self.since,
        }

    def shown(self) -> str:
        """The URL with its password or token masked, for lists and messages."""
        import apprise

        plugin = apprise.Apprise.instantiate(self.url, suppress_exceptions=True)
        return str(plugin.url(privacy=True)) if plugin else "(not an Apprise URL)"  # type: ignore[no-untyped-call,unused-ignore]


@dataclass
class Delivery:
    """What ``deliver`` did: messages sent, and one line per failed send."""

    sent: int = 0
    queued: int = 0
    failures: list[str] = field(default_factory=list)


def configured(store: Store) -> bool:
    """True when the store has notification targets (a file check: nothing else is read or imported)."""
    return (store.private_dir / CONFIG_FILE).is_file()


def targets(store: Store) -> list[Target]:
    path = store.private_dir / CONFIG_FILE
    if not path.is_file():
        return []
    import yaml  # here: every write imports this module to see whether there are targets

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return [
            Target(
                id=str(item["id"]),
                url=str(item["url"]),
                kinds=tuple(item.get("kinds") or ()),
                sites=tuple(item.get("sites") or ()),
                viewer=str(item.get("viewer") or DEFAULT_VIEWER),
                since=item.get("since"),
            )
            for item in data.get("targets") or []
        ]
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
        raise InvalidInput(f"{path} is not a notification list archive can read ({error}); fix or remove it") from None


def _save(store: Store, found: Sequence[Target]) -> None:
    """Write the targets whole (temporary file, then rename), readable by the owner only: URLs hold secrets."""
    path = store.private_dir / CONFIG_FILE
    if not found:
        path.unlink(missing_ok=True)
        return
    import yaml

    text = "# archive notify: local, never committed or pushed (the URLs may hold passwords)\n" + yaml.safe_dump(
        {"targets": [target.to_dict() for target in found]}, sort_keys=False, allow_unicode=True
    )
    store.private_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=store.private_dir, prefix=f".{CONFIG_FILE}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(name, 0o600)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _check_url(url: str) -> None:
    import apprise

    if not url.strip() or apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
        shown = re.sub(r"//[^/@]*@", "//…@", url)  # never echo a password back
        raise InvalidInput(
            f"not an Apprise URL: {shown!r} (e.g. json://host/path, mailto://user:pass@example.org, "
            "ntfy://topic; see https://github.com/caronc/apprise/wiki)"
        )


def add_target(
    store: Store, url: str, kinds: str | None = None, sites: Sequence[str] = (), viewer: str = DEFAULT_VIEWER
) -> Target:
    """Add (or replace) the target ``url``; it is told of versions recorded from now on."""
    from archive.review.changelog import parse_kinds

    _check_url(url)
    wanted = parse_kinds(kinds, store)
    for site in sites:
        if not _HOST.fullmatch(site.strip().lower()):
            raise InvalidInput(f"--site: not a host name: {site!r} (give e.g. example.org)")
    hosts = tuple(dict.fromkeys(site.strip().lower().removeprefix("www.") for site in sites))
    target = Target(
        id=hashlib.sha256(url.encode("utf-8")).hexdigest()[:8],
        url=url,
        kinds=wanted,
        sites=hosts,
        viewer=viewer.rstrip("/"),
        since=store.head(),
    )
    _save(store, [*(t for t in targets(store) if t.id != target.id), target])
    return target


def _find(store: Store, reference: str) -> Target:
    found = [t for t in targets(store) if reference in (t.id, t.url)]
    if not found:
        raise InvalidInput(f"no notification target {reference!r} (see `archive notify list`)")
    return found[0]


def remove_target(store: Store, reference: str) -> Target:
    """Remove a target (its id or URL); its journal stays, so adding it again never repeats a message."""
    target = _find(store, reference)
    _save(store, [t for t in targets(store) if t.id != target.id])
    return target


class _Busy(Exception):
    """Another process holds the journal (it is sending)."""


@contextmanager
def _journal(store: Store, wait: float | None = None) -> Iterator[sqlite3.Connection]:
    """The journal, under a lock of its own (not the store's: a slow notifier never holds up a writer); _Busy
    when another process has held it for ``wait`` seconds."""
    with ExitStack() as held:
        try:
            busy = "another process is sending notifications"
            held.enter_context(exclusive(store.private_dir / LOCK_FILE, LOCK_WAIT if wait is None else wait, busy))
        except StoreBusy:
            raise _Busy from None
        connection = sqlite3.connect(store.private_dir / JOURNAL_FILE, timeout=60, isolation_level=None)
        try:
            connection.executescript(_JOURNAL)
            yield connection
        finally:
            connection.close()


def journal_counts(store: Store) -> dict[str, dict[str, int]]:
    """Messages per target and state (``sent``, ``pending``, ``sending``)."""
    if not (store.private_dir / JOURNAL_FILE).is_file():
        return {}
    counts: dict[str, dict[str, int]] = {}
    with _journal(store, wait=LOCK_WAIT * 6) as journal:
        for target, state, count in journal.execute("SELECT target, state, count(*) FROM messages GROUP BY 1, 2"):
            counts.setdefault(target, {})[state] = count
    return counts


def _wanted(target: Target, changes: Sequence[ClaimChange], rule_kinds: frozenset[str] | None) -> list[ClaimChange]:
    """The substantive changes ``target`` wants: of its sites, and of its kinds (or the rules' alert kinds)."""
    kinds = set(target.kinds) if target.kinds else rule_kinds
    kept = []
    for change in changes:
        if not change.substantive:
            continue
        if target.sites and not any(
            change.site == site or (change.site or "").endswith("." + site) for site in target.sites
        ):
            continue
        if kinds is not None and not kinds.intersection(change.tags):
            continue
        kept.append(change)
    return kept


def _new_versions(store: Store, since: str | None, head: str) -> list[VersionRow]:
    """The versions recorded after commit ``since`` up to ``head`` (all of them when ``since`` is None)."""
    revisions = f"{since}..{head}" if since else head
    listed = store.git("rev-list", revisions)
    if listed.returncode != 0:  # ``since`` is gone (a history rewritten by hand): nothing can be said to be new
        return []
    commits = listed.stdout.decode().split()
    return store.lookup.versions_with_commits(commits) if commits else []


def _rule_kinds(rules: RulesFile | None, version: VersionRow) -> frozenset[str] | None:
    """The kinds the store's noise rules alert on for ``version``'s article (None: they say nothing)."""
    if rules is None:
        return None
    metadata = version[3]
    return rules.alert_kinds(metadata.get("url") or metadata.get("canonical_url"), version[0])


def deliver(store: Store) -> Delivery:
    """Queue the versions recorded since each target was last brought up to date, then send every queued message."""
    delivery = Delivery()
    found = targets(store)
    if not found:
        return delivery
    try:
        return _deliver(store, found)
    except _Busy:
        delivery.failures.append(
            "another archive process is sending notifications; what this run recorded is sent by the next run "
            "or by `archive notify retry`"
        )
        return delivery


def _deliver(store: Store, found: list[Target]) -> Delivery:
    from archive.review.changelog import changes_of_versions

    delivery = Delivery()
    head = store.head()
    lookup = store.lookup
    rules = store.rules() if head else None
    with _journal(store) as journal:
        for target in found:
            row = journal.execute("SELECT head FROM marks WHERE target = ?", (target.id,)).fetchone()
            mark = row[0] if row else target.since
            if head is None or mark == head:
                continue
            versions = _new_versions(store, mark, head)
            compared = changes_of_versions(store, versions)
            journal.execute("BEGIN IMMEDIATE")
            for version in versions:
                if _wanted(target, compared.get((version[0], version[1]), []), _rule_kinds(rules, version)):
                    queued = journal.execute(
                        "INSERT OR IGNORE INTO messages (target, article, number, commit_id, state) "
                        "VALUES (?, ?, ?, ?, 'pending')",
                        (target.id, version[0], version[1], version[2]),
                    )
                    delivery.queued += queued.rowcount
            journal.execute("INSERT OR REPLACE INTO marks VALUES (?, ?)", (target.id, head))
            journal.execute("COMMIT")
        by_id = {target.id: target for target in found}
        pending = journal.execute(
            "SELECT target, article, number, commit_id FROM messages WHERE state = 'pending' ORDER BY rowid"
        ).fetchall()
        for target_id, article, number, commit in pending:
            sender = by_id.get(target_id)
            if sender is None:
                continue  # removed since: kept queued, sent if it is added again
            recorded = lookup.version_row(article, number)
            if recorded is None or recorded[2] != commit:
                journal.execute("DELETE FROM messages WHERE target = ? AND commit_id = ?", (target_id, commit))
                continue  # no longer in the history (a pull re-recorded it): its new commit is queued anew
            wanted = _wanted(
                sender, changes_of_versions(store, [recorded]).get((article, number), []), _rule_kinds(rules, recorded)
            )
            title, body = message(sender, recorded, wanted)
            journal.execute(
                "UPDATE messages SET state = 'sending', attempts = attempts + 1 WHERE target = ? AND commit_id = ?",
                (target_id, commit),
            )
            error = send(sender.url, title, body)
            if error is None:
                journal.execute(
                    "UPDATE messages SET state = 'sent', error = NULL, sent_at = ? WHERE target = ? AND commit_id = ?",
                    (format_time(datetime.now(UTC)), target_id, commit),
                )
                delivery.sent += 1
            else:
                journal.execute(
                    "UPDATE messages SET state = 'pending', error = ? WHERE target = ? AND commit_id = ?",
                    (error, target_id, commit),
                )
                delivery.failures.append(
                    f"notification of {article}@{number} to {sender.id} ({sender.shown()}) failed: {error}; "
                    "it stays queued and is tried again on the next run or by `archive notify retry`"
                )
    return delivery


def message(target: Target, version: VersionRow, changes: Sequence[ClaimChange]) -> tuple[str, str]:
    """The title and body of the message for ``version``: the article, the versions, each claim change old → new
    and the viewer's diff page."""
    article, number = version[0], version[1]
    title_of = str(version[3].get("title") or article)
    link = f"{target.viewer}/articles/{quote(article, safe='')}/diff/{number - 1}/{number}"
    count = f"{len(changes)} claim change{'s' if len(changes) != 1 else ''}"
    lines = [f"{article}: version {number - 1} → {number}, captured {version[3]['captured_at']}", ""]
    for change in changes[:MAX_CHANGES]:
        old, new = change_values(change)
        label = change.kind + (f" ({', '.join(change.codes)})" if change.codes else "")
        lines.append(f"- {label}: {_short(old) if old else '—'} → {_short(new) if new else '—'}")
    if len(changes) > MAX_CHANGES:
        lines.append(f"… and {len(changes) - MAX_CHANGES} more")
    lines += ["", f"View: {link}"]
    return f"{title_of}: {count} (v{number - 1} → v{number})", "\n".join(lines)


def _short(text: str, room: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= room else text[: room - 1] + "…"


def send(url: str, title: str, body: str) -> str | None:
    """Send one message; None when it went, else why not (Apprise's own words)."""
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(url):
        return "not an Apprise URL"
    with apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as log:  # type: ignore[no-untyped-call,unused-ignore]
        sent = notifier.notify(title=title, body=body)
    if sent:
        return None
    lines = [line.strip() for line in log.getvalue().splitlines() if line.strip()]
    return lines[-1] if lines else "the notifier refused the message"


def test_targets(store: Store, reference: str | None = None) -> list[Target]:
    """Send a sample message to every target (or one); NotifierFailed naming the first that fails."""
    chosen = [_find(store, reference)] if reference else targets(store)
    if not chosen:
        raise InvalidInput("no notification targets (add one with `archive notify add URL`)")
    for target in chosen:
        body = (
            "This is a test from archive notify: notifications of claim changes will look like this.\n\n"
            "- edited (number): 100,000 → 175,000\n\n"
            f"View: {target.viewer}/changes"
        )
        error = send(target.url, "archive: test notification", body)
        if error is not None:
            raise NotifierFailed(f"the test notification to {target.id} ({target.shown()}) failed: {error}")
    return chosen
