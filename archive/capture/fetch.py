"""Getting the bytes of an article: from a URL, a file or stdin.

This is the only module that touches the network. A ``Capture`` holds the
raw bytes exactly as received, plus what the transport said about them
(status, content type, final URL), so that extraction can be re-run on it
later and give the same text.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from archive.errors import InvalidInput, SourceUnavailable
from archive.version import __version__

if TYPE_CHECKING:
    import http.client

__all__ = [
    "read_source",
    "Capture",
    "USER_AGENT",
    "DEFAULT_TIMEOUT",
    "MAX_BYTES",
    "fetch_url",
    "Fetched",
    "fetch",
    "read_file",
    "read_stream",
    "is_url",
    "media_type_of",
    "parse_content_type",
]

USER_AGENT = f"archive/{__version__} (news article version archiver; Python-urllib)"
DEFAULT_TIMEOUT = 20.0
MAX_BYTES = 20 * 1024 * 1024

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
_SUFFIX_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
}


@dataclass(frozen=True)
class Capture:
    """The raw bytes of one capture and what the transport said about them."""

    raw: bytes
    source: str
    media_type: str
    url: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None
    captured_at: datetime | None = None

    @property
    def is_html(self) -> bool:
        return self.media_type in HTML_TYPES


def is_url(location: str) -> bool:
    """True for http(s) URLs, the only schemes ``fetch_url`` accepts."""
    return location.lower().startswith(("http://", "https://"))


def parse_content_type(header: str | None) -> tuple[str | None, str | None]:
    """``text/html; charset=UTF-8`` -> (``text/html``, ``UTF-8``)."""
    if not header:
        return None, None
    from email.message import Message  # imported here: a capture from a file or stdin has no header to read

    message = Message()
    message["content-type"] = header
    charset = message.get_param("charset")
    return message.get_content_type(), charset if isinstance(charset, str) else None


_HTML_FRAGMENT = re.compile(rb"<(?:head|main|article|section|div|p|h[1-6]|header|meta|title|link|span|table)\b")


def media_type_of(raw: bytes, name: str | None = None, declared: str | None = None) -> str:
    """The media type to extract ``raw`` as: the declared one, else the file suffix, else a sniff."""
    if declared in HTML_TYPES or declared in TEXT_TYPES:
        return declared
    if name:
        suffix_type = _SUFFIX_TYPES.get(Path(name).suffix.lower())
        if suffix_type:
            return suffix_type
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in raw[:65536].lower():
        return "text/html"
    if _HTML_FRAGMENT.match(head):
        return "text/html"  # a page's body or a piece of it, as copied or piped
    return "text/plain"


def _read_capped(stream: BinaryIO, max_bytes: int, what: str) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SourceUnavailable(f"{what} is larger than the {max_bytes // (1024 * 1024)} MiB limit")
    return data


def _incomplete(url: str, received: int, expected: int | None) -> str:
    of = f" of {expected}" if expected else ""
    return f"{url}: the body was incomplete (received {received}{of} bytes before the connection closed)"


def _read_whole(response: http.client.HTTPResponse, max_bytes: int, url: str) -> bytes:
    """The whole body, or SourceUnavailable: a body cut short of its Content-Length (or a chunked body
    without its last chunk) would be stored as a version that ends mid-sentence, and the next full capture
    would show as an edit."""
    import http.client

    parts: list[bytes] = []
    received = 0
    try:
        while received <= max_bytes:
            part = response.read(min(65536, max_bytes + 1 - received))
            if not part:
                break
            parts.append(part)
            received += len(part)
    except http.client.IncompleteRead as error:
        raise SourceUnavailable(_incomplete(url, received + len(error.partial), None)) from None
    if received > max_bytes:
        raise SourceUnavailable(f"{url} is larger than the {max_bytes // (1024 * 1024)} MiB limit")
    declared = response.headers.get("Content-Length")
    if declared and declared.strip().isdigit() and response.status != 304 and received < int(declared):
        raise SourceUnavailable(_incomplete(url, received, int(declared)))
    return b"".join(parts)


def fetch_url(
    url: str,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    user_agent: str = USER_AGENT,
) -> Capture:
    """GET ``url``, following redirects, and return the body as received.

    Refuses error statuses, responses that are not HTML or text, and bodies
    over ``max_bytes``; each becomes a ``SourceUnavailable`` naming the cause.
    """
    accept = "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,*/*;q=0.1"
    return fetch(url, accept=accept, timeout=timeout, max_bytes=max_bytes, user_agent=user_agent).capture()


@dataclass(frozen=True)
class Fetched:
    """A conditional GET's answer: a body, or ``not_modified`` (HTTP 304) when the validators still hold."""

    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def capture(self, source: str = "url") -> Capture:
        """The page as a Capture; refuses what is not a web page or text."""
        media_type, charset = parse_content_type(self.content_type)
        if media_type is not None and media_type not in HTML_TYPES | TEXT_TYPES:
            raise SourceUnavailable(f"{self.url}: not a web page or text ({media_type})")
        return Capture(
            raw=self.body,
            source=source,
            media_type=media_type_of(self.body, declared=media_type),
            url=self.url,
            final_url=self.final_url,
            http_status=self.status,
            content_type=self.content_type,
            charset=charset,
        )


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: str = "*/*",
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    user_agent: str = USER_AGENT,
) -> Fetched:
    """GET ``url`` with ``If-None-Match``/``If-Modified-Since`` from an earlier answer, following redirects.

    For feeds and watched pages: a 304 costs the server and us almost
    nothing. Errors, timeouts and bodies over ``max_bytes`` raise SourceUnavailable.
    """
    import http.client  # imported here: most commands never touch the network
    import socket
    import urllib.error
    import urllib.request

    if not is_url(url):
        raise InvalidInput(f"not an http(s) URL: {url!r}")
    headers = {"User-Agent": user_agent, "Accept": accept, "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
            declared_length = response.headers.get("Content-Length")
            if declared_length and declared_length.isdigit() and int(declared_length) > max_bytes:
                raise SourceUnavailable(f"{url}: larger than the {max_bytes // (1024 * 1024)} MiB limit")
            body = _read_whole(response, max_bytes, url)
            return Fetched(
                url=url,
                final_url=response.geturl(),
                status=response.status,
                body=body,
                content_type=response.headers.get("Content-Type"),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Fetched(url, url, 304, b"", None, error.headers.get("ETag") or etag, last_modified)
        if 300 <= error.code < 400:  # urllib gives up on a loop, or past 10 redirects, with a 3xx and three lines
            raise SourceUnavailable(f"{url}: too many redirects (a redirect loop?)") from None
        raise SourceUnavailable(f"{url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, (socket.timeout, TimeoutError)):
            raise SourceUnavailable(f"{url}: timed out after {timeout:g} s") from None
        raise SourceUnavailable(f"{url}: cannot connect ({error.reason})") from None
    except TimeoutError:
        raise SourceUnavailable(f"{url}: timed out after {timeout:g} s") from None
    except (ConnectionError, OSError) as error:
        raise SourceUnavailable(f"{url}: connection failed ({error})") from None
    except http.client.IncompleteRead as error:
        raise SourceUnavailable(_incomplete(url, len(error.partial), error.expected)) from None
    except http.client.HTTPException as error:
        raise SourceUnavailable(f"{url}: broken HTTP response ({type(error).__name__})") from None
    except ValueError as error:
        raise InvalidInput(f"not a usable URL: {url!r} ({error})") from None


def read_file(path: str | Path, max_bytes: int = MAX_BYTES) -> Capture:
    """Read a saved page or text file byte for byte."""
    file_path = Path(path)
    try:
        with file_path.open("rb") as stream:
            raw = _read_capped(stream, max_bytes, str(file_path))
    except FileNotFoundError:
        raise SourceUnavailable(f"no such file: {file_path}") from None
    except IsADirectoryError:
        raise SourceUnavailable(f"is a directory, not a file: {file_path}") from None
    except PermissionError:
        raise SourceUnavailable(f"permission denied: {file_path}") from None
    except OSError as error:
        raise SourceUnavailable(f"cannot read {file_path}: {error.strerror or error}") from None
    return Capture(raw=raw, source="file", media_type=media_type_of(raw, name=file_path.name))


def read_stream(stream: BinaryIO | None = None, max_bytes: int = MAX_BYTES) -> Capture:
    """Read a capture from standard input (or any binary stream)."""
    raw = _read_capped(stream or sys.stdin.buffer, max_bytes, "standard input")
    return Capture(raw=raw, source="stdin", media_type=media_type_of(raw))


# ``scheme:`` at the start of a source that is not a file: RFC 3986's scheme syntax.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def read_source(
    source: str,
    stdin: BinaryIO | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
) -> Capture:
    """Read ``source``: an http(s) URL, ``-`` for standard input, or a file path."""
    if source == "-":
        return read_stream(stdin, max_bytes)
    if is_url(source):
        return fetch_url(source, timeout=timeout, max_bytes=max_bytes)
    scheme = _SCHEME.match(source)
    if scheme and not Path(source).exists():  # a file may be named "notes:2024.txt"
        raise InvalidInput(
            f"unsupported URL scheme '{scheme.group(1).lower()}:' in {source} "
            "(a source is an http(s) URL, a file, or - for standard input)"
        )
    return read_file(source, max_bytes)
