"""Export to WACZ (Web Archive Collection Zipped, 1.1.1), through webrecorder's ``wacz`` package.

The WACZ is made from the WARC export: that WARC (deterministic, each version checked against its
recorded sha256s) is written to a temporary folder and handed to ``wacz create``, which indexes it
(CDXJ), lists the pages given (every version captured as HTML over HTTP, id ``article@N``, titled with
its title, at its capture time) and writes ``datapackage.json`` with every file's sha256.
ReplayWeb.page and pywb open the result. Unlike the other exports, a WACZ is not the same bytes twice:
the package stamps the zip entries and ``datapackage.json``'s ``created`` with the clock; the WARC and
the page list inside it are byte for byte the same.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

from archive.audit.export import (
    Export,
    ExportedVersion,
    export_warc,
    exported_versions,
    file_target_folder,
    refuse_inside_store,
)
from archive.errors import InvalidInput
from archive.store.repository import Store

__all__ = ["export_wacz", "validate_wacz"]


def export_wacz(store: Store, target: str | Path, force: bool = False) -> Export:
    """A WACZ file at ``target``; an existing file is refused unless ``force``, and then replaced only once
    the new one is complete and valid."""
    refuse_inside_store(store, target)
    destination = Path(target)
    parent = file_target_folder(target, force)
    try:
        work = Path(tempfile.mkdtemp(dir=parent, prefix=f".{destination.name}.", suffix=".part"))
    except OSError as error:
        raise InvalidInput(f"cannot write {target}: {error.strerror or error}") from None
    try:
        # The WARC's name is the one the WACZ lists under archive/.
        warc = export_warc(store, work / "archive.warc.gz")
        pages = work / "pages.jsonl"
        pages.write_text(_pages(exported_versions(store)[1]), encoding="utf-8")
        made = work / "archive.wacz"
        code, log = _run_wacz(["create", "-p", str(pages), "-o", str(made), str(warc.path)])
        if code != 0:
            raise InvalidInput(f"the wacz package could not make {target}: {_last_line(log)}")
        code, log = _run_wacz(["validate", "-f", str(made)])
        if code != 0:
            raise InvalidInput(f"the WACZ made for {target} does not validate: {_last_line(log)}")
        os.replace(made, destination)
    finally:
        for leftover in work.iterdir():
            leftover.unlink()
        work.rmdir()
    return Export("wacz", str(destination), warc.head, warc.versions, 1, destination.stat().st_size)


def _pages(versions: list[ExportedVersion]) -> str:
    """pages.jsonl (json-pages-1.0): one page per version captured as HTML over HTTP, where replay starts."""
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Every version"}]
    for version in versions:
        metadata = version.metadata
        url = metadata.get("final_url") or metadata.get("url")
        if not url or "html" not in str((metadata.get("raw") or {}).get("media_type", "")):
            continue
        title = metadata.get("title") or url
        lines.append(
            {
                "id": version.ref,
                "url": url,
                "ts": metadata["captured_at"],
                "title": f"{title} (version {version.number})",
            }
        )
    return "".join(json.dumps(line, ensure_ascii=False, default=str) + "\n" for line in lines)


def validate_wacz(path: str | Path) -> tuple[bool, str]:
    """Run the wacz package's validator on ``path``: (valid, what it printed)."""
    code, log = _run_wacz(["validate", "-f", str(path)])
    return code == 0, log


def _run_wacz(arguments: list[str]) -> tuple[int, str]:
    """The package's command (``wacz.main.main``), its progress messages captured instead of printed."""
    from wacz.main import main  # imported on use: it loads frictionless, slow to import

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(arguments)
        except SystemExit as exit:  # argparse
            code = exit.code if isinstance(exit.code, int) else 1
    return int(code or 0), out.getvalue()


def _last_line(log: str) -> str:
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
