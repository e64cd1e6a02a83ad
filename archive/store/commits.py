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

__all__ = [
    "ARTICLE",
    "VERSION",
    "URL",
    "TEXT_SHA256",
    "MESSAGES_FORMAT",
    "RECORDS_FORMAT",
    "Signature",
    "CommitRecord",
    "message",
    "subject",
    "subject_of",
    "title_of",
    "parse_trailers",
    "records_version",
    "parse_messages",
    "parse_records",
]

ARTICLE, VERSION, URL, TEXT_SHA256 = "Article", "Version", "URL", "Text-SHA256"

_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*): (.+)$")
_UNTITLED = "(untitled)"


def subject(article_id: object, number: object, title: object) -> str:
    """A version's subject line: ``ID vN: TITLE``."""
    return f"{article_id} v{number}: {title or _UNTITLED}"


def message(article_id: str, number: int, title: str | None, url: str | None, text_sha256: str) -> str:
    """The commit message of version ``number`` of ``article_id``."""
    lines = [subject(article_id, number, title), ""]
    lines.append(f"{ARTICLE}: {article_id}")
    lines.append(f"{VERSION}: {number}")
    if url:
        lines.append(f"{URL}: {url}")
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
    time: int
    offset: str


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


def parse_records(log: str) -> list[CommitRecord]:
    """The commits of ``git log --raw --no-abbrev --date=raw --format=RECORDS_FORMAT``, in its order."""
    return [_commit_record(chunk) for chunk in log.split("\x1e")[1:]]


def _signature(name: str, email: str, raw_date: str) -> Signature:
    seconds, _, offset = raw_date.partition(" ")
    return Signature(name, email, int(seconds), offset)


def _commit_record(chunk: str) -> CommitRecord:
    commit, parents, an, ae, ad, cn, ce, cd, text, diff = chunk.split("\x1f", 9)
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
