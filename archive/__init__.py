"""archive: a reproducible, auditable record of how news articles change.

The command line (``archive.cli``) is a thin layer over this API::

    from archive import Store, snapshot, diff_versions

    with Store.init("snapshots") as store:
        result = snapshot(store, "https://example.org/news/story.html")
        print(result.version.ref, result.created)

The package is laid out along the data path: ``capture`` (fetch, extract, normalize) → ``store``
(the git-backed store and its format) → ``compare`` (pure comparisons of two texts), with
``ingest`` (getting captures in, one or many) and ``audit`` (checking what is stored) beside them,
``review`` (comparisons of stored versions), then ``present`` (terminal, JSON, HTML) and ``web``
(the viewer). Each name below is loaded on first use, so a command pays only for what it touches.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from archive.errors import (
    ArchiveError,
    ArticleNotFound,
    ExtractionFailed,
    InvalidInput,
    NotAStore,
    NotifierFailed,
    SigningFailed,
    SourceUnavailable,
    StoreBusy,
    StoreCorrupt,
    TimestampFailed,
    VersionNotFound,
)
from archive.version import __version__

if TYPE_CHECKING:
    from archive.audit.export import Export, export
    from archive.audit.rebuild import Rebuild, rebuild
    from archive.audit.report import Audit
    from archive.audit.report import audit as audit_report
    from archive.audit.reproduce import Reproduction, reproduce
    from archive.audit.verify import Verification, verify
    from archive.capture.extract import Extracted, extract
    from archive.capture.fetch import Capture, fetch_url, read_file, read_source, read_stream
    from archive.capture.normalize import normalize_text
    from archive.compare.changes import Comparison
    from archive.compare.claims import compare as compare_texts
    from archive.compare.words import WordDiff, word_diff
    from archive.ingest.engine import IngestReport
    from archive.ingest.feeds import WatchOptions, WatchReport, watch, watch_once
    from archive.ingest.remote import pull, push
    from archive.ingest.rules import (
        RulesChange,
        RulesTest,
        alert_kinds,
        check_rules,
        rules_problems,
        set_rules,
        test_rules,
    )
    from archive.ingest.snapshot import snapshot
    from archive.ingest.sources import import_sources
    from archive.model import ArticleSummary, LogEntry, Version, parse_time, select_version
    from archive.present.atom import changes_feed, write_feed
    from archive.present.notifications import add_target as notify_add
    from archive.present.notifications import configured as notify_configured
    from archive.present.notifications import deliver as notify_deliver
    from archive.present.notifications import journal_counts as notify_counts
    from archive.present.notifications import remove_target as notify_remove
    from archive.present.notifications import targets as notify_targets
    from archive.present.notifications import test_targets as notify_test
    from archive.review.changelog import ClaimChange, Selection, parse_kinds, parse_moment, select_changes
    from archive.review.versions import (
        TermMention,
        TimelineEntry,
        VersionComparison,
        VersionDiff,
        VersionPair,
        compare_versions,
        diff_versions,
        select_pair,
        term_coverage,
        timeline,
    )
    from archive.store.collection import StoreSet
    from archive.store.layout import default_store_path
    from archive.store.repository import Store
    from archive.store.signatures import Signing, sign
    from archive.store.timestamps import Timestamping, timestamp
    from archive.store.writer import AddResult, NewVersion
    from archive.web.viewer import make_server

# Where each public name lives; ``__getattr__`` imports the module on first use.
_HOMES = {
    "archive.audit.export": ("Export", "export"),
    "archive.audit.rebuild": ("Rebuild", "rebuild"),
    "archive.audit.report": ("Audit",),
    "archive.audit.reproduce": ("Reproduction", "reproduce"),
    "archive.audit.verify": ("Verification", "verify"),
    "archive.capture.extract": ("Extracted", "extract"),
    "archive.capture.fetch": ("Capture", "fetch_url", "read_file", "read_source", "read_stream"),
    "archive.capture.normalize": ("normalize_text",),
    "archive.compare.changes": ("Comparison",),
    "archive.compare.words": ("WordDiff", "word_diff"),
    "archive.ingest.engine": ("IngestReport",),
    "archive.ingest.feeds": ("WatchOptions", "WatchReport", "watch", "watch_once"),
    "archive.ingest.remote": ("pull", "push"),
    "archive.ingest.rules": (
        "RulesChange",
        "RulesTest",
        "alert_kinds",
        "check_rules",
        "rules_problems",
        "set_rules",
        "test_rules",
    ),
    "archive.ingest.snapshot": ("snapshot",),
    "archive.ingest.sources": ("import_sources",),
    "archive.model": ("ArticleSummary", "LogEntry", "Version", "parse_time", "select_version"),
    "archive.present.atom": ("changes_feed", "write_feed"),
    "archive.review.changelog": ("ClaimChange", "Selection", "parse_kinds", "parse_moment", "select_changes"),
    "archive.review.versions": (
        "TermMention",
        "TimelineEntry",
        "VersionComparison",
        "VersionDiff",
        "VersionPair",
        "compare_versions",
        "diff_versions",
        "select_pair",
        "term_coverage",
        "timeline",
    ),
    "archive.store.maintenance": ("Maintenance", "maintain"),
    "archive.store.collection": ("StoreSet",),
    "archive.store.layout": ("default_store_path",),
    "archive.store.repository": ("Store",),
    "archive.store.signatures": ("Signing", "sign"),
    "archive.store.timestamps": ("Timestamping", "timestamp"),
    "archive.store.writer": ("AddResult", "NewVersion"),
    "archive.web.viewer": ("make_server",),
}
# Names that would shadow a subpackage (``archive.audit``, ``archive.compare``) are published under another.
_ALIASES = {
    "audit_report": ("archive.audit.report", "audit"),
    "compare_texts": ("archive.compare.claims", "compare"),
    # Notifications, under names that say what they are about.
    "notify_add": ("archive.present.notifications", "add_target"),
    "notify_configured": ("archive.present.notifications", "configured"),
    "notify_counts": ("archive.present.notifications", "journal_counts"),
    "notify_deliver": ("archive.present.notifications", "deliver"),
    "notify_remove": ("archive.present.notifications", "remove_target"),
    "notify_targets": ("archive.present.notifications", "targets"),
    "notify_test": ("archive.present.notifications", "test_targets"),
}
_HOME_OF = {name: (module, name) for module, names in _HOMES.items() for name in names} | _ALIASES

__all__ = [
    "ArchiveError",
    "ArticleNotFound",
    "ExtractionFailed",
    "InvalidInput",
    "NotAStore",
    "SigningFailed",
    "SourceUnavailable",
    "TimestampFailed",
    "StoreBusy",
    "StoreCorrupt",
    "VersionNotFound",
    "__version__",
    "alert_kinds",
    "check_rules",
    "audit_report",
    "changes_feed",
    "notify_add",
    "notify_configured",
    "notify_counts",
    "notify_deliver",
    "notify_remove",
    "notify_targets",
    "notify_test",
    "compare_texts",
    "make_server",
    "AddResult",
    "ArticleSummary",
    "Audit",
    "Capture",
    "ClaimChange",
    "Comparison",
    "Export",
    "Extracted",
    "IngestReport",
    "NotifierFailed",
    "LogEntry",
    "Maintenance",
    "NewVersion",
    "Rebuild",
    "Reproduction",
    "Selection",
    "RulesChange",
    "RulesTest",
    "Store",
    "StoreSet",
    "TermMention",
    "TimelineEntry",
    "Verification",
    "Version",
    "VersionComparison",
    "VersionDiff",
    "VersionPair",
    "WatchOptions",
    "WatchReport",
    "WordDiff",
    "compare_versions",
    "default_store_path",
    "diff_versions",
    "export",
    "extract",
    "fetch_url",
    "import_sources",
    "maintain",
    "normalize_text",
    "parse_kinds",
    "parse_moment",
    "parse_time",
    "pull",
    "push",
    "read_file",
    "read_source",
    "read_stream",
    "rebuild",
    "reproduce",
    "select_changes",
    "rules_problems",
    "select_pair",
    "select_version",
    "set_rules",
    "sign",
    "Signing",
    "timestamp",
    "Timestamping",
    "snapshot",
    "term_coverage",
    "test_rules",
    "timeline",
    "verify",
    "watch",
    "watch_once",
    "word_diff",
    "write_feed",
]


def __getattr__(name: str) -> Any:
    home = _HOME_OF.get(name)
    if home is None:
        raise AttributeError(f"module 'archive' has no attribute {name!r}")
    module, attribute = home
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value
