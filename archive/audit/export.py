"""Export for other tools: a BagIt bag (RFC 8493), a WARC/1.1 file, or JSON Lines.

Each export holds every version of every article, read from git (never the
working tree), and checks each file against the sha256 that its metadata
records first: an export never passes on a damaged version. Exports are
deterministic: the same store gives the same bytes. Where a format wants a
date of its own (BagIt's Bagging-Date, the warcinfo record's WARC-Date) it
gets the newest capture time, not the clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.errors import InvalidInput, StoreCorrupt
from archive.store.history import StoreHistory, parse_metadata, read_history, version_files
from archive.store.layout import META_FILE, TEXT_FILE
from archive.store.repository import Store
from archive.version import __version__

__all__ = [
    "file_target_folder",
    "FORMATS",
    "ExportedVersion",
    "Export",
    "export",
    "export_bagit",
    "export_warc",
    "export_jsonl",
    "refuse_inside_store",
]

FORMATS = ("bagit", "warc", "jsonl", "sqlite", "wacz")
# Record ids are name-based UUIDs (RFC 4122 v5) of the commit, so the same store exports the same WARC.
_NAMESPACE = uuid.UUID("9a1f3c52-4b7e-5d2a-8c61-0e3f4a5b6c7d")


@dataclass(frozen=True)
class ExportedVersion:
    """One version as the exports see it: its place in history, metadata and the bytes of its files."""

    article: str
    number: int
    commit: str
    metadata: Mapping[str, Any]
    text: bytes
    raw: bytes
    meta_yaml: bytes

    @property
    def ref(self) -> str:
        return f"{self.article}@{self.number}"


@dataclass(frozen=True)
class Export:
    """What was written: the format, where, how many versions and files, and the head it reflects."""

    format: str
    path: str
    head: str | None
    versions: int
    files: int
    bytes: int


def exported_versions(store: Store) -> tuple[StoreHistory, list[ExportedVersion]]:
    """Every version, checked against its recorded sha256s; StoreCorrupt names the first that fails."""
    history = read_history(store)
    versions = []
    for version, contents in version_files(store, history.versions):
        ref = f"{version.article_id}@{version.number}"
        metadata, problem = parse_metadata(contents.get(META_FILE))
        if metadata is None or version.number is None:
            raise StoreCorrupt(f"cannot export {ref}: {problem or 'no version number'}; run `archive verify`")
        raw_name = (metadata.get("raw") or {}).get("file")
        text, raw = contents.get(TEXT_FILE), contents.get(raw_name) if isinstance(raw_name, str) else None
        if text is None or raw is None:
            raise StoreCorrupt(f"cannot export {ref}: a file is missing or unreadable; run `archive verify`")
        for name, data, recorded in (
            (TEXT_FILE, text, metadata["text"]["sha256"]),
            (raw_name, raw, metadata["raw"]["sha256"]),
        ):
            if hashlib.sha256(data).hexdigest() != recorded:
                raise StoreCorrupt(
                    f"cannot export {ref}: {name} does not have the sha256 its metadata records; run `archive verify`"
                )
        meta_yaml = contents[META_FILE] or b""
        versions.append(
            ExportedVersion(version.article_id, version.number, version.commit.commit, metadata, text, raw, meta_yaml)
        )
    return history, versions


def export(store: Store, format: str, target: str | Path, force: bool = False) -> Export:
    """Write the whole store to ``target`` in ``format`` (one of FORMATS).

    An existing target is refused unless ``force``, which replaces it (a file, or an earlier bag) only once
    the new export is complete; a target inside the store is always refused."""
    writers = {"bagit": export_bagit, "warc": export_warc, "jsonl": export_jsonl}
    if format == "sqlite":  # in its own module, which builds on this one
        from archive.audit.database import export_sqlite

        return export_sqlite(store, target, force)
    if format == "wacz":  # made from the WARC export, in its own module
        from archive.audit.wacz import export_wacz

        return export_wacz(store, target, force)
    if format not in writers:
        raise InvalidInput(f"unknown export format {format!r} (use one of {', '.join(FORMATS)})")
    return writers[format](store, target, force)


def refuse_inside_store(store: Store, target: str | Path) -> None:
    """InvalidInput when ``target`` lies inside the store's folder (its working tree or its git directory):
    a file there is not part of the history, and ``archive verify`` reports it."""
    inside = Path(store.path).resolve()
    where = Path(target).resolve()
    if where == inside or inside in where.parents:
        raise InvalidInput(
            f"{target} is inside the store ({store.path}); write it outside the store's folder, "
            "where it cannot make `archive verify` fail"
        )


def _newest_capture(versions: list[ExportedVersion]) -> str | None:
    return max((str(v.metadata["captured_at"]) for v in versions), default=None)


# --- writing atomically --------------------------------------------------------------------


def file_target_folder(target: str | Path, force: bool) -> Path:
    """The folder where a file for ``target`` is prepared before it is renamed into place: the rule every
    file export follows (``target`` is no directory, and an existing file is replaced only with ``force``)."""
    path = Path(target)
    if path.is_dir():
        raise InvalidInput(f"{target} is a directory; give a file name")
    if (path.exists() or path.is_symlink()) and not force:
        raise InvalidInput(f"{target} already exists (give --force to replace it)")
    return path.parent if str(path.parent) else Path(".")


@contextmanager
def _new_file(target: Path, force: bool = False) -> Iterator[IO[bytes]]:
    """A file that appears at ``target`` only when complete (a temporary file renamed into place); an
    existing file is refused unless ``force``, and then replaced by that rename."""
    parent = file_target_folder(target, force)
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed into place)
            dir=parent, prefix=f".{target.name}.", suffix=".part", delete=False
        )
    except OSError as error:
        raise InvalidInput(f"cannot write {target}: {error.strerror or error}") from None
    try:
        with handle:
            yield handle
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


@contextmanager
def _new_directory(target: Path, force: bool = False) -> Iterator[Path]:
    """A directory that appears at ``target`` only when complete; ``target`` must not exist or be empty,
    or with ``force`` be an earlier bag, which is replaced once the new one is complete."""
    replace = False
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        if not force:
            raise InvalidInput(f"{target} already exists and is not an empty directory (give --force to replace it)")
        if not target.is_dir() or not (target / "bagit.txt").is_file():
            raise InvalidInput(f"{target} is not a BagIt bag: --force replaces only an earlier export")
        replace = True
    parent = target.parent if str(target.parent) else Path(".")
    try:
        work = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".part"))
    except OSError as error:
        raise InvalidInput(f"cannot write {target}: {error.strerror or error}") from None
    try:
        yield work
        if replace:  # a directory cannot be renamed over a full one: the old bag steps aside, then goes
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".old"))
            os.replace(target, old / "bag")
            os.replace(work, target)
            shutil.rmtree(old, ignore_errors=True)
            return
        if target.exists():
            target.rmdir()
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


# --- BagIt ---------------------------------------------------------------------------------


def _bag_path(path: str) -> str:
    """A manifest path (RFC 8493 2.1.3): CR, LF and % percent-encoded."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def export_bagit(store: Store, target: str | Path, force: bool = False) -> Export:
    """A BagIt 1.0 bag: ``data/<article>/v<N>/`` holds each version's text, raw capture and meta.yaml,
    with sha256 and sha512 manifests and tag manifests."""
    refuse_inside_store(store, target)
    history, versions = exported_versions(store)
    destination = Path(target)
    payload: dict[str, bytes] = {}
    for version in versions:
        base = f"data/{version.article}/v{version.number}"
        payload[f"{base}/{TEXT_FILE}"] = version.text
        payload[f"{base}/{version.metadata['raw']['file']}"] = version.raw
        payload[f"{base}/{META_FILE}"] = version.meta_yaml
    octets = sum(len(data) for data in payload.values())
    newest = _newest_capture(versions)
    tags: dict[str, bytes] = {
        "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
    }
    info = [
        ("Bag-Software-Agent", f"archive {__version__}"),
        # The newest capture's date, not today's: the same store always gives the same bag.
        ("Bagging-Date", newest[:10] if newest else "1970-01-01"),
        ("External-Identifier", f"git commit {history.head}" if history.head else "empty archive store"),
        (
            "External-Description",
            f"{len(versions)} versions of {len({v.article for v in versions})} articles from an archive store "
            "(text.txt: normalized text; raw.*: the capture byte for byte; meta.yaml: the recorded metadata)",
        ),
        ("Payload-Oxum", f"{octets}.{len(payload)}"),
    ]
    tags["bag-info.txt"] = "".join(f"{label}: {value}\n" for label, value in info).encode("utf-8")
    for algorithm in ("sha256", "sha512"):
        tags[f"manifest-{algorithm}.txt"] = _manifest(payload, algorithm)
    tag_files = dict(tags)
    for algorithm in ("sha256", "sha512"):
        tags[f"tagmanifest-{algorithm}.txt"] = _manifest(tag_files, algorithm)
    with _new_directory(destination, force) as work:
        for name, data in {**payload, **tags}.items():
            path = work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return Export("bagit", str(destination), history.head, len(versions), len(payload) + len(tags), octets)


def _manifest(files: Mapping[str, bytes], algorithm: str) -> bytes:
    lines = [f"{hashlib.new(algorithm, data).hexdigest()}  {_bag_path(name)}\n" for name, data in sorted(files.items())]
    return "".join(lines).encode("utf-8")


# --- WARC ----------------------------------------------------------------------------------


def _digest(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


def _record_id(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(_NAMESPACE, ':'.join(parts))}>"


def _write_record(
    writer: WARCWriter,
    kind: str,
    headers: list[tuple[str, str]],
    payload: bytes,
    content_type: str,
    http: StatusAndHeaders | None = None,
) -> None:
    """Write one record with ``headers`` in this order, then its digests and Content-Type.

    Every header warcio would otherwise fill in is given (its record ids are random, its dates the
    clock's, its digests sha1): ids name-based, dates the capture's, digests sha256, so the same store
    gives the same bytes. warcio appends Content-Length and gzips each record alone.
    """
    block = payload if http is None else http.to_ascii_bytes() + payload
    digests = [("WARC-Block-Digest", _digest(block))]
    if kind != "warcinfo":  # of the kinds written here, the one with no payload digest (as warcio has it)
        digests.insert(0, ("WARC-Payload-Digest", _digest(payload)))
    fields = [("WARC-Type", kind), *headers, *digests, ("Content-Type", content_type)]
    record = writer.create_warc_record(
        "",
        kind,
        payload=BytesIO(payload),
        length=len(payload),
        warc_headers=StatusAndHeaders("", fields, protocol="WARC/1.1"),
        http_headers=http,
    )
    writer.write_record(record)


def _http_head(metadata: Mapping[str, Any], length: int) -> StatusAndHeaders | None:
    """The HTTP response head as recorded (status and Content-Type) for a body of ``length``; None if not HTTP."""
    http = metadata.get("http")
    if not isinstance(http, Mapping) or http.get("status") is None:
        return None
    status = int(http["status"])
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    headers = [("Content-Type", str(http["content_type"]))] if http.get("content_type") else []
    headers.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {reason}".rstrip(), headers, protocol="HTTP/1.1")


def export_warc(store: Store, target: str | Path, force: bool = False) -> Export:
    """A WARC/1.1 file (gzipped per record when ``target`` ends in .gz): a warcinfo record, then per version a
    response record (URL captures, with the HTTP head rebuilt from the recorded status and Content-Type) or a
    resource record (files, stdin), dated at the capture time, and a metadata record holding its meta.yaml."""
    refuse_inside_store(store, target)
    history, versions = exported_versions(store)
    destination = Path(target)
    newest = _newest_capture(versions) or "1970-01-01T00:00:00Z"
    info_id = _record_id("warcinfo", history.head or "empty")
    fields = [
        ("software", f"archive {__version__}"),
        ("format", "WARC File Format 1.1"),
        ("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"),
        ("isPartOf", f"archive store at git commit {history.head}"),
        (
            "description",
            "every version of every article; response records carry HTTP heads rebuilt from the recorded status "
            "and Content-Type (other response headers were not recorded)",
        ),
    ]
    info = "".join(f"{name}: {value}\r\n" for name, value in fields).encode("utf-8")
    with _new_file(destination, force) as out:
        writer = WARCWriter(out, gzip=destination.name.endswith(".gz"), warc_version="1.1")
        _write_record(
            writer,
            "warcinfo",
            [("WARC-Record-ID", info_id), ("WARC-Date", newest), ("WARC-Filename", destination.name)],
            info,
            "application/warc-fields",
        )
        for version in versions:
            _write_version(writer, version, info_id)
        written = out.tell()
    return Export("warc", str(destination), history.head, len(versions), 1, written)


def _write_version(writer: WARCWriter, version: ExportedVersion, info_id: str) -> None:
    """The capture (a response record, or a resource record if not fetched over HTTP), then its meta.yaml."""
    metadata = version.metadata
    date = str(metadata["captured_at"])
    uri = metadata.get("final_url") or metadata.get("url") or f"urn:x-archive:{version.article}:v{version.number}"
    http = _http_head(metadata, len(version.raw)) if metadata.get("url") else None
    record_id = _record_id(version.commit, "capture")
    common = [("WARC-Record-ID", record_id), ("WARC-Date", date), ("WARC-Target-URI", uri)]
    if http is not None:
        kind, content_type = "response", "application/http;msgtype=response"
    else:
        kind, content_type = "resource", str(metadata["raw"]["media_type"])
    _write_record(writer, kind, [*common, ("WARC-Warcinfo-ID", info_id)], version.raw, content_type, http)
    _write_record(
        writer,
        "metadata",
        [
            ("WARC-Record-ID", _record_id(version.commit, "metadata")),
            ("WARC-Date", date),
            ("WARC-Target-URI", uri),
            ("WARC-Refers-To", record_id),
            ("WARC-Warcinfo-ID", info_id),
        ],
        version.meta_yaml,
        "application/yaml",
    )


# --- JSON Lines ----------------------------------------------------------------------------


def version_line(version: ExportedVersion) -> dict[str, Any]:
    """One line of the JSONL export: where the version is, its metadata and its text."""
    return {
        "article": version.article,
        "version": version.number,
        "commit": version.commit,
        "captured_at": version.metadata["captured_at"],
        "metadata": dict(version.metadata),
        "text": version.text.decode("utf-8"),
    }


def export_jsonl(store: Store, target: str | Path, force: bool = False) -> Export:
    """One JSON object per line and per version, in the order of the history (raw captures are not included)."""
    refuse_inside_store(store, target)
    history, versions = exported_versions(store)
    destination = Path(target)
    written = 0
    with _new_file(destination, force) as out:
        for version in versions:
            line = json.dumps(version_line(version), ensure_ascii=False, sort_keys=True) + "\n"
            written += out.write(line.encode("utf-8"))
    return Export("jsonl", str(destination), history.head, len(versions), 1, written)
