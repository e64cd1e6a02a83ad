"""``archive import``: WARC files and folders of saved pages, into the store in one bulk ingest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from archive.capture.fetch import MAX_BYTES
from archive.errors import SourceUnavailable
from archive.ingest.engine import IngestReport, Pending, Progress, ingest
from archive.ingest.folder import scan_folder
from archive.ingest.warc import scan_warcs
from archive.store.repository import Store

__all__ = ["WARC_SUFFIXES", "scan_sources", "import_sources"]

WARC_SUFFIXES = (".warc", ".warc.gz")


def scan_sources(paths: Sequence[str | Path], report: IngestReport, max_bytes: int = MAX_BYTES) -> list[Pending]:
    """The captures in WARC files and folders; anything else is refused before anything is read."""
    warcs, folders = [], []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            folders.append(path)
        elif path.name.lower().endswith(WARC_SUFFIXES):
            if not path.is_file():
                raise SourceUnavailable(f"no such file: {path}")
            warcs.append(path)
        elif not path.exists():
            raise SourceUnavailable(f"no such file or folder: {path}")
        else:
            raise SourceUnavailable(
                f"{path} is neither a WARC file (.warc, .warc.gz) nor a folder "
                "(to add a single page, use `archive snapshot`)"
            )
    captures = scan_warcs(warcs, report, max_bytes)
    for folder in folders:
        captures.extend(scan_folder(folder, report, max_bytes))
    return captures


def import_sources(
    store: Store,
    paths: Sequence[str | Path],
    progress: Progress | None = None,
    jobs: int | None = None,
    scanned: Progress | None = None,
) -> IngestReport:
    """Import every HTML response of the WARC files and every page of the folders, oldest capture first.

    Importing the same sources again adds nothing: each capture equals the
    version it made. ``scanned`` is called once the sources are read and
    the number of captures is known (``report.records`` still counts only
    those left out so far).
    """
    report = IngestReport()
    captures = scan_sources(paths, report)
    report.expected = report.records + len(captures)
    if scanned is not None:
        scanned(report)
    return ingest(store, captures, report=report, progress=progress, jobs=jobs)
