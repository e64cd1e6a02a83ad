"""Noise rules in use: checking a rules file, committing it, and applying it to each capture (``docs/rules.md``).

The rules file's format is ``archive.store.rules``, applying rules to a page
``archive.capture.rules``; this module joins them on the capture paths. A
version records the blob id of the rules applied to it (``rules.blob`` in
``meta.yaml``), and says so (``rules.extraction_change``) when its text differs
from the previous version's only because the rules did.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from archive.capture.extract import Extracted, extract
from archive.capture.fetch import DEFAULT_TIMEOUT, Capture, is_url, read_source
from archive.errors import ArchiveError, ExtractionFailed, InvalidInput
from archive.ids import validate_article_id
from archive.model import Version, check_capture_time, parse_time
from archive.store.layout import RULES_FILE
from archive.store.metadata import recorded_rules_blob, recorded_text_sha256, rules_field, text_sha256
from archive.store.objects import object_id
from archive.store.repository import Store
from archive.store.writer import NewVersion, Writer

if TYPE_CHECKING:
    from archive.store.rules import RuleSet, RulesFile

__all__ = [
    "RulesChange",
    "read_rules_source",
    "check_rules",
    "rules_problems",
    "set_rules",
    "rules_for",
    "rules_metadata",
    "mark_rules_change",
    "alert_kinds",
    "RulesTest",
    "test_rules",
]


@dataclass(frozen=True)
class RulesChange:
    """What ``set_rules`` did: the commit (None: the store already had these rules) and the blob now in force."""

    commit: str | None
    blob: str | None
    at: datetime | None


def read_rules_source(path: str | Path) -> bytes:
    """The bytes of a rules file given by path; InvalidInput naming it when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read the rules file {path}: {error.strerror or error}") from None


def _selectable_kinds() -> frozenset[str]:
    """What ``alert`` may name, as ``archive changes --kind``; loaded only when a store has rules."""
    from archive.compare.changes import SELECTABLE_KINDS

    return SELECTABLE_KINDS


def _blob_id(data: bytes) -> str:
    return object_id(b"blob", data).hex()


def check_rules(data: bytes, name: str) -> RulesFile:
    """Parse and check a rules file, kinds of change and CSS selectors included; InvalidInput for the first problem."""
    from archive.store.rules import parse_rules

    return parse_rules(data, name, _blob_id(data), _selectable_kinds())


def rules_problems(store: Store | None, path: str | Path | None) -> tuple[str, list[str]]:
    """The file checked (a path, or the store's committed rules) and its problems, one line each."""
    from archive.store.rules import problems_in

    if path is not None:
        return str(path), problems_in(read_rules_source(path), str(path), _selectable_kinds())
    found = store.rules_file() if store is not None else None
    if found is None:
        raise InvalidInput(f"the store has no {RULES_FILE}; give a rules file to check (archive rules check FILE)")
    return RULES_FILE, problems_in(found[1], RULES_FILE, _selectable_kinds())


def set_rules(store: Store, path: str | Path | None, at: datetime | None = None) -> RulesChange:
    """Commit the rules file at ``path`` (None: remove the store's) as ``rules.yaml``, in a commit of its own.

    The file is checked first (nothing is written if it has a problem). The commit is dated ``at``, or
    else the branch's latest commit's date (the latest capture, or the rules change after it), never the
    clock, so the same history gives the same commit ids; an empty store needs ``at``.
    """
    data = None
    if path is not None:
        data = read_rules_source(path)
        check_rules(data, str(path))
    if at is not None:
        check_capture_time(at)
    with store.writing() as writer:
        when = at or _head_time(store, writer.head)
        commit = writer.set_rules(data, when)
    return RulesChange(commit, None if data is None else _blob_id(data), when if commit else None)


def _head_time(store: Store, head: str | None) -> datetime:
    if head is None:
        raise InvalidInput("the store has no commit to date the rules by: give --at")
    result = store.git("log", "-1", "--format=%cI", head)
    return parse_time(result.stdout.decode().strip(), end_of_day=False)


def rules_for(rules: RulesFile | None, capture: Capture, article_id: str | None) -> RuleSet | None:
    """The rules that apply to ``capture`` as ``article_id``: its site's (by the URL asked for, else the
    final one) and its article's."""
    if rules is None:
        return None
    return rules.for_capture(capture.url or capture.final_url, article_id)


def rules_metadata(rules: RuleSet | None) -> dict[str, Any] | None:
    """What ``meta.yaml`` records of the rules applied to a version (None: none applied, and no key)."""
    return None if rules is None else rules_field(rules.blob)


def mark_rules_change(writer: Writer, new: NewVersion, capture: Capture, rules: RuleSet | None) -> NewVersion:
    """``new``, marked ``rules.extraction_change`` when its text differs from the latest version's only
    because the rules did: the capture, read with the rules that version recorded, gives its text."""
    latest = writer.latest(new.article_id)
    if latest is None or new.captured_at <= latest.captured_at:
        return new
    before, now = recorded_rules_blob(latest.metadata), rules.blob if rules else None
    if before == now or text_sha256(new.text) == recorded_text_sha256(latest.metadata):
        return new
    try:
        old_rules = rules_for(writer.rules_file(before), capture, new.article_id) if before else None
        old_text = extract(capture, new.captured_at, old_rules).text
    except ArchiveError:
        return new
    if old_text != writer.text(latest):
        return new
    return dataclasses.replace(new, metadata={**new.metadata, "rules": rules_field(now, extraction_change=True)})


def alert_kinds(store: Store, site: str | None, article: str | None) -> frozenset[str] | None:
    """The kinds of change to alert on for an article (its id) of ``site`` (a URL or host), as the store's
    rules say at the branch head; None when they say nothing (alert on every kind)."""
    rules = store.rules() if store.head() else None
    return None if rules is None else rules.alert_kinds(site, article)


@dataclass(frozen=True)
class RulesTest:
    """What ``test_rules`` found: the article the page would be, the rules that apply, the text they leave
    (with what they dropped), and the stored version it would be compared with."""

    article_id: str
    rules: RuleSet | None
    blob: str | None  # the rules file tested (None: the store has none and none was given)
    extracted: Extracted
    latest: Version | None
    words_added: int
    words_removed: int

    @property
    def same_text(self) -> bool:
        return self.latest is not None and recorded_text_sha256(self.latest.metadata) == text_sha256(
            self.extracted.text
        )


def test_rules(
    store: Store,
    source: str,
    *,
    article_id: str | None = None,
    url: str | None = None,
    rules_path: str | Path | None = None,
    stdin: BinaryIO | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> RulesTest:
    """Read ``source`` as ``snapshot`` would, apply the store's rules (or the file at ``rules_path``), and
    compare the text with the article's latest version; nothing is written anywhere."""
    from archive.compare.words import word_diff
    from archive.ingest.snapshot import choose_article_id

    if article_id is not None:
        validate_article_id(article_id)
    taken = read_source(source, stdin=stdin, timeout=timeout)
    if url is not None:
        if not is_url(url):
            raise InvalidInput(f"--url must be an http(s) URL, not {url!r}")
        taken = dataclasses.replace(taken, url=url)
    rules = check_rules(read_rules_source(rules_path), str(rules_path)) if rules_path else store.rules()
    try:
        plain: Extracted | None = extract(taken)
    except ExtractionFailed:
        plain = None  # perhaps only until a rule selects the page's body
    chosen = article_id
    if chosen is None:
        site = rules_for(rules, taken, None)
        named = plain or (extract(taken, None, site) if site else None)
        if named is None:
            extract(taken)  # raises what the page lacks
            raise ExtractionFailed("no article text found")
        hint = source if source != "-" and not is_url(source) else None
        chosen = choose_article_id(store, taken, named, hint)
    applied = rules_for(rules, taken, chosen)
    extracted = extract(taken, None, applied) if applied or plain is None else plain
    latest = None
    if chosen in store.article_ids():
        latest = store.version(chosen)
    added = removed = 0
    if latest is not None:
        diff = word_diff(store.text(latest), extracted.text)
        added, removed = diff.words_added, diff.words_removed
    return RulesTest(chosen, applied, rules.blob if rules else None, extracted, latest, added, removed)
