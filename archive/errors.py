"""The exceptions that ``archive`` raises for expected failures.

Each carries an ``exit_code``; the CLI turns any ``ArchiveError`` into its
message on one line of stderr and that exit status. Anything else is a bug.
"""

from __future__ import annotations

__all__ = [
    "ArchiveError",
    "InvalidInput",
    "SourceUnavailable",
    "ExtractionFailed",
    "NotAStore",
    "StoreCorrupt",
    "StoreBusy",
    "ArticleNotFound",
    "VersionNotFound",
    "HistoryConflict",
    "NotReproducible",
    "SigningFailed",
    "TimestampFailed",
]


class ArchiveError(Exception):
    """Base class: an expected failure with a message meant for the user."""

    exit_code = 3


class InvalidInput(ArchiveError):
    """An option or argument that cannot be used as given (bad id, bad time)."""

    exit_code = 2


class SourceUnavailable(ArchiveError):
    """The capture could not be read: missing file, network failure, HTTP error."""

    exit_code = 4


class ExtractionFailed(ArchiveError):
    """The capture was read but holds no article text (binary, empty, boilerplate only)."""

    exit_code = 5


class NotAStore(ArchiveError):
    """The path is not an archive store (run ``archive init``)."""

    exit_code = 6


class StoreCorrupt(ArchiveError):
    """The store exists but cannot be read or written as an archive."""

    exit_code = 7


class StoreBusy(ArchiveError):
    """Another writer held the store's lock for longer than we were willing to wait."""

    exit_code = 8


class ArticleNotFound(ArchiveError):
    """No article, or more than one, matches the given id, URL or prefix."""

    exit_code = 9


class VersionNotFound(ArchiveError):
    """The article has no version matching the given specification."""

    exit_code = 9


class NotReproducible(ArchiveError):
    """A stored version cannot be derived again from its raw capture (see ``archive reproduce``)."""

    exit_code = 10


class HistoryConflict(ArchiveError):
    """Two stores recorded the same article differently, or a remote has versions this store lacks."""

    exit_code = 11


class SigningFailed(ArchiveError):
    """The collector's key cannot sign (missing, not a key, passphrase-protected and in no agent)."""

    exit_code = 12


class TimestampFailed(ArchiveError):
    """The time-stamping authority is unreachable, refused, or answered with a token that does not check."""

    exit_code = 13


class NotifierFailed(ArchiveError):
    """A notification could not be sent (``archive notify test`` and ``retry``); the store is unaffected."""

    exit_code = 4
