"""Trusted timestamps (RFC 3161): an outside authority's signed statement that a commit id existed at a time.

The message is the one signatures sign: the commit id as 40 lowercase hex
digits, no newline; the imprint sent to the time-stamping authority (TSA) is
its SHA-256. A commit id covers the whole history before it, so a token over
a write's last commit also dates every version before it. Each write (a
snapshot, one publication of the bulk path) asks for one token over its new
head; a TSA that is down or answers wrongly never blocks the write, which is
stored all the same, and ``archive timestamp`` asks again later. A token is
accepted only once it is checked (the imprint, our nonce, a chain to the
store's CA bundle), and is kept whole, the DER TimeStampResp in base64, as a
git note on ``refs/notes/archive-timestamps`` (docs/evidence.md), so that
``openssl ts -verify`` can check it too. ASN.1 and the CMS signature are
handled by Trail of Bits' ``rfc3161-client``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from archive.errors import InvalidInput, TimestampFailed
from archive.store.layout import EVIDENCE_REF, TIMESTAMPING_FILE, TIMESTAMPS_REF, TSA_CA_FILE
from archive.store.notes import read_files, read_notes

if TYPE_CHECKING:
    from archive.store.repository import Store

__all__ = [
    "CLOCK_ALLOWANCE",
    "Timestamping",
    "TokenCheck",
    "timestamp",
    "imprint",
    "request_token",
    "encode_note",
    "parse_ca_bundle",
    "tsa_settings",
    "check_token",
]

# How far a token's time may precede the recorded capture time: the five minutes a capture may be
# dated ahead of the writing machine's clock (archive.model.check_capture_time), plus the TSA's accuracy.
CLOCK_ALLOWANCE = timedelta(minutes=5)
TIMEOUT = 10.0  # seconds; a write waits this long at most for its token
_PROBE = "0" * 40  # the message of the token that tries a new TSA setting on an empty store (never kept)
_LARGEST_REPLY = 1 << 20


def imprint(commit: str) -> bytes:
    """The SHA-256 of the message, the commit id in hex: what a token must carry as its message imprint."""
    return hashlib.sha256(commit.encode("ascii")).digest()


def parse_ca_bundle(data: bytes) -> list[x509.Certificate]:
    """The certificates of a PEM bundle; InvalidInput when it holds none or cannot be read."""
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise InvalidInput("the CA bundle is not PEM certificates") from None
    return certificates


def tsa_settings(files: dict[str, bytes]) -> tuple[str | None, bytes | None]:
    """The TSA URL and CA bundle the evidence settings hold (None for each one missing)."""
    url = None
    if TIMESTAMPING_FILE in files:
        try:
            settings = yaml.safe_load(files[TIMESTAMPING_FILE].decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            settings = None
        if isinstance(settings, dict) and isinstance(settings.get("url"), str):
            url = settings["url"]
    return url, files.get(TSA_CA_FILE)


def request_token(url: str, commit: str, ca_bundle: bytes, timeout: float = TIMEOUT) -> bytes:
    """Ask the TSA at ``url`` for a token over ``commit``, check it, and return the response (DER).

    TimestampFailed, with the reason, when the TSA cannot be reached or answers with anything but
    a granted token over our imprint and nonce, signed by a certificate that chains to ``ca_bundle``.
    """
    request = TimestampRequestBuilder(
        data=commit.encode("ascii"), hash_algorithm=HashAlgorithm.SHA256, nonce=True, cert_req=True
    ).build()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(
                url,
                data=request.as_bytes(),
                headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
            ),
            timeout=timeout,
        ) as answer:
            body = answer.read(_LARGEST_REPLY + 1)
    except urllib.error.HTTPError as error:
        raise TimestampFailed(f"the time-stamping authority {url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise TimestampFailed(f"cannot reach the time-stamping authority {url}: {reason}") from None
    if len(body) > _LARGEST_REPLY:
        raise TimestampFailed(f"the time-stamping authority {url} sent more than 1 MiB")
    try:
        response = decode_timestamp_response(body)
    except ValueError:
        raise TimestampFailed(f"the time-stamping authority {url} did not answer with a time-stamp response") from None
    if response.status != PKIStatus.GRANTED:
        raise TimestampFailed(f"the time-stamping authority {url} refused: status {response.status}")
    if response.tst_info.message_imprint.message != imprint(commit):
        raise TimestampFailed(f"the time-stamping authority {url} answered with a token over another imprint")
    verifier = VerifierBuilder.from_request(request)
    for certificate in parse_ca_bundle(ca_bundle):
        verifier = verifier.add_root_certificate(certificate)
    try:
        verifier.build().verify(response, imprint(commit))
    except VerificationError as error:
        raise TimestampFailed(
            f"the token of {url} does not check against the store's CA bundle: {_why(error)}"
        ) from None
    return response.as_bytes()


def _why(error: VerificationError) -> str:
    """The useful part of a verification error (OpenSSL's own reason, when it gives one)."""
    found = re.search(r'Verify error: ([^"]+)', str(error))
    return found.group(1) if found else str(error)


def encode_note(response: bytes) -> bytes:
    """A response as its git note: base64 lines, so that ``git notes show`` prints text."""
    return base64.encodebytes(response)


# --- the store's setting, and catching up ----------------------------------------------------


@dataclass(frozen=True)
class Timestamping:
    """What ``timestamp`` did: the TSA it used, and the commit it stamped (None when all was covered)."""

    tsa: str | None
    stamped: str | None  # the commit the new token is over
    covered: int  # versions that no token covered before, and the new one covers
    versions: int


def timestamp(store: Store, tsa: str | None = None, ca_bundle: Path | None = None) -> Timestamping:
    """Set the store's TSA (``tsa`` and ``ca_bundle``, given together), then stamp what no token covers yet.

    A token over the branch head covers every version (each commit id covers
    its history), so one request catches up any backlog. Every failure comes
    before anything is written: the store is then as it was. A new TSA or CA
    bundle is kept only once a token from it checks against it.
    """
    files = read_files(store, EVIDENCE_REF)
    url, bundle = tsa_settings(files)
    changes: dict[str, bytes | None] = {}
    if tsa is not None:
        if not tsa.lower().startswith(("http://", "https://")):
            raise InvalidInput(f"--tsa must be an http(s) URL, not {tsa!r}")
        url = tsa
        changes[TIMESTAMPING_FILE] = yaml.safe_dump({"url": tsa}, sort_keys=True).encode("utf-8")
    if ca_bundle is not None:
        try:
            bundle = ca_bundle.read_bytes()
        except OSError as error:
            raise InvalidInput(f"cannot read the CA bundle {ca_bundle}: {error.strerror}") from None
        parse_ca_bundle(bundle)
        changes[TSA_CA_FILE] = bundle
    if url is None or bundle is None:
        raise TimestampFailed("the store has no time-stamping authority: give --tsa URL and --ca-bundle FILE")
    versions = store.log()
    head = store.head()
    stamped = read_notes(store, TIMESTAMPS_REF)
    uncovered = 0
    for entry in versions:  # newest first
        if entry.commit in stamped:
            break
        uncovered += 1
    with store.writing_beside() as beside:
        when = versions[0].captured_at if versions else datetime(1970, 1, 1, tzinfo=UTC)
        target = head if head is not None and head not in stamped else None
        if target is not None:
            token = request_token(url, target, bundle)
            beside.add_notes(TIMESTAMPS_REF, {target: encode_note(token)}, when, "archive: timestamp")
        elif changes:  # a new TSA or CA bundle is tried before it is kept: a token over the head, or a probe
            request_token(url, head or _PROBE, bundle)
        if changes:
            beside.put_files(EVIDENCE_REF, changes, when, "archive: time-stamping authority")
    return Timestamping(tsa=url, stamped=target, covered=uncovered if target else 0, versions=len(versions))


# --- checking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenCheck:
    """What checking one token found: ``problem`` None, or ``bad``, ``imprint``, ``chain`` or ``time``."""

    problem: str | None
    message: str
    time: datetime | None = None


def check_token(
    note: bytes, commit: str, captured_at: datetime | None, roots: Sequence[x509.Certificate]
) -> TokenCheck:
    """Check a stored token offline: readable and granted, over this commit, chained to ``roots``, and not
    dated before the capture time (less ``CLOCK_ALLOWANCE`` and the TSA's accuracy)."""
    try:
        response: TimeStampResponse = decode_timestamp_response(base64.b64decode(note, validate=False))
    except ValueError as error:
        return TokenCheck("bad", f"the timestamp token cannot be read: {error}")
    if response.status != PKIStatus.GRANTED:
        return TokenCheck("bad", f"the timestamp response is not a granted token (status {response.status})")
    info = response.tst_info
    moment = info.gen_time.replace(tzinfo=UTC) if info.gen_time.tzinfo is None else info.gen_time
    if info.message_imprint.message != imprint(commit):
        return TokenCheck("imprint", "the timestamp token is over another imprint than this commit's", moment)
    verifier = VerifierBuilder()
    for certificate in roots:
        verifier = verifier.add_root_certificate(certificate)
    try:
        verifier.build().verify(response, imprint(commit))
    except VerificationError as error:
        return TokenCheck(
            "chain", f"the timestamp token does not check against the store's CA bundle: {_why(error)}", moment
        )
    if captured_at is not None:
        accuracy = timedelta(seconds=info.accuracy.seconds) if info.accuracy is not None else timedelta(0)
        if moment + CLOCK_ALLOWANCE + accuracy < captured_at:
            return TokenCheck(
                "time",
                f"the timestamp token's time, {moment:%Y-%m-%dT%H:%M:%SZ}, is before the recorded capture time "
                f"{captured_at:%Y-%m-%dT%H:%M:%SZ}",
                moment,
            )
    return TokenCheck(None, f"timestamped {moment:%Y-%m-%dT%H:%M:%SZ}", moment)
