"""Reading web captures from WARC files (ISO 28500), as the Wayback Machine, Webrecorder and crawlers write them.

A scan reads every record once, checking its digests, and keeps only where
each HTML response is (file and offset), so a file of any size costs little
memory; the workers of an ingest read the records again from there. A
revisit record says "at this time the page was the same as that earlier
capture": it becomes a capture at its own time with the earlier record's
body, which the store then finds unchanged (or, if the article changed in
between, changed back).
"""

from __future__ import annotations

import contextlib
import io
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from archive.capture.fetch import HTML_TYPES, MAX_BYTES, Capture, media_type_of, parse_content_type
from archive.errors import InvalidInput, SourceUnavailable
from archive.ingest.engine import IngestReport, Pending
from archive.model import parse_time

__all__ = ["WarcRecord", "scan_warcs"]

_IDENTICAL = "identical-payload-digest"
_NOT_MODIFIED = "server-not-modified"
# Everything warcio may raise on a damaged file: bad gzip, a short read, a header it cannot parse.
_DAMAGE = (ArchiveLoadFailed, EOFError, zlib.error, ValueError, IndexError, KeyError)


@dataclass(frozen=True)
class WarcRecord:
    """A response record in a WARC file, read again by ``load`` (in a worker process)."""

    path: str
    offset: int
    url: str  # the capture's URL: the record's own, or a revisit's
    max_bytes: int = MAX_BYTES

    def load(self) -> Capture:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                with contextlib.redirect_stderr(io.StringIO()):
                    record = next(iter(ArchiveIterator(handle)))
                    status, content_type = _http_facts(record)
                    raw = record.content_stream().read(self.max_bytes + 1)
        except OSError as error:
            raise SourceUnavailable(f"cannot read {self.path}: {error.strerror or error}") from None
        except (*_DAMAGE, StopIteration) as error:
            raise SourceUnavailable(f"damaged record ({_describe(error)})") from None
        if len(raw) > self.max_bytes:
            raise SourceUnavailable(f"larger than the {self.max_bytes // (1024 * 1024)} MiB limit")
        media_type, charset = parse_content_type(content_type)
        return Capture(
            raw=raw,
            source="warc",
            media_type=media_type_of(raw, declared=media_type),
            url=self.url,
            http_status=status,
            content_type=content_type,
            charset=charset,
        )


def _http_facts(record: ArcWarcRecord) -> tuple[int | None, str | None]:
    headers = record.http_headers
    if headers is None:
        return None, record.rec_headers.get_header("Content-Type")
    try:
        status = int(headers.get_statuscode())
    except (TypeError, ValueError):
        status = None
    return status, headers.get_header("Content-Type")


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


@dataclass(frozen=True)
class _Revisit:
    label: str
    url: str
    captured_at: datetime
    profile: str
    payload_digest: str | None
    refers_to: str | None


class _Scan:
    """The captures found in a set of WARC files, and what was left out."""

    def __init__(self, report: IngestReport, max_bytes: int) -> None:
        self.report = report
        self.max_bytes = max_bytes
        self.captures: list[Pending] = []
        self.by_digest: dict[str, WarcRecord] = {}
        self.by_record_id: dict[str, WarcRecord] = {}
        self.revisits: list[_Revisit] = []

    def file(self, path: Path) -> None:
        name = path.name
        try:
            handle = path.open("rb")
        except OSError as error:
            raise SourceUnavailable(f"cannot read {path}: {error.strerror or error}") from None
        offset = 0
        with handle, contextlib.redirect_stderr(io.StringIO()) as warcio_warnings:
            records = ArchiveIterator(handle, check_digests=True)
            try:
                for record in records:
                    offset = records.offset
                    self.record(path, name, record, records)
            except _DAMAGE as error:
                self.report.skip(
                    "damaged",
                    f"{name}: damaged at byte {offset} ({_describe(error)}); the rest of the file was skipped",
                )
        if "Content-Length is invalid" in warcio_warnings.getvalue():
            self.report.problems.append(f"{name}: a record's Content-Length does not match its data")

    def record(self, path: Path, name: str, record: ArcWarcRecord, records: ArchiveIterator) -> None:
        if record.format != "warc":
            # warcio falls back to reading any text as ARC headers: here that means garbage.
            raise ValueError("not a WARC record")
        kind = record.rec_type
        if kind not in ("response", "revisit"):
            return  # request, metadata, warcinfo, resource…: not captures of a page
        headers = record.rec_headers
        url = headers.get_header("WARC-Target-URI") or ""
        date = headers.get_header("WARC-Date") or ""
        status, content_type = _http_facts(record)
        records.read_to_end()  # reads the block, so its digests get checked
        offset = records.get_record_offset()
        label = f"{name}@{offset} {url}"
        missing = getattr(record.raw_stream, "limit", 0)
        if missing:
            # warcio reads a record cut short by the end of the file without complaint.
            raise EOFError(f"the file ends {missing} bytes into a record")
        problems = record.digest_checker.problems if record.digest_checker else []
        if problems:
            self.report.skip("bad digest", f"{label}: {problems[0]}")
            return
        try:
            captured_at = parse_time(date, end_of_day=False)
        except InvalidInput:
            self.report.skip("damaged", f"{label}: WARC-Date {date!r} is not a date")
            return
        if kind == "revisit":
            profile = (headers.get_header("WARC-Profile") or "").rsplit("/", 1)[-1]
            digest, refers_to = headers.get_header("WARC-Payload-Digest"), headers.get_header("WARC-Refers-To")
            self.revisits.append(_Revisit(label, url, captured_at, profile, digest, refers_to))
            return
        if not url.lower().startswith(("http://", "https://")):
            self.report.skip("not HTTP")
            return
        if status is None or not 200 <= status < 300:
            self.report.skip("HTTP error" if status is None or status >= 400 else "redirect or other status")
            return
        media_type, _ = parse_content_type(content_type)
        if media_type not in HTML_TYPES and media_type is not None:
            self.report.skip("not HTML")
            return
        truncated = headers.get_header("WARC-Truncated")
        if truncated:
            # The crawler stopped reading the page (length, time): its text would be a fragment.
            self.report.skip("truncated by the crawler", f"{label}: WARC-Truncated: {truncated}")
            return
        if record.payload_length > self.max_bytes:
            self.report.skip("too large", f"{label}: larger than the {self.max_bytes // (1024 * 1024)} MiB limit")
            return
        source = WarcRecord(str(path), offset, url, self.max_bytes)
        digest = headers.get_header("WARC-Payload-Digest")
        if digest:
            self.by_digest.setdefault(digest, source)
        record_id = headers.get_header("WARC-Record-ID")
        if record_id:
            self.by_record_id.setdefault(record_id, source)
        self.captures.append(Pending(captured_at, source, label))

    def resolve_revisits(self) -> None:
        """Each revisit becomes a capture of its own URL and time with the body of the record it points to."""
        for revisit in self.revisits:
            original = None
            if revisit.profile == _IDENTICAL and revisit.payload_digest:
                original = self.by_digest.get(revisit.payload_digest)
            if original is None and revisit.refers_to:
                original = self.by_record_id.get(revisit.refers_to)
            if original is None:
                self.report.skip("revisit of a record not in the input")
                continue
            source = WarcRecord(original.path, original.offset, revisit.url, self.max_bytes)
            self.captures.append(Pending(revisit.captured_at, source, revisit.label))


def scan_warcs(paths: list[Path], report: IngestReport, max_bytes: int = MAX_BYTES) -> list[Pending]:
    """The HTML captures in WARC files (``.warc`` or ``.warc.gz``), counting in ``report`` what is left out.

    Non-HTML responses, error statuses, records with a bad digest and damaged
    files are counted (and the damage reported); a damaged file still yields
    the records before the damage.
    """
    scan = _Scan(report, max_bytes)
    for path in paths:
        scan.file(path)
    scan.resolve_revisits()
    return scan.captures
