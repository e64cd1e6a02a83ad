"""Build a store from the shared terms-versions corpus through the CLI, then audit, reproduce and rebuild it.

Run: python benchmarks/audit_demo.py [STORE]   (or `make audit-demo`; default: a temporary directory)
Every version of the three documents (../shared/corpora/terms-versions) is archived with
`archive snapshot FILE --id DOCUMENT --at DATE`, the date being the one the source history records,
so the store and its commit ids are the same on every machine. Prints `archive audit`, then the first
line of `archive reproduce` and `archive rebuild`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ARCHIVE, SHARED

CORPUS = SHARED / "corpora" / "terms-versions"


def archive(store: Path, *args: str) -> str:
    done = subprocess.run([*ARCHIVE, "--store", str(store), *args], capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"archive {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def build(store: Path) -> None:
    archive(store, "init")
    for folder in sorted(CORPUS.iterdir()):
        if not (folder / "meta.json").exists():
            continue
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        for version in meta["versions"]:
            source = folder / version["file"]
            archive(store, "snapshot", str(source), "--id", folder.name.lower(), "--at", version["author_date"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", nargs="?", type=Path, help="where to build the store and keep it (default: temporary)")
    given = parser.parse_args().store
    work = Path(tempfile.mkdtemp(prefix="archive-audit-demo-"))
    store = given or work / "terms-versions"
    try:
        if not (store / ".git").exists():
            build(store)
        print(f"$ archive --store {store} audit")
        print(archive(store, "audit"), end="")
        print(f"$ archive --store {store} reproduce | head -1")
        print(archive(store, "reproduce").splitlines()[0])
        print(f"$ archive --store {store} rebuild --into {work / 'rebuilt'} | head -1")
        print(archive(store, "rebuild", "--into", str(work / "rebuilt")).splitlines()[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
