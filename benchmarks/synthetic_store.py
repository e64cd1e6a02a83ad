"""A bigger store from a real one, for read benchmarks at sizes the corpus does not reach (1M versions).

    python benchmarks/synthetic_store.py SOURCE TARGET --versions 1000000

TARGET starts as a bare clone of the store SOURCE (its commits are kept as they are), then ``git
fast-import`` appends copies of SOURCE's versions, in SOURCE's order, until the branch records
``--versions`` versions: copy k of article ``ID`` is article ``ID-kK``, with the same text, raw
capture and capture time, and a ``meta.yaml`` that differs from the original only in ``id`` and
``previous_commit`` (the copy's own previous commit, which fast-import reports with ``get-mark``).
Commit messages and trailers name the copy's id. So TARGET is in the archive's store format and
``archive verify`` accepts it; only its captures are repeated. SOURCE's lookup cache is copied and
brought up to date with the copies' rows (what a rebuild would read back from their meta.yaml).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from archive.store.layout import LOOKUP_FILE, PRIVATE_DIR
from archive.store.lookup import Index
from archive.store.metadata import load_yaml
from archive.store.repository import Store

_COMMIT = re.compile(r"^(?P<sha>[0-9a-f]{40}) (?P<time>\d+)\n(?P<message>.*?)\x02\n?(?P<raw>.*)$", re.S)
_ARTICLE = re.compile(r"^Article: (\S+)$", re.M)
_VERSION = re.compile(r"^Version: (\d+)$", re.M)


def source_versions(source: Path) -> list[tuple[str, str, str, dict[str, str]]]:
    """(capture time, message, article id, {file name: blob id}) of each version commit of SOURCE, oldest first."""
    log = subprocess.run(
        ["git", "-C", str(source), "log", "--reverse", "--raw", "--no-abbrev", "--no-renames",
         "--format=%x01%H %ct%n%B%x02", "refs/heads/main"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    versions = []
    for chunk in log.split("\x01")[1:]:
        match = _COMMIT.match(chunk)
        if match is None:
            continue
        article = _ARTICLE.search(match["message"])
        if article is None:
            continue
        files = {}
        for line in match["raw"].splitlines():
            if line.startswith(":"):
                fields, path = line.split("\t", 1)
                if fields.split()[4] != "D" and path.startswith("articles/"):
                    files[path.rsplit("/", 1)[1]] = fields.split()[3]
        versions.append((match["time"], match["message"].rstrip("\n") + "\n", article[1], files))
    return versions


def blobs(source: Path, names: list[str]) -> dict[str, bytes]:
    """The contents of the given blobs, through one ``cat-file --batch``."""
    process = subprocess.run(
        ["git", "-C", str(source), "cat-file", "--batch"],
        input="".join(name + "\n" for name in names).encode(),
        capture_output=True,
        check=True,
    )
    found, output, position = {}, process.stdout, 0
    for name in names:
        end = output.index(b"\n", position)
        size = int(output[position:end].split()[2])
        found[name] = output[end + 1 : end + 1 + size]
        position = end + 2 + size
    return found


def article_dir(article: str) -> str:
    digest = hashlib.sha256(article.encode("utf-8")).hexdigest()
    return "/".join(("articles", *digest[:4], article))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--versions", type=int, default=1_000_000)
    options = parser.parse_args()
    start = time.monotonic()
    subprocess.run(["git", "clone", "-q", "--bare", str(options.source), str(options.target)], check=True)
    cache = options.target / PRIVATE_DIR
    cache.mkdir(exist_ok=True)
    shutil.copy(options.source / PRIVATE_DIR / LOOKUP_FILE, cache / LOOKUP_FILE)
    subprocess.run(["git", "-C", str(options.target), "config", "archive.format", "1"], check=True)
    versions = source_versions(options.source)
    metas = blobs(options.source, sorted({files["meta.yaml"] for _, _, _, files in versions}))
    have = int(subprocess.run(["git", "-C", str(options.target), "rev-list", "--count", "refs/heads/main"],
                              check=True, capture_output=True, text=True).stdout)  # fmt: skip
    head = subprocess.run(["git", "-C", str(options.target), "rev-parse", "refs/heads/main"],
                          check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    # fast-import answers get-mark on --cat-blob-fd: a pipe back to this process.
    reader, writer = os.pipe()
    importer = subprocess.Popen(
        ["git", "-C", str(options.target), "fast-import", "--quiet", f"--cat-blob-fd={writer}", "--done"],
        stdin=subprocess.PIPE, pass_fds=(writer,),
    )  # fmt: skip
    os.close(writer)
    answers = open(reader, "rb")  # noqa: SIM115 (read until the end of the run)
    assert importer.stdin is not None
    stream = importer.stdin
    parsed = {name: load_yaml(data) for name, data in metas.items()}
    rows: list[tuple[str, int, str, str, str | None]] = []  # (id, number, commit, source meta blob, previous)
    previous: dict[str, str] = {}
    mark, parent, copy = 0, head, 0
    while have < options.versions:
        copy += 1
        for when, message, article, files in versions:
            if have >= options.versions:
                break
            new_id = f"{article}-k{copy}"
            meta = metas[files["meta.yaml"]].decode("utf-8")
            meta = meta.replace(f"\nid: {article}\n", f"\nid: {new_id}\n", 1)
            meta = re.sub(r"\nprevious_commit: \S+\n", f"\nprevious_commit: {previous.get(new_id, 'null')}\n", meta)
            data = meta.encode("utf-8")
            text = message.replace(article, new_id).encode("utf-8")
            directory = article_dir(new_id)
            mark += 1
            lines = [
                "commit refs/heads/main",
                f"mark :{mark}",
                f"author archive <archive@localhost> {when} +0000",
                f"committer archive <archive@localhost> {when} +0000",
                f"data {len(text)}",
            ]
            stream.write(("\n".join(lines) + "\n").encode() + text + b"\n")
            stream.write(f"from {parent if mark == 1 else f':{mark - 1}'}\n".encode())
            for name, blob in sorted(files.items()):
                if name != "meta.yaml":
                    stream.write(f"M 100644 {blob} {directory}/{name}\n".encode())
            stream.write(f"M 100644 inline {directory}/meta.yaml\ndata {len(data)}\n".encode() + data + b"\n")
            stream.write(f"get-mark :{mark}\n".encode())
            stream.flush()
            parent = answers.readline().decode().strip()
            number = int(_VERSION.search(message)[1])  # type: ignore[index]
            rows.append((new_id, number, parent, files["meta.yaml"], previous.get(new_id)))
            previous[new_id] = parent
            have += 1
            if have % 50_000 == 0:
                print(f"{have:,} versions, {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)
    stream.write(b"done\n")
    stream.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    # The lookup cache: the rows a rebuild would read back from each meta.yaml, made here from the parsed
    # originals (parsing 900,000 copies of them again would take an hour on this machine).
    rebuild = time.monotonic()
    index = Index(options.target / PRIVATE_DIR / LOOKUP_FILE)
    for begin in range(0, len(rows), 50_000):
        chunk = rows[begin : begin + 50_000]
        index.update([(i, n, c, {**parsed[m], "id": i, "previous_commit": p}) for i, n, c, m, p in chunk], chunk[-1][2])
    index.close()
    with Store.open(options.target) as store:
        store.refresh_index()  # nothing left to add: checks that the stamp is the branch head
    print(
        f"{options.target}: {have:,} versions; fast-import {rebuild - start:.0f} s, "
        f"lookup cache update {time.monotonic() - rebuild:.0f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
