"""Store format 1, in git: the commit message of a version and its trailers (``docs/store-format.md``).

A version's commit message is a one-line subject and trailers naming the
article, the version number, the URL and the text's hash: enough to list an
article's versions from ``git log`` alone. This module writes that message
and is the one parser of it, and of the commit records ``git log`` gives for
the whole-history reads (verify, audit, rebuild, export, pull).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from archive.store.layout import MARKER_FILE, RULES_FILE

__all__ = [
    "ARTICLE",
    "VERSION",
    "URL",
    "TEXT_SHA256",
    "RULES",
    "MESSAGES_FORMAT",
    "RECORDS_FORMAT",
    "Signature",
    "CommitRecord",
    "message",
    "one_line",
    "subject",
    "subject_of",
    "title_of",
    "parse_trailers",
    "records_version",
    "rules_message",
    "records_rules",
    "parse_messages",
    "parse_records",
]

ARTICLE, VERSION, URL, TEXT_SHA256 = "Article", "Version", "URL", "Text-SHA256"
# The trailer of a commit that sets the noise rules: the rules file's blob id, or ``none`` when it removes it.
RULES = "Rules"
_NO_RULES = "none"

_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*): (.+)$")
_UNTITLED = "(untitled)"


# Characters that would end a message line (for git, or for Python's ``str.splitlines``), or split git
# log's records (\x1e, \x1f), or end a C string (NUL): NUL, LF, VT, FF, CR, \x1c-\x1f, NEL and the
# Unicode line and paragraph separators. Other control characters (ESC, BEL…) stay: the terminal
# output escapes them, and they do not break a line.
_LINE_BREAKING = re.compile(r"[\x00\x0a-\x0d\x1c-\x1f\x85\u2028\u2029]+")


def one_line(value: object) -> str:
    """``value`` as one line of a commit message: each run of line-breaking characters is one space.

    A value without them is unchanged, so valid stores keep their commit ids; with them, the
    subject and trailers are still one line each, and verify derives the same line from meta.yaml.
    """
    return _LINE_BREAKING.sub(" ", str(value))


def subject(article_id: object, number: object, title: object) -> str:
    """A version's subject line: ``ID vN: TITLE``, on one line whatever the title holds (``one_line``)."""
    return one_line(f"{article_id} v{number}: {title or _UNTITLED}")


def message(article_id: str, number: int, title: str | None, url: str | None, text_sha256: str) -> str:
    """The commit message of version ``number`` of ``article_id``."""
    lines = [subject(article_id, number, title), ""]
    lines.append(f"{ARTICLE}: {article_id}")
    lines.append(f"{VERSION}: {number}")
    if url:
        lines.append(f"{URL}: {one_line(url)}")
    lines.append(f"{TEXT_SHA256}: {text_sha256}")
    return "\n".join(lines) + "\n"


def subject_of(commit_message: str) -> str:
    """A message's subject: its first line."""
    return commit_message.split("\n", 1)[0]


def title_of(commit_message: str) -> str:
    """The title a message's subject names ("" when it names none)."""
    first = subject_of(commit_message)
    return first.split(": ", 1)[1] if ": " in first else ""


def parse_trailers(commit_message: str) -> dict[str, str]:
    """The ``Key: value`` lines after the subject."""
    _, _, body = commit_message.partition("\n\n")
    trailers = {}
    for line in body.splitlines():
        match = _TRAILER.match(line)
        if match:
            trailers[match.group(1)] = match.group(2)
    return trailers


def records_version(trailers: Mapping[str, str]) -> bool:
    """True when a commit says (by its trailers) that it records a version: it is a snapshot."""
    return ARTICLE in trailers and VERSION in trailers


def rules_message(blob: str | None) -> str:
    """The message of the commit that sets the rules file to ``blob`` (None: removes it)."""
    summary = f"{RULES_FILE} {blob[:12]}" if blob else f"{RULES_FILE} removed"
    return f"Noise rules: {summary}\n\n{RULES}: {blob or _NO_RULES}\n"


def records_rules(record: CommitRecord) -> bool:
    """True when a commit is one that sets the rules: its trailer names the blob it leaves at ``rules.yaml``
    (or ``none``), and it changes nothing else (but the store marker, as a store's first commit)."""
    trailer = record.trailers.get(RULES)
    if trailer is None or records_version(record.trailers):
        return False
    blobs = dict(record.changes)
    if RULES_FILE not in blobs or set(blobs) - {RULES_FILE, MARKER_FILE}:
        return False
    return blobs[RULES_FILE] == (None if trailer == _NO_RULES else trailer)


# --- reading git log output --------------------------------------------------------------

# ``git log --format=MESSAGES_FORMAT``: each commit's id and message.
MESSAGES_FORMAT = "%H%x1f%B%x1e"


def parse_messages(log: str) -> Iterator[tuple[str, str]]:
    """(commit, message) pairs from ``git log --format=MESSAGES_FORMAT``."""
    for record in log.split("\x1e"):
        commit, _, text = record.strip("\n").partition("\x1f")
        if commit:
            yield commit, text


@dataclass(frozen=True)
class Signature:
    """A commit's author or committer: name, email, time (seconds since the epoch) and UTC offset."""

    name: str
    email: str
    time: int | None  # None: git gives no date it can read (a malformed or pre-1970 commit, git fsck: badDate)
    offset: str

    @property
    def moment(self) -> datetime | None:
        """The time as a UTC datetime; None when git gives none, or one outside the years 1 to 9999."""
        if self.time is None:
            return None
        try:
            return datetime.fromtimestamp(self.time, UTC)
        except (OverflowError, ValueError, OSError):
            return None


@dataclass(frozen=True)
class CommitRecord:
    """One commit of the branch: ids, signatures, message, and each changed path with its new blob (None: deleted)."""

    commit: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str
    trailers: Mapping[str, str]
    changes: tuple[tuple[str, str | None], ...]


# ``git log --raw --no-abbrev --date=raw --format=RECORDS_FORMAT``: each commit and the files it changed.
RECORDS_FORMAT = "%x1e" + "%x1f".join(("%H", "%P", "%an", "%ae", "%ad", "%cn", "%ce", "%cd", "%B")) + "%x1f"


_RECORD_START = re.compile(r"^[0-9a-f]{40,64}\x1f")


def parse_records(log: str) -> list[CommitRecord]:
    """The commits of ``git log --raw --no-abbrev --date=raw --format=RECORDS_FORMAT``, in its order.

    Any commit git can list is parsed, however malformed (no date, a message holding the separators):
    the readers report what is wrong with it rather than fail to read the history.
    """
    chunks: list[str] = []
    for chunk in log.split("\x1e")[1:]:
        if chunks and not _RECORD_START.match(chunk):
            chunks[-1] += "\x1e" + chunk  # a separator inside a commit's message
        else:
            chunks.append(chunk)
    return [_commit_record(chunk) for chunk in chunks]


def _signature(name: str, email: str, raw_date: str) -> Signature:
    seconds, _, offset = raw_date.strip().partition(" ")
    try:
        return Signature(name, email, int(seconds), offset)
    except ValueError:
        return Signature(name, email, None, offset)


def _commit_record(chunk: str) -> CommitRecord:
    fields = chunk.split("\x1f")
    commit, parents, an, ae, ad, cn, ce, cd = fields[:8]
    text, diff = "\x1f".join(fields[8:-1]), fields[-1]
    changes = []
    for line in diff.splitlines():
        if line.startswith(":"):
            header, _, path = line.partition("\t")
            *_, new, status = header.split()
            changes.append((path, None if status.startswith("D") else new))
    return CommitRecord(
        commit=commit,
        parents=tuple(parents.split()),
        author=_signature(an, ae, ad),
        committer=_signature(cn, ce, cd),
        message=text,
        trailers=parse_trailers(text),
        changes=tuple(changes),
    )
