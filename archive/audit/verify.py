"""Verification: prove that every archived version is what was captured, and that none is missing.

git's hashes already tie each commit to its content, so what a forger has to
do is change content and commit again, or rewrite history and move the
branch. Those leave marks this module looks for: stored text or raw capture
whose sha256 is not the one recorded, text that is not canonical, commits
that are not snapshots, version numbers that skip or repeat, a version whose
``previous_commit`` is not the commit that recorded its predecessor in this
history, commit dates that are not the recorded capture time, files at the
branch head that no version recorded, uncommitted edits in the working tree,
and whatever ``git fsck`` finds in the object database.

Findings are data, not exceptions: ``verify`` returns them all.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from archive.audit.verified import VerifiedHead, read_verified, record_verified
from archive.capture.normalize import is_normalized
from archive.compare.words import count_words
from archive.errors import InvalidInput, StoreCorrupt
from archive.ids import validate_article_id
from archive.model import format_time, parse_time
from archive.store.commits import TEXT_SHA256, URL, VERSION, CommitRecord, one_line, records_rules, subject, subject_of
from archive.store.history import StoreHistory, VersionRecord, parse_metadata, read_history, version_files
from archive.store.layout import (
    ALLOWED_SIGNERS_FILE,
    BRANCH,
    EVIDENCE_REF,
    FORMAT_VERSION,
    MARKER_FILE,
    META_FILE,
    RULES_FILE,
    SIGNATURES_REF,
    TEXT_FILE,
    TIMESTAMPING_FILE,
    TIMESTAMPS_REF,
    TSA_CA_FILE,
    article_of_path,
)
from archive.store.metadata import marker_format, sha256
from archive.store.notes import read_files, read_notes
from archive.store.repository import Store

__all__ = ["CHECKS", "Finding", "Verification", "verify", "check_fixity", "check_signatures", "check_timestamps"]

# Every kind of finding, with what it means; the names are stable (``--json``).
CHECKS = {
    "history": "git can walk the branch's history",
    "format": "the store marker and every version say format 1",
    "foreign-commit": "every commit on the branch is an archive snapshot, or sets the noise rules (rules.yaml)",
    "merge": "the history is linear",
    "outside-article": "a snapshot changes only its own article's directory",
    "files": "each version has its text, raw capture and metadata, and nothing else",
    "metadata": "meta.yaml is readable and agrees with the commit's trailers and subject",
    "object": "every file of every version can be read from the object database",
    "text-sha256": "the stored text has the sha256 recorded in meta.yaml",
    "raw-sha256": "the raw capture has the sha256 and size recorded in meta.yaml",
    "text-normalized": "the stored text is canonical and its word and paragraph counts are as recorded",
    "chain": "versions are numbered 1, 2, 3… and each records the commit of its predecessor",
    "date": "commit dates are the recorded capture time, in UTC",
    "rules": "the noise rules a version records (rules.blob) were set as rules.yaml by an earlier commit",
    "head": "the files at the branch head are those of each article's latest version",
    "working-tree": "the working tree is the branch head, with nothing uncommitted",
    "git-fsck": "git fsck --full --strict finds nothing wrong",
    # In a signed store (one with an allowed-signers file; docs/evidence.md):
    "allowed-signers": "the store's allowed-signers file can be read",
    "signature-missing": "every commit on the branch has a signature",
    "signature-signer": "every signature is by a key the allowed-signers file allows",
    "signature-bad": "every signature verifies for the commit it is attached to",
    # In a timestamped store (one with a time-stamping authority or a token; docs/evidence.md):
    "timestamping": "the store's time-stamping settings and CA bundle can be read",
    "timestamp-missing": "every commit is covered by a timestamp token on it or on a later commit",
    "timestamp-bad": "every timestamp token can be read and was granted",
    "timestamp-imprint": "every timestamp token is over the commit it is attached to",
    "timestamp-chain": "every timestamp token is signed by a TSA certificate that chains to the store's CA bundle",
    "timestamp-time": "no timestamp token is dated before the capture time of its commit",
}


@dataclass(frozen=True)
class Finding:
    """One problem: which check failed, where (article, version, commit, path) and what was seen."""

    check: str
    message: str
    article: str | None = None
    version: int | None = None
    commit: str | None = None
    path: str | None = None

    @property
    def where(self) -> str:
        """``article@N commit`` as far as known, for one-line reports."""
        parts = []
        if self.article is not None:
            parts.append(self.article if self.version is None else f"{self.article}@{self.version}")
        if self.commit is not None:
            parts.append(self.commit[:12])
        return " ".join(parts)


@dataclass(frozen=True)
class Verification:
    """The result of ``verify``: what was checked, and every finding (none means the store is genuine)."""

    store: str
    head: str | None
    format: int | None
    commits: int
    articles: int
    versions: int
    findings: tuple[Finding, ...]
    signed: int = 0  # commits whose signature verified by an allowed key (0 in a store that is not signed)
    timestamped: int = 0  # timestamp tokens that checked (each covers its commit and every one before it)
    # ``since_verified``: the head verified before, from which only the commits after it were checked
    # (None: the whole history); ``full_because``: why the whole history was checked all the same.
    since: str | None = None
    full_because: str | None = None

    @property
    def ok(self) -> bool:
        return not self.findings


_Report = Callable[..., Finding]


def verify(
    store: Store, history: StoreHistory | None = None, since_verified: bool = False, processes: int | None = None
) -> Verification:
    """Run every check on the whole store; never raises for what it finds.

    ``history`` is the store's history when the caller (the audit) has already read it.
    ``since_verified``: check only the commits after the head the last such verify found OK (recorded in
    the store's private directory, outside the history, with what the checks of later commits need:
    each article's latest version then), in time proportional to what was added; the whole history
    when there is no such head or the history no longer contains it (then ``full_because`` says so).
    git fsck, which reads the whole object database, runs only when the whole history is checked. After
    an OK result the head is recorded for the next time. ``processes``: how many processes check versions
    (None: one per CPU when there are many versions).
    """
    state, full_because = read_verified(store) if since_verified else (None, None)
    with _no_cycle_collection(), ThreadPoolExecutor(max_workers=1) as pool:
        fsck = pool.submit(store.fsck) if state is None else None  # the slowest check: run it beside the others
        findings: list[Finding] = []
        if history is None:
            try:
                history = read_history(store, since=state.head if state else None)
            except StoreCorrupt as error:
                findings.append(Finding("history", str(error)))
        store_format: int | None = None
        signed = timestamped = 0
        after = state or VerifiedHead(None)
        if history is not None:
            store_format, problem = _marker_format(store, history)
            if problem:
                findings.append(Finding("format", problem, path=MARKER_FILE))
            findings.extend(_check_history(store, history, after, processes))
            signed, problems = check_signatures(store, history)
            findings.extend(problems)
            timestamped, problems = check_timestamps(store, history)
            findings.extend(problems)
        findings.extend(_check_working_tree(store, history.head if history else store.head()))
        if fsck is not None:
            findings.extend(Finding("git-fsck", f"git fsck: {line}") for line in fsck.result())
    versions = history.versions if history else []
    result = Verification(
        store=str(store.path),
        head=history.head if history else None,
        format=store_format,
        commits=len(history.commits) if history else 0,
        articles=len({v.article_id for v in versions}),
        versions=len(versions),
        findings=tuple(findings),
        signed=signed,
        timestamped=timestamped,
        since=state.head if state else None,
        full_because=full_because,
    )
    after.latest.close()
    if since_verified and result.ok and history is not None and history.head is not None:
        record_verified(store, history.head, after)
    return result


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Without the cycle collector: the history holds a few objects a commit, none in a cycle, and each pass
    of the collector went over all of them again (a quarter of reading the history at 100k versions)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_fixity(
    metadata: Mapping[str, Any],
    text: bytes | None,
    raw: bytes | None,
    *,
    article: str | None = None,
    version: int | None = None,
    commit: str | None = None,
) -> Iterable[Finding]:
    """One version's text and raw capture (each when readable) against what its meta.yaml recorded.

    The checks text-sha256, text-normalized and raw-sha256, shared by ``verify`` and the viewer's version page.
    """

    def finding(check: str, message: str, path: str | None = None) -> Finding:
        return Finding(check, message, article=article, version=version, commit=commit, path=path)

    if text is not None:
        yield from _check_text(text, metadata, finding)
    if raw is not None:
        yield from _check_raw(str(_nested(metadata, "raw", "file")), raw, metadata, finding)


# --- the collector's signatures, beside the history --------------------------------------


def check_signatures(store: Store, history: StoreHistory) -> tuple[int, list[Finding]]:
    """In a signed store, each commit's signature (docs/evidence.md): how many verified, and what is missing,
    by a key not allowed, or bad.

    A store is signed once it has an allowed-signers file or a signature; then every commit
    must carry one, so a version added with plain git, or a signature removed, is seen.
    """
    allowed_file = read_files(store, EVIDENCE_REF).get(ALLOWED_SIGNERS_FILE)
    signatures = read_notes(store, SIGNATURES_REF)
    if allowed_file is None and not signatures:
        return 0, []
    from archive.store.signatures import check_signature, parse_allowed_signers  # only a signed store loads them

    where = f"{EVIDENCE_REF}:{ALLOWED_SIGNERS_FILE}"
    if allowed_file is None:
        return 0, [Finding("allowed-signers", f"the store has signatures but no allowed-signers file ({where})")]
    try:
        allowed = parse_allowed_signers(allowed_file)
    except InvalidInput as error:
        return 0, [Finding("allowed-signers", f"{error} ({where}); no signature could be checked", path=where)]
    versions = {version.commit.commit: version for version in history.versions}
    findings = []
    good = 0
    for record in history.commits:
        version = versions.get(record.commit)
        article, number = (version.article_id, version.number) if version else (None, None)
        signature = signatures.get(record.commit)
        if signature is None:
            findings.append(
                Finding(
                    "signature-missing",
                    f"commit {record.commit[:12]} has no signature in a signed store",
                    article=article,
                    version=number,
                    commit=record.commit,
                )
            )
            continue
        check = check_signature(signature, record.commit, allowed)
        good += check.ok
        if check.problem is not None:
            findings.append(
                Finding(
                    f"signature-{check.problem}", check.message, article=article, version=number, commit=record.commit
                )
            )
    return good, findings


def check_timestamps(store: Store, history: StoreHistory) -> tuple[int, list[Finding]]:
    """In a timestamped store, each token offline (docs/evidence.md): how many checked, and which commits no
    token covers, and which tokens are unreadable, over another imprint, not chained to the CA bundle, or
    dated before their commit's capture time."""
    files = read_files(store, EVIDENCE_REF)
    tokens = read_notes(store, TIMESTAMPS_REF)
    if TIMESTAMPING_FILE not in files and TSA_CA_FILE not in files and not tokens:
        return 0, []
    from archive.store.timestamps import check_token, parse_ca_bundle  # only a timestamped store loads them

    bundle = files.get(TSA_CA_FILE)
    where = f"{EVIDENCE_REF}:{TSA_CA_FILE}"
    if bundle is None:
        return 0, [Finding("timestamping", f"the store has timestamps but no CA bundle ({where})", path=where)]
    try:
        roots = parse_ca_bundle(bundle)
    except InvalidInput as error:
        return 0, [Finding("timestamping", f"{error} ({where}); no timestamp could be checked", path=where)]
    versions = {version.commit.commit: version for version in history.versions}
    findings: list[Finding] = []
    good = 0
    covered = False
    for record in reversed(history.commits):  # newest first: a token covers its commit and all before it
        version = versions.get(record.commit)
        article, number = (version.article_id, version.number) if version else (None, None)
        token = tokens.get(record.commit)
        if token is not None:
            check = check_token(token, record.commit, record.committer.moment, roots)
            if check.problem is None:
                good += 1
                covered = True
            else:
                findings.append(
                    Finding(
                        f"timestamp-{check.problem}",
                        check.message,
                        article=article,
                        version=number,
                        commit=record.commit,
                    )
                )
        if not covered:
            findings.append(
                Finding(
                    "timestamp-missing",
                    f"commit {record.commit[:12]} is covered by no timestamp token (run `archive timestamp`)",
                    article=article,
                    version=number,
                    commit=record.commit,
                )
            )
    findings.reverse()
    return good, findings


# --- the history, commit by commit ----------------------------------------------------


def _check_history(store: Store, history: StoreHistory, state: VerifiedHead, processes: int | None) -> list[Finding]:
    """The commits of ``history``, after ``state.head`` (None: all), whose ``state`` it brings up to date.

    What a version is checked against (its predecessor, the rules set before it) follows from the
    commits alone, so it is worked out first, in order; then the versions are checked with their files,
    in spans that worker processes may check side by side (``_check_spans``), and the findings are put
    back in the order of the commits.
    """
    versions = {v.commit.commit: v for v in history.versions}
    # article -> (number, commit) of its latest version so far in the history
    latest = state.latest
    recorded_commits = _InHistory(store, {record.commit for record in history.commits}, state.head)
    rules_set = state.rules_set  # the blobs of rules.yaml so far in the history
    rules_now = frozenset(rules_set)
    tasks: list[_Task] = []
    before: list[list[Finding]] = []  # the findings of the commits before each version's, and then the rest's
    pending: list[Finding] = []
    for index, record in enumerate(history.commits):
        if len(record.parents) > 1:
            pending.append(
                Finding(
                    "merge",
                    f"commit {record.commit[:12]} is a merge; an archive's history is linear",
                    commit=record.commit,
                )
            )
        version = versions.get(record.commit)
        if version is None:
            if records_rules(record):  # a commit that sets the noise rules is the archive's too
                rules_set.update(blob for path, blob in record.changes if path == RULES_FILE and blob)
                rules_now = frozenset(rules_set)
            else:
                pending.extend(_foreign_commit(record))
            continue
        is_root = index == 0 and state.head is None
        tasks.append(_Task(version, latest.get(version.article_id), is_root, rules_now))
        before.append(pending)
        pending = []
        if version.number is not None:
            latest[version.article_id] = (version.number, record.commit)
    findings: list[Finding] = []
    for found_before, found in zip(before, _check_spans(store, tasks, recorded_commits, processes), strict=True):
        findings.extend(found_before)
        findings.extend(found)
    findings.extend(pending)
    findings.extend(_check_head(history))
    return findings


class _InHistory:
    """Whether a commit is in the branch's history: one of the commits read, or one before the verified head they
    follow (asked of git, only for a chain that is broken: a check of the new commits never lists the old ones)."""

    def __init__(self, store: Store, commits: set[str], since: str | None) -> None:
        self._store, self._commits, self._since = store, commits, since

    def __contains__(self, commit: object) -> bool:
        if commit in self._commits:
            return True
        if self._since is None or not isinstance(commit, str) or not _COMMIT_ID.fullmatch(commit):
            return False
        return self._store.is_ancestor(commit, self._since)


_COMMIT_ID = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class _Task:
    """One version to check, with what the commits before it say it must agree with."""

    version: VersionRecord
    previous: tuple[int, str] | None  # the article's version before it in the history: (number, commit)
    is_root: bool
    rules_set: frozenset[str]  # the blobs rules.yaml was set to before it


# Versions a worker checks at a time at most, and the fewest worth starting workers for (forking costs little,
# but a small store is checked before the workers would have started).
_SPAN = 2_000
_PARALLEL_FROM = 4_000
_SHARED: tuple[Store, list[_Task], _InHistory] | None = None  # what forked workers inherit


def _check_spans(
    store: Store, tasks: list[_Task], recorded_commits: _InHistory, processes: int | None
) -> Iterator[list[Finding]]:
    """Each task's findings, in order. The checks of one version need only its own files, so spans of
    versions are checked by forked worker processes (one per CPU, each reading its own files from git)
    when there are many versions and more than one CPU."""
    global _SHARED
    if processes is None:
        processes = len(os.sched_getaffinity(0)) if len(tasks) >= _PARALLEL_FROM else 1
    # About four spans a worker, so that at the end no worker is left checking a long span alone.
    size = _SPAN if processes <= 1 else max(1, min(_SPAN, -(-len(tasks) // (processes * 4))))
    spans = [(start, min(start + size, len(tasks))) for start in range(0, len(tasks), size)]
    if processes <= 1 or len(spans) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for span in spans:
            yield from _check_span(store, tasks, recorded_commits, span)
        return
    _SHARED = (store, tasks, recorded_commits)  # inherited by the workers as they fork, not pickled
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(processes, len(spans)), mp_context=context) as pool:
            for found in pool.map(_check_shared_span, spans):
                yield from found
    finally:
        _SHARED = None


def _check_shared_span(span: tuple[int, int]) -> list[list[Finding]]:
    assert _SHARED is not None
    return _check_span(*_SHARED, span)


def _check_span(
    store: Store, tasks: list[_Task], recorded_commits: _InHistory, span: tuple[int, int]
) -> list[list[Finding]]:
    chunk = tasks[span[0] : span[1]]
    found = []
    for task, (version, contents) in zip(chunk, version_files(store, [t.version for t in chunk]), strict=True):
        findings = list(_check_version(version, contents, task.previous, recorded_commits, task.is_root))
        findings.extend(_check_rules(version, contents, task.rules_set))
        found.append(findings)
    return found


def _check_rules(
    version: VersionRecord, contents: Mapping[str, bytes | None], rules_set: frozenset[str]
) -> Iterable[Finding]:
    """A version that records noise rules names a rules file the history set before it (docs/rules.md)."""
    metadata, _ = parse_metadata(contents.get(META_FILE)) if META_FILE in contents else (None, None)
    if metadata is None or "rules" not in metadata:
        return
    recorded = metadata["rules"]
    blob = recorded.get("blob") if isinstance(recorded, Mapping) else None
    if (
        not isinstance(recorded, Mapping)
        or set(recorded) - {"blob", "extraction_change"}
        or (blob is None and recorded.get("extraction_change") is not True)
    ):
        message = f"{META_FILE} has a rules entry that is not a blob id and an optional extraction_change"
    elif blob is not None and blob not in rules_set:
        message = f"{META_FILE} records noise rules {str(blob)[:12]}, which no earlier commit set as {RULES_FILE}"
    else:
        return
    yield Finding(
        "rules",
        message,
        article=version.article_id,
        version=version.number,
        commit=version.commit.commit,
        path=META_FILE,
    )


def _foreign_commit(record: CommitRecord) -> Iterable[Finding]:
    who = f"{record.author.name} <{record.author.email}>"
    moment = record.committer.moment
    when = format_time(moment) if moment else "a date git cannot read"
    paths = [path for path, _ in record.changes]
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "") if paths else "nothing"
    articles = sorted({article for article in map(article_of_path, paths) if article is not None})
    yield Finding(
        "foreign-commit",
        f"commit {record.commit[:12]} by {who} at {when} is not an archive snapshot (no Article/Version trailers); "
        f"it changes {shown}",
        article=articles[0] if len(articles) == 1 else None,
        commit=record.commit,
        path=paths[0] if len(paths) == 1 else None,
    )


def _check_version(
    version: VersionRecord,
    contents: Mapping[str, bytes | None],
    previous: tuple[int, str] | None,
    recorded_commits: _InHistory,
    is_root: bool,
) -> Iterable[Finding]:
    record = version.commit
    article, number, commit = version.article_id, version.number, record.commit

    def finding(check: str, message: str, path: str | None = None) -> Finding:
        return Finding(check, message, article=article, version=number, commit=commit, path=path)

    try:
        validate_article_id(article)
    except InvalidInput:
        yield finding("metadata", f"the commit's Article trailer {article!r} is not a valid article id")
    if number is None:
        yield finding("metadata", f"the commit's Version trailer {record.trailers[VERSION]!r} is not a number")
    for path, _ in record.changes:
        if not path.startswith(version.directory + "/") and not (is_root and path == MARKER_FILE):
            yield finding("outside-article", f"the snapshot also changes {path}, outside {version.directory}", path)

    metadata, problem = parse_metadata(contents.get(META_FILE)) if META_FILE in contents else (None, None)
    if META_FILE not in contents:
        yield finding("files", f"{version.directory} has no {META_FILE} at this commit", META_FILE)
    elif metadata is None:
        yield finding("object" if contents.get(META_FILE) is None else "metadata", problem or "", META_FILE)
    text = contents.get(TEXT_FILE)
    if TEXT_FILE not in contents:
        yield finding("files", f"{version.directory} has no {TEXT_FILE} at this commit", TEXT_FILE)
    elif text is None:
        yield finding("object", f"{TEXT_FILE} (blob {version.files[TEXT_FILE][:12]}) is missing or corrupt", TEXT_FILE)
    if metadata is None:
        return
    yield from _check_metadata(version, metadata, finding)
    raw_name = _nested(metadata, "raw", "file")
    for name in sorted(set(contents) - {META_FILE, TEXT_FILE, raw_name}):
        yield finding("files", f"unexpected file {name} in {version.directory}", name)
    raw = contents.get(raw_name) if isinstance(raw_name, str) else None
    yield from check_fixity(metadata, text, raw, article=article, version=number, commit=commit)
    if not isinstance(raw_name, str) or raw_name not in contents:
        yield finding("files", f"the raw capture {raw_name!r} named in {META_FILE} is not in {version.directory}")
    elif contents[raw_name] is None:
        blob = version.files[raw_name][:12]
        yield finding("object", f"{raw_name} (blob {blob}) is missing or corrupt", raw_name)
    yield from _check_chain(version, metadata, previous, recorded_commits, finding)
    yield from _check_date(record, metadata, finding)


def _nested(metadata: Mapping[str, Any], *keys: str) -> Any:
    value: Any = metadata
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _check_metadata(version: VersionRecord, metadata: Mapping[str, Any], finding: _Report) -> Iterable[Finding]:
    trailers = version.commit.trailers
    if metadata.get("id") != version.article_id:
        yield finding(
            "metadata",
            f"{META_FILE} says id {metadata.get('id')!r}, the commit's Article trailer {version.article_id!r}",
            META_FILE,
        )
    if metadata.get("version") != version.number:
        yield finding(
            "metadata",
            f"{META_FILE} says version {metadata.get('version')!r}, the commit's Version trailer {trailers[VERSION]!r}",
            META_FILE,
        )
    recorded_sha = _nested(metadata, "text", "sha256")
    if trailers.get(TEXT_SHA256) != recorded_sha:
        yield finding(
            "metadata",
            f"the commit's Text-SHA256 trailer is {trailers.get(TEXT_SHA256)}, {META_FILE} records {recorded_sha}",
            META_FILE,
        )
    if trailers.get(URL) != (one_line(metadata["url"]) if metadata.get("url") else None):
        yield finding(
            "metadata",
            f"the commit's URL trailer is {trailers.get(URL)!r}, {META_FILE} records {metadata.get('url')!r}",
            META_FILE,
        )
    found = subject_of(version.commit.message)
    expected = subject(metadata.get("id"), metadata.get("version"), metadata.get("title"))
    if found != expected:
        yield finding("metadata", f"the commit's subject {found!r} does not match {META_FILE} ({expected!r})")
    if metadata.get("format") != FORMAT_VERSION:
        yield finding("format", f"{META_FILE} says format {metadata.get('format')!r}, not {FORMAT_VERSION}", META_FILE)


def _check_text(data: bytes, metadata: Mapping[str, Any], finding: _Report) -> Iterable[Finding]:
    recorded = _nested(metadata, "text", "sha256")
    actual = sha256(data)
    if actual != recorded:
        yield finding(
            "text-sha256",
            f"{TEXT_FILE} has sha256 {actual}, but {META_FILE} records {recorded}: "
            "the stored text is not the text that was captured",
            TEXT_FILE,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        yield finding("text-normalized", f"{TEXT_FILE} is not UTF-8", TEXT_FILE)
        return
    if not is_normalized(text):
        yield finding("text-normalized", f"{TEXT_FILE} is not in canonical form (normalizing it changes it)", TEXT_FILE)
    words, paragraphs = count_words(text), text.count("\n")
    if (words, paragraphs) != (_nested(metadata, "text", "words"), _nested(metadata, "text", "paragraphs")):
        yield finding(
            "text-normalized",
            f"{TEXT_FILE} has {words} words in {paragraphs} paragraphs, {META_FILE} records "
            f"{_nested(metadata, 'text', 'words')} in {_nested(metadata, 'text', 'paragraphs')}",
            TEXT_FILE,
        )


def _check_raw(name: str, data: bytes, metadata: Mapping[str, Any], finding: _Report) -> Iterable[Finding]:
    recorded = _nested(metadata, "raw", "sha256")
    actual = sha256(data)
    if actual != recorded:
        yield finding(
            "raw-sha256",
            f"{name} has sha256 {actual}, but {META_FILE} records {recorded}: the raw capture was replaced or altered",
            name,
        )
    elif len(data) != _nested(metadata, "raw", "bytes"):
        yield finding(
            "raw-sha256", f"{name} is {len(data)} bytes, {META_FILE} records {_nested(metadata, 'raw', 'bytes')}", name
        )


def _check_chain(
    version: VersionRecord,
    metadata: Mapping[str, Any],
    previous: tuple[int, str] | None,
    recorded_commits: _InHistory,
    finding: _Report,
) -> Iterable[Finding]:
    number, recorded = version.number, metadata.get("previous_commit")
    if number is None:
        return
    if previous is None:
        if number != 1:
            yield finding(
                "chain",
                f"the first version of {version.article_id} in the history is {number}, not 1: "
                "earlier versions were removed",
            )
        if recorded is not None:
            yield finding(
                "chain",
                f"{META_FILE} records previous_commit {recorded}, but no earlier version of "
                f"{version.article_id} is in the history",
                META_FILE,
            )
        return
    last_number, last_commit = previous
    if number != last_number + 1:
        missing = (
            f"version {last_number + 1} is missing"
            if number == last_number + 2
            else f"versions {last_number + 1} to {number - 1} are missing"
            if number > last_number
            else "versions are out of order or repeated"
        )
        yield finding("chain", f"version {number} follows version {last_number} in the history: {missing}")
    if recorded != last_commit:
        elsewhere = "" if recorded in recorded_commits else f" ({str(recorded)[:12]} is not in the branch's history)"
        yield finding(
            "chain",
            f"{META_FILE} records previous_commit {str(recorded)[:12]}, but the previous version "
            f"({version.article_id}@{last_number}) is commit {last_commit[:12]}{elsewhere}: a version was removed, "
            "reordered or rewritten",
            META_FILE,
        )


def _check_date(record: CommitRecord, metadata: Mapping[str, Any], finding: _Report) -> Iterable[Finding]:
    captured = metadata.get("captured_at")
    try:
        moment = parse_time(str(captured), end_of_day=False)
    except InvalidInput:
        yield finding("date", f"{META_FILE} has no valid captured_at ({captured!r})", META_FILE)
        return
    if format_time(moment) != captured:
        yield finding("date", f"captured_at {captured!r} in {META_FILE} is not in the form YYYY-MM-DDTHH:MM:SSZ")
    stamp = int(moment.timestamp())
    for role, signature in (("author", record.author), ("committer", record.committer)):
        dated_at = signature.moment
        if dated_at is None:
            yield finding(
                "date",
                f"{META_FILE} says captured_at {captured}, but the commit's {role} date is one git cannot read "
                "(git fsck: badDate or badDateOverflow)",
                META_FILE,
            )
        elif signature.time != stamp or signature.offset != "+0000":
            dated = format_time(dated_at)
            offset = "" if signature.offset == "+0000" else f" (zone {signature.offset})"
            yield finding(
                "date",
                f"{META_FILE} says captured_at {captured}, but the commit's {role} date is "
                f"{dated}{offset}: the capture time was changed after the fact",
                META_FILE,
            )


def _check_head(history: StoreHistory) -> Iterable[Finding]:
    """The files at the head must be each article's latest version, byte for byte, and nothing else."""
    latest = {v.directory: v for v in history.versions}
    for directory in sorted(set(history.final_files) | set(latest)):
        at_head = history.final_files.get(directory, {})
        if directory == "":
            for name in sorted(set(at_head) - {MARKER_FILE, RULES_FILE}):
                yield Finding("head", f"unexpected file {name} at the top of the store", path=name)
            continue
        version = latest.get(directory)
        if version is None:
            for name in sorted(at_head):
                path = f"{directory}/{name}"
                cause = history.last_change.get(path, "")
                yield Finding(
                    "head",
                    f"{path} is at the branch head but no snapshot recorded it (added by commit {cause[:12]})",
                    article=article_of_path(path),
                    commit=cause or None,
                    path=path,
                )
            continue
        for name in sorted(set(at_head) | set(version.files)):
            if at_head.get(name) == version.files.get(name):
                continue
            path = f"{directory}/{name}"
            cause = history.last_change.get(path, "")
            state = "is missing at the branch head" if name not in at_head else "at the branch head differs from"
            yield Finding(
                "head",
                f"{path} {state} the file of the latest version ({version.article_id}@{version.number}, "
                f"{version.commit.commit[:12]}); last changed by commit {cause[:12]}",
                article=version.article_id,
                version=version.number,
                commit=cause or None,
                path=path,
            )


def _marker_format(store: Store, history: StoreHistory) -> tuple[int | None, str | None]:
    """The format the store marker declares at the head, and what is wrong with it."""
    if history.head is None:
        return FORMAT_VERSION, None
    blob = history.marker_blob
    if blob is None:
        return None, f"{MARKER_FILE} is missing from the branch head"
    found = marker_format(next(store.read_objects([blob]))[1] or b"")
    if found is None:
        return None, f"{MARKER_FILE} at the branch head is unreadable or has no format"
    if found != FORMAT_VERSION:
        return found, f"{MARKER_FILE} says format {found}; this archive reads format {FORMAT_VERSION}"
    return found, None


# --- the working tree ------------------------------------------------------------------------


def _check_working_tree(store: Store, head: str | None) -> Iterable[Finding]:
    if head is None or store.bare:
        return
    branch, checked_out = store.checked_out()
    if branch != BRANCH:
        yield Finding("working-tree", f"the working tree has {branch or 'a detached HEAD'} checked out, not {BRANCH}")
    elif checked_out != head:
        yield Finding("working-tree", f"the working tree is at {str(checked_out)[:12]}, the branch at {head[:12]}")
    for status, path in store.working_tree_changes():
        if status == "??":
            message = f"{path} is in the working tree but was never committed (untracked)"
        else:
            message = (
                f"{path} in the working tree differs from the branch (git status {status.strip()}): "
                "an edit that was never committed"
            )
        yield Finding("working-tree", message, article=article_of_path(path), path=path)
