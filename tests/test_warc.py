"""`archive import` of real WARC files, written with warcio from pages the tests write or fetch."""

from __future__ import annotations

import io
import json
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from conftest import STORY, WebServer, article_html, git, store_state
from warcio.capture_http import capture_http
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.ingest.sources import import_sources
from archive.store.repository import Store

URL = "https://news.example.org/world/troops-border"
EDITED = [STORY[0].replace("100,000", "120,000"), *STORY[1:3], "Talks will resume in Vienna, not Geneva."]


class Warc:
    """A WARC file being written record by record, with capture times the test chooses."""

    def __init__(self, path: Path, compress: bool = True) -> None:
        self.path = path
        self._handle = path.open("wb")
        self._writer = WARCWriter(self._handle, gzip=compress)

    def response(
        self,
        url: str,
        body: str | bytes,
        date: str,
        status: str = "200 OK",
        content_type: str = "text/html; charset=utf-8",
        extra: dict[str, str] | None = None,
    ) -> str:
        """Write a response record; return its payload digest (what a revisit refers to)."""
        payload = body.encode("utf-8") if isinstance(body, str) else body
        headers = StatusAndHeaders(
            status, [("Content-Type", content_type), ("Content-Length", str(len(payload)))], protocol="HTTP/1.1"
        )
        record = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(payload),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": date, **(extra or {})},
        )
        self._writer.write_record(record)
        return str(record.rec_headers.get_header("WARC-Payload-Digest"))

    def revisit(self, url: str, digest: str, date: str, original_url: str, original_date: str) -> None:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = self._writer.create_revisit_record(
            url, digest, original_url, original_date, http_headers=headers, warc_headers_dict={"WARC-Date": date}
        )
        self._writer.write_record(record)

    def request(self, url: str, date: str) -> None:
        headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example.org")], is_http_request=True)
        record = self._writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), http_headers=headers, warc_headers_dict={"WARC-Date": date}
        )
        self._writer.write_record(record)

    def close(self) -> Path:
        self._handle.close()
        return self.path


def crawl(path: Path, compress: bool = True) -> Path:
    """A small crawl: an article captured three times (edited once, then a revisit), an image, a 404, a CSS file."""
    warc = Warc(path, compress)
    warc.request(URL, "2024-03-01T08:00:00Z")
    first = warc.response(URL, article_html(), "2024-03-01T08:00:00Z")
    warc.response(
        "https://news.example.org/logo.png",
        b"\x89PNG\r\n\x1a\n" + bytes(64),
        "2024-03-01T08:00:01Z",
        content_type="image/png",
    )
    warc.response(
        "https://news.example.org/style.css", "body { color: black }", "2024-03-01T08:00:02Z", content_type="text/css"
    )
    warc.response(
        "https://news.example.org/missing",
        "<html><body>Not found</body></html>",
        "2024-03-01T08:00:03Z",
        status="404 Not Found",
    )
    # Written out of order: the edit was captured after the revisit below, so the revisit must come first.
    warc.response(
        URL, article_html(title="Troops massed at the border, officials say", paragraphs=EDITED), "2024-03-02T08:00:00Z"
    )
    warc.revisit(URL, first, "2024-03-01T20:00:00Z", URL, "2024-03-01T08:00:00Z")
    return warc.close()


def import_cli(run: Callable[..., Result], *sources: Path | str) -> Result:
    return run("import", *map(str, sources))


def test_warc_import_stores_html_responses_in_capture_order(store: Store, tmp_path: Path, run) -> None:
    warc = crawl(tmp_path / "crawl.warc.gz")
    result = import_cli(run, warc)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == ("6 records: 2 new versions, 1 unchanged, 3 skipped (1 HTTP error, 2 not HTML)")
    versions = store.versions(store.find_article(URL))
    assert [(v.number, v.captured_at.isoformat()) for v in versions] == [
        (1, "2024-03-01T08:00:00+00:00"),
        (2, "2024-03-02T08:00:00+00:00"),
    ]
    first, second = versions
    assert first.metadata["source"] == "warc" and first.url == URL
    assert first.metadata["http"] == {"status": 200, "content_type": "text/html; charset=utf-8"}
    assert "120,000" in store.text(second) and "100,000" in store.text(first)
    assert store.raw(first) == article_html().encode("utf-8")
    assert git(store.path, "status", "--porcelain") == ""


def test_reimporting_the_same_warc_adds_nothing(store_path: Path, tmp_path: Path, run) -> None:
    warc = crawl(tmp_path / "crawl.warc")
    assert import_cli(run, warc).exit_code == 0
    before = store_state(store_path)
    again = import_cli(run, warc)
    assert again.exit_code == 0
    assert again.stdout.startswith("6 records: 0 new versions, 3 unchanged")
    assert store_state(store_path) == before


def test_reimporting_two_edits_captured_in_one_second_adds_nothing(store_path: Path, tmp_path: Path, run) -> None:
    # WARC-Date has one-second resolution: a crawler that fetches a page twice in one second records
    # two captures with the same time, which must stay two versions and be recognized on a second import.
    warc = Warc(tmp_path / "burst.warc.gz")
    warc.response(URL, article_html(), "2024-03-01T08:00:00Z")
    warc.response(URL, article_html(paragraphs=EDITED), "2024-03-01T08:00:00Z")
    warc.close()
    assert import_cli(run, warc.path).stdout.startswith("2 records: 2 new versions")
    before = store_state(store_path)
    again = import_cli(run, warc.path)
    assert again.exit_code == 0 and again.stdout.startswith("2 records: 0 new versions, 2 unchanged")
    assert store_state(store_path) == before


def test_import_gives_the_same_commits_as_snapshots_one_at_a_time(tmp_path: Path) -> None:
    from archive.ingest.snapshot import snapshot
    from archive.ingest.warc import WarcRecord

    warc = crawl(tmp_path / "crawl.warc.gz")
    with Store.init(tmp_path / "bulk") as bulk:
        import_sources(bulk, [warc])
        bulk_head = bulk.head()
    with Store.init(tmp_path / "single") as single:
        for offset, date in _html_records(warc):
            snapshot(single, WarcRecord(str(warc), offset, URL).load(), at=date)
        assert single.head() == bulk_head


def _html_records(path: Path) -> list[tuple[int, object]]:
    """(offset, date) of the HTML 200 responses, oldest first, read with warcio directly."""
    from warcio.archiveiterator import ArchiveIterator

    from archive.model import parse_time

    found = []
    with path.open("rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            headers = record.http_headers
            html = "html" in (headers.get_header("Content-Type") or "") if headers else False
            if record.rec_type == "response" and headers.get_statuscode() == "200" and html:
                date = parse_time(record.rec_headers.get_header("WARC-Date"), end_of_day=False)
                records.read_to_end()
                found.append((records.get_record_offset(), date))
    return sorted(found, key=lambda item: item[1])


def test_a_real_http_capture_recorded_by_warcio_imports(store: Store, tmp_path: Path, web: WebServer, run) -> None:
    url = web.page("/news/story.html", article_html())
    warc = tmp_path / "live.warc.gz"
    with capture_http(str(warc)):
        urllib.request.urlopen(url, timeout=5).read()
    result = import_cli(run, warc, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["written"] == 1
    (version,) = store.versions(store.find_article(url))
    assert version.metadata["title"] == "Troops massed at the border"
    assert version.metadata["source"] == "warc"


def test_a_truncated_warc_keeps_the_records_before_the_damage(store: Store, tmp_path: Path, run) -> None:
    warc = Warc(tmp_path / "good.warc.gz")
    warc.response(URL, article_html(), "2024-03-01T08:00:00Z")
    warc.response(
        "https://news.example.org/other",
        article_html(title="Other story", canonical="https://news.example.org/other"),
        "2024-03-01T09:00:00Z",
    )
    data = warc.close().read_bytes()
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(data[: len(data) - 200])
    result = import_cli(run, broken)
    assert result.exit_code == 1
    assert "warning: broken.warc.gz: damaged at byte" in result.stderr
    assert "Traceback" not in result.output
    assert [a.article_id for a in store.articles()] == ["news.example.org-world-troops-border"]
    assert git(store.path, "status", "--porcelain") == ""
    git(store.path, "fsck", "--no-progress")


def test_garbage_and_a_bad_digest_are_reported_and_skipped(store: Store, tmp_path: Path, run) -> None:
    garbage = tmp_path / "garbage.warc"
    garbage.write_bytes(b"this is not a WARC file at all\n" * 20)
    tampered_path = tmp_path / "tampered.warc"
    warc = Warc(tampered_path, compress=False)
    warc.response(URL, article_html(), "2024-03-01T08:00:00Z")
    warc.close()
    # Change a figure in the stored page without updating its digests.
    tampered_path.write_bytes(tampered_path.read_bytes().replace(b"100,000", b"900,000"))
    good = Warc(tmp_path / "good.warc.gz")
    good.response(
        "https://news.example.org/other",
        article_html(title="Other story", canonical="https://news.example.org/other"),
        "2024-03-01T09:00:00Z",
    )
    good.close()
    result = import_cli(run, garbage, tampered_path, tmp_path / "good.warc.gz")
    assert result.exit_code == 1
    assert "garbage.warc: damaged at byte 0" in result.stderr
    assert "tampered.warc@0 " in result.stderr and "digest failed" in result.stderr
    assert "1 new version" in result.stdout and "1 bad digest" in result.stdout
    assert [a.article_id for a in store.articles()] == ["news.example.org-other"]


def test_a_page_over_the_size_cap_is_skipped(store: Store, tmp_path: Path) -> None:
    warc = Warc(tmp_path / "big.warc.gz")
    warc.response(URL, article_html(paragraphs=STORY * 200), "2024-03-01T08:00:00Z")
    warc.response(
        "https://news.example.org/other",
        article_html(title="Other story", canonical="https://news.example.org/other"),
        "2024-03-01T09:00:00Z",
    )
    warc.close()
    from archive.ingest.engine import IngestReport, ingest
    from archive.ingest.warc import scan_warcs

    report = IngestReport()
    captures = scan_warcs([tmp_path / "big.warc.gz"], report, max_bytes=64 * 1024)
    ingest(store, captures, report)
    assert report.skipped == {"too large": 1}
    assert report.written == 1
    assert "larger than" in report.problems[0]


def test_a_file_that_is_neither_warc_nor_folder_is_refused(run, tmp_path: Path, store_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(article_html())
    result = run("import", str(page))
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: ") and "archive snapshot" in result.stderr
    result = run("import", str(tmp_path / "missing.warc.gz"))
    assert result.exit_code == 4 and "no such file" in result.stderr
    assert git(store_path, "rev-list", "--all") == ""


def test_gzip_members_are_what_warcio_expects(tmp_path: Path) -> None:
    """The helper writes one gzip member per record, like real crawlers."""
    data = crawl(tmp_path / "crawl.warc.gz").read_bytes()
    members = []
    while data:  # gzip.decompress would join the members, so one member for the whole file would pass too
        member = zlib.decompressobj(zlib.MAX_WBITS | 16)
        members.append(member.decompress(data))
        data = member.unused_data
    assert len(members) == 7 and all(record.startswith(b"WARC/1.") for record in members)


def test_a_record_the_crawler_truncated_is_skipped(store: Store, tmp_path: Path) -> None:
    warc = Warc(tmp_path / "cut.warc.gz")
    warc.response(URL, article_html(), "2024-03-01T08:00:00Z", extra={"WARC-Truncated": "length"})
    warc.response(
        "https://news.example.org/other",
        article_html(title="Other story", canonical="https://news.example.org/other"),
        "2024-03-01T09:00:00Z",
    )
    report = import_sources(store, [warc.close()])
    assert report.skipped == {"truncated by the crawler": 1} and report.written == 1
    assert "WARC-Truncated: length" in report.problems[0]
