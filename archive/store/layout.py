"""Store format 1, on disk: where each file of a store lives (``docs/store-format.md``).

The only module that knows paths in the store's tree, and the names of the
local state kept beside it in the git directory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = [
    "default_store_path",
    "FORMAT_VERSION",
    "BRANCH",
    "MARKER_FILE",
    "RULES_FILE",
    "ARTICLES_DIR",
    "SHARD_LEVELS",
    "LAYOUT",
    "TEXT_FILE",
    "META_FILE",
    "PRIVATE_DIR",
    "LOCK_FILE",
    "LOOKUP_FILE",
    "PAGES_FILE",
    "PENDING_FILE",
    "JOURNAL_FILE",
    "VERIFIED_FILE",
    "SIGNATURES_REF",
    "EVIDENCE_REF",
    "ALLOWED_SIGNERS_FILE",
    "SIGNING_KEY_SETTING",
    "TIMESTAMPS_REF",
    "TIMESTAMPING_FILE",
    "TSA_CA_FILE",
    "BESIDE_REFS",
    "article_dir",
    "article_of_path",
    "raw_file_name",
]

FORMAT_VERSION = 1
BRANCH = "refs/heads/main"
MARKER_FILE = "archive.yaml"
# The noise rules (docs/rules.md), at the top of the tree, changed only by commits of their own.
RULES_FILE = "rules.yaml"
ARTICLES_DIR = "articles"
SHARD_LEVELS = 4  # directories between ARTICLES_DIR and an article's, one hex digit each (see article_dir)
LAYOUT = "articles/<a>/<b>/<c>/<d>/<id>/"  # as the store marker describes it
TEXT_FILE = "text.txt"
META_FILE = "meta.yaml"

# Local state, in this directory of the git directory: never committed, rebuildable or disposable.
PRIVATE_DIR = "archive"
LOCK_FILE = "lock"  # held by the one writer
LOOKUP_FILE = "index.sqlite3"  # the lookup cache (archive.store.lookup)
PAGES_FILE = "pages.sqlite3"  # the viewer's diff pages, rendered (archive.web.cache)
PENDING_FILE = "checkout-pending"  # a working-tree checkout that a crash may have interrupted
JOURNAL_FILE = "captures.jsonl"  # captures that found no change, and so made no commit
VERIFIED_FILE = "verified.sqlite3"  # the head the last `verify --since-verified` found OK (archive.audit.verified)

# Evidence beside the history (docs/evidence.md): refs that never change a commit id, pushed and pulled with it.
SIGNATURES_REF = "refs/notes/archive-signatures"  # git notes: version commit -> its SSH signature
EVIDENCE_REF = "refs/archive/evidence"  # a commit whose tree holds the store's evidence settings:
ALLOWED_SIGNERS_FILE = "allowed_signers"  # the keys whose signatures count (ssh-keygen's format)
TIMESTAMPING_FILE = "timestamping.yaml"  # the time-stamping authority's URL
TSA_CA_FILE = "tsa-ca.pem"  # the certificates a TSA's must chain to (PEM)
TIMESTAMPS_REF = "refs/notes/archive-timestamps"  # git notes: commit -> an RFC 3161 time-stamp response
SIGNING_KEY_SETTING = ("archive", "signingKey")  # .git/config, local: the collector's private key file
BESIDE_REFS = (SIGNATURES_REF, TIMESTAMPS_REF, EVIDENCE_REF)  # what `archive push` and `pull` carry besides the branch


def article_dir(article_id: str) -> str:
    """Where an article lives: ``articles/a/b/c/d/<id>``, where ``abcd…`` is the sha256 of its id in hex.

    A commit rewrites every tree on its article's path, so their size is what
    a commit costs in time and disk. Four levels of 16 give 65,536 leaves and
    keep every tree on the path small (16 entries, and about 15 articles in
    a leaf at a million): about 2 KB of trees a commit, where two levels of
    256 cost 15 KB.
    """
    digest = hashlib.sha256(article_id.encode("utf-8")).hexdigest()
    return "/".join((ARTICLES_DIR, *digest[:SHARD_LEVELS], article_id))


def article_of_path(path: str) -> str | None:
    """The article whose directory a path in the store is in (by its place, even a misplaced one), else None."""
    parts = path.split("/")
    depth = SHARD_LEVELS + 1
    return parts[depth] if len(parts) > depth + 1 and parts[0] == ARTICLES_DIR else None


def raw_file_name(media_type: str) -> str:
    """The raw capture's file name, its extension telling how it was read."""
    if media_type in ("text/html", "application/xhtml+xml"):
        return "raw.html"
    if media_type in ("text/markdown", "text/x-markdown"):
        return "raw.md"
    return "raw.txt"


def default_store_path() -> Path:
    """Where the store is when no --store names it: ``ARCHIVE_STORE`` if set, else ``./snapshots``."""
    return Path(os.environ.get("ARCHIVE_STORE") or "snapshots")
