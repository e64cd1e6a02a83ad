"""The archive's records: articles, their versions, and how versions are named."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from archive.errors import InvalidInput, VersionNotFound

__all__ = [
    "SOURCE_KINDS",
    "Version",
    "ArticleSummary",
    "LogEntry",
    "parse_time",
    "format_time",
    "EARLIEST_CAPTURE",
    "FUTURE_LEEWAY",
    "check_capture_time",
    "plural",
    "select_version",
]

SOURCE_KINDS = ("url", "file", "stdin", "warc", "feed")


@dataclass(frozen=True)
class Version:
    """One stored version of an article: its place in the history and its metadata."""

    article_id: str
    number: int
    commit: str
    captured_at: datetime
    metadata: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def title(self) -> str:
        return str(self.metadata.get("title") or "")

    @property
    def url(self) -> str | None:
        return self.metadata.get("url")

    @property
    def words(self) -> int:
        return int(self.metadata["text"]["words"])

    @property
    def words_added(self) -> int:
        return int(self.metadata["changes"]["words_added"])

    @property
    def words_removed(self) -> int:
        return int(self.metadata["changes"]["words_removed"])

    @property
    def ref(self) -> str:
        """The citable name of this version, ``ARTICLE@N``."""
        return f"{self.article_id}@{self.number}"


@dataclass(frozen=True)
class ArticleSummary:
    """An article as ``archive list`` shows it."""

    article_id: str
    title: str
    url: str | None
    canonical_url: str | None
    versions: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class LogEntry:
    """One snapshot commit, as ``archive log`` shows it."""

    commit: str
    article_id: str
    number: int
    captured_at: datetime
    title: str
    url: str | None


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_time(value: str, end_of_day: bool = True) -> datetime:
    """Parse an ISO 8601 date or date-time; a time without zone is taken as UTC.

    A bare date means the end of that day (UTC) by default, which is what a
    user asking for "the version of 2021-12-17" expects: the one current that
    day. As a capture time (``end_of_day=False``) it means midnight.
    """
    text = value.strip()
    if _DATE_ONLY.match(text):
        text += "T23:59:59" if end_of_day else "T00:00:00"
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"not a date or time: {value!r} (use ISO 8601, e.g. 2021-12-17 or 2021-12-17T09:30:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(f"not a date or time the archive can record: {value!r}") from None


# A capture time is a commit date: git records seconds since 1970 and no earlier (a negative date
# makes git flag the commit ``badDateOverflow`` and every later read of it fail).
EARLIEST_CAPTURE = datetime(1970, 1, 1, tzinfo=UTC)
# How far past this machine's clock a capture time may be: clocks of capturing machines drift.
FUTURE_LEEWAY = timedelta(minutes=5)


def check_capture_time(moment: datetime, now: datetime | None = None) -> datetime:
    """``moment`` if a version may record it as its capture time; InvalidInput naming it and the limit if not.

    The one rule for every way a capture enters the store (snapshot --at, a folder's files and
    captures.yaml, WARC-Date, watch, the API): from 1970-01-01T00:00:00Z, the earliest time git can
    record, to ``FUTURE_LEEWAY`` after now.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment < EARLIEST_CAPTURE:
        raise InvalidInput(
            f"capture time {_iso(moment)} is before {format_time(EARLIEST_CAPTURE)}, the earliest time git can record"
        )
    limit = (now or datetime.now(UTC)) + FUTURE_LEEWAY
    if moment > limit:
        raise InvalidInput(
            f"capture time {_iso(moment)} is in the future (later than {format_time(limit)}, "
            f"now plus {int(FUTURE_LEEWAY.total_seconds() // 60)} minutes)"
        )
    return moment


def _iso(moment: datetime) -> str:
    """``format_time`` for any year (strftime does not pad years before 1000 everywhere)."""
    utc = moment.astimezone(UTC) if moment.year > 1 else moment
    return utc.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 version``, ``2 versions``; ``nouns`` for the irregular (``entry``, ``entries``)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def format_time(moment: datetime) -> str:
    """Canonical UTC form used everywhere in the store: ``2021-12-17T09:30:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_LATEST = re.compile(r"^latest(?:~(\d+))?$")
_NUMBER = re.compile(r"^\d{1,6}$")
_COMMIT = re.compile(r"^[0-9a-f]{4,40}$")


def select_version(versions: Sequence[Version], spec: str) -> Version:
    """Pick one of an article's versions (oldest first) by a user's specification.

    ``spec`` is a version number (1 is the first), ``latest`` or ``latest~N``,
    a commit id prefix, or a date/time, which selects the version current at
    that moment, as a Memento TimeGate would answer.
    """
    if not versions:
        raise VersionNotFound("the article has no versions")
    article = versions[0].article_id
    spec = spec.strip()
    latest = _LATEST.match(spec)
    if latest:
        back = int(latest.group(1) or 0)
        if back >= len(versions):
            raise VersionNotFound(f"{article} has {len(versions)} version(s); {spec} does not exist")
        return versions[-1 - back]
    if _NUMBER.match(spec):
        number = int(spec)
        if 1 <= number <= len(versions):
            return versions[number - 1]
        if len(spec) < 4:
            raise VersionNotFound(f"{article} has versions 1 to {len(versions)}, not {spec}")
    if _COMMIT.match(spec.lower()):
        matches = [v for v in versions if v.commit.startswith(spec.lower())]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise VersionNotFound(f"commit prefix {spec} is ambiguous in {article}; give more digits")
        if not spec[:1].isdigit() or len(spec) < 8:
            raise VersionNotFound(f"no version of {article} has a commit starting with {spec}")
    try:
        moment = parse_time(spec)
    except InvalidInput:
        raise VersionNotFound(
            f"not a version of {article}: {spec!r} (use a number, latest, latest~N, a commit prefix or a date/time)"
        ) from None
    current = [v for v in versions if v.captured_at <= moment]
    if not current:
        raise VersionNotFound(
            f"{article} was first captured at {format_time(versions[0].captured_at)}, after {format_time(moment)}"
        )
    return current[-1]
