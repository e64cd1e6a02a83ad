"""archive: a reproducible, auditable record of how news articles change.

The command line (``archive.cli``) is a thin layer over this API::

    from archive import Store, snapshot, diff_versions

    with Store.init("snapshots") as store:
        result = snapshot(store, "https://example.org/news/story.html")
        print(result.version.ref, result.created)
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .capture import Capture, fetch_url, read_file, read_stream
from .diff import WordDiff, word_diff
from .errors import (
    ArchiveError,
    ArticleNotFound,
    ExtractionFailed,
    InvalidInput,
    NotAStore,
    SourceUnavailable,
    StoreBusy,
    StoreCorrupt,
    VersionNotFound,
)
from .extract import Extracted, extract
from .model import ArticleSummary, LogEntry, Version, parse_time, select_version
from .normalize import normalize_text
from .snapshot import capture, snapshot
from .store import AddResult, NewVersion, Store

if TYPE_CHECKING:
    from .history import VersionDiff, VersionPair, diff_versions, select_pair

__all__ = [
    "AddResult",
    "ArchiveError",
    "ArticleNotFound",
    "ArticleSummary",
    "Capture",
    "Extracted",
    "ExtractionFailed",
    "InvalidInput",
    "LogEntry",
    "NewVersion",
    "NotAStore",
    "SourceUnavailable",
    "Store",
    "StoreBusy",
    "StoreCorrupt",
    "Version",
    "VersionDiff",
    "VersionNotFound",
    "VersionPair",
    "WordDiff",
    "__version__",
    "capture",
    "diff_versions",
    "extract",
    "fetch_url",
    "normalize_text",
    "parse_time",
    "read_file",
    "read_stream",
    "select_pair",
    "select_version",
    "snapshot",
    "word_diff",
]


# The comparison engine behind ``archive.history`` is the package's slowest
# import; load it on first use so that commands which only store do not pay.
_LAZY_FROM_HISTORY = ("VersionDiff", "VersionPair", "diff_versions", "select_pair")


def __getattr__(name: str) -> Any:
    if name not in _LAZY_FROM_HISTORY:
        raise AttributeError(f"module 'archive' has no attribute {name!r}")
    from . import history

    return getattr(history, name)
