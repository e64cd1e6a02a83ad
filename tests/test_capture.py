"""URL fetching against a real HTTP server on 127.0.0.1."""

import socket

import pytest
from conftest import WebServer, article_html

from archive.capture.fetch import USER_AGENT, fetch_url, read_file
from archive.errors import InvalidInput, SourceUnavailable


def test_fetch_returns_body_status_type_and_sends_a_clear_user_agent(web: WebServer) -> None:
    url = web.page("/story", article_html())
    capture = fetch_url(url)
    assert capture.raw == article_html().encode()
    assert (capture.http_status, capture.media_type, capture.charset) == (200, "text/html", "utf-8")
    assert capture.url == capture.final_url == url
    assert web.requests[0][1]["User-Agent"] == USER_AGENT


def test_redirects_are_followed_and_the_final_url_recorded(web: WebServer) -> None:
    final = web.page("/final", article_html())
    start = web.page("/old", b"", status=301, headers={"Location": "/final"})
    capture = fetch_url(start)
    assert capture.url == start and capture.final_url == final


def test_charset_from_the_header_is_kept_for_decoding(web: WebServer) -> None:
    body = article_html(paragraphs=["Der Bürgermeister sagte, die Brücke über die Straße werde gesperrt."])
    url = web.page(
        "/de", body.encode("iso-8859-1", "replace"), headers={"Content-Type": "text/html; charset=ISO-8859-1"}
    )
    assert fetch_url(url).charset == "ISO-8859-1"


@pytest.mark.parametrize(("status", "reason"), [(404, "HTTP 404"), (500, "HTTP 500"), (403, "HTTP 403")])
def test_error_statuses_are_refused(web: WebServer, status: int, reason: str) -> None:
    url = web.page("/error", b"<html>error</html>", status=status)
    with pytest.raises(SourceUnavailable, match=reason):
        fetch_url(url)


def test_non_text_content_is_refused(web: WebServer) -> None:
    url = web.page("/photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, headers={"Content-Type": "image/png"})
    with pytest.raises(SourceUnavailable, match=r"not a web page or text \(image/png\)"):
        fetch_url(url)


def test_slow_server_times_out(web: WebServer) -> None:
    url = web.page("/slow", article_html(), delay=3)
    with pytest.raises(SourceUnavailable, match=r"timed out after 0\.5 s"):
        fetch_url(url, timeout=0.5)


def test_refused_connection_is_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceUnavailable, match="cannot connect"):
        fetch_url(f"http://127.0.0.1:{port}/story")


def test_bodies_over_the_size_cap_are_refused(web: WebServer) -> None:
    url = web.page("/huge", b"<html>" + b"x" * 5000 + b"</html>")
    with pytest.raises(SourceUnavailable, match="larger than"):
        fetch_url(url, max_bytes=1000)


def test_only_http_urls_are_fetched() -> None:
    with pytest.raises(InvalidInput):
        fetch_url("file:///etc/passwd")


def test_missing_and_unreadable_files_are_reported(tmp_path) -> None:
    with pytest.raises(SourceUnavailable, match="no such file"):
        read_file(tmp_path / "missing.html")
    with pytest.raises(SourceUnavailable, match="is a directory"):
        read_file(tmp_path)
