"""Build ``archive/compare/synonyms.jsonl.gz`` from the WordNet 3.0 database files.

``archive.compare.synonyms`` tells a reworded word from a changed one by asking
whether the two share a WordNet synset. The database is not a Python
dependency (PyPI's readers download it at run time), so this script distils
what the check needs from an installed copy (Debian's ``wordnet-base``,
``/usr/share/wordnet``) into one small file that is committed and shipped
as package data: for every one-word lemma, its synsets in WordNet's
frequency order, and the exception lists that lemmatize irregular forms;
and the other names of places and organizations ("United Kingdom", "UK",
"Britain"), with the adjectives that name them ("British"), for the entity
rule (see ``read_names``).
The output is one table a line (JSON Lines: ``{"name": value}``; the lemmas and
the exceptions one part of speech a line, ``lemmas.n``...), so that a comparison
parses only the tables it asks for (the names alone, in most). It is
deterministic (sorted keys, gzip without a timestamp), so running it again must
reproduce the committed file byte for byte.

    python tools/build_synonyms.py [--wordnet /usr/share/wordnet] [--output archive/compare/synonyms.jsonl.gz]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WORDNET = Path("/usr/share/wordnet")
DEFAULT_OUTPUT = ROOT / "archive" / "compare" / "synonyms.jsonl.gz"
PARTS = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
FORMAT = 3  # 3: one table a line
# Lexicographer files of the synsets whose names are aliases: noun.group (organizations) and noun.location.
NAME_FILES = frozenset({"14", "15"})


def read_index(path: Path) -> dict[str, list[int]]:
    """One-word lemmas of an index file and their synset offsets, most frequent sense first."""
    senses = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(" "):
            continue  # the license header
        fields = line.split()
        lemma = fields[0]
        if "_" in lemma:
            continue
        synsets = int(fields[2])
        senses[lemma] = [int(offset) for offset in fields[-synsets:]]
    return senses


def read_exceptions(path: Path) -> dict[str, list[str]]:
    """Irregular forms and their base forms ("found" → "find", "geese" → "goose")."""
    exceptions: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        form, *bases = line.split()
        bases = [base for base in bases if "_" not in base and base != form]
        if "_" not in form and bases:
            exceptions.setdefault(form, []).extend(bases)
    return exceptions


def read_synsets(path: Path) -> list[tuple[int, str, list[str], list[tuple[str, int, str]]]]:
    """A data file's synsets: offset, lexicographer file, lemmas, and pointers (symbol, offset, part of speech)."""
    synsets = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(" "):
            continue  # the license header
        fields = line.split()
        count = int(fields[3], 16)
        lemmas = [fields[4 + 2 * i].split("(")[0] for i in range(count)]
        at = 4 + 2 * count
        pointers = [
            (fields[at + 1 + 4 * i], int(fields[at + 2 + 4 * i]), fields[at + 3 + 4 * i])
            for i in range(int(fields[at]))
        ]
        synsets.append((int(fields[0]), fields[1], lemmas, pointers))
    return synsets


def read_names(wordnet: Path) -> dict[str, list[int]]:
    """Names of one place or organization, each with the groups it belongs to.

    A group is a noun.location or noun.group synset whose capitalized lemmas
    include two with no word in common ("United Kingdom", "UK", "Britain"),
    or that a capitalized adjective pertains to ("American" → "United
    States", "America", "US"); the adjective joins the group. Names that are
    also a common word ("Base", a name of al-Qaeda) are left out, unless
    they name a place ("Japan", "Turkey"), and so are people, whose names
    the comparison already matches word by word.
    """
    nouns = read_synsets(wordnet / "data.noun")
    adjectives = read_synsets(wordnet / "data.adj")
    every = [nouns, adjectives, read_synsets(wordnet / "data.verb"), read_synsets(wordnet / "data.adv")]
    common = {
        lemma.lower() for synsets in every for _, _, lemmas, _ in synsets for lemma in lemmas if lemma[:1].islower()
    }

    def usable(lemma: str, lexicographer_file: str = "") -> bool:
        # A place keeps its name ("Japan", "Turkey") though the word is also common, in lower case.
        plain = "_" in lemma or lemma.isupper() or lexicographer_file == "15" or lemma.lower() not in common
        return lemma[:1].isupper() and plain

    demonyms: dict[int, set[str]] = {}
    for _, _, lemmas, pointers in adjectives:
        for symbol, offset, part in pointers:
            if symbol == "\\" and part == "n":
                demonyms.setdefault(offset, set()).update(lemma for lemma in lemmas if usable(lemma))
    groups: dict[int, set[str]] = {}
    for offset, lexicographer_file, lemmas, _ in nouns:
        names = {lemma for lemma in lemmas if usable(lemma, lexicographer_file)}
        if lexicographer_file not in NAME_FILES or not names:
            continue
        words = [set(name.lower().rstrip(".").split("_")) for name in names]
        apart = any(not (a & b) for i, a in enumerate(words) for b in words[i + 1 :])
        if apart or demonyms.get(offset):
            groups[offset] = names | demonyms.get(offset, set())
    table: dict[str, list[int]] = {}
    for number, offset in enumerate(sorted(groups), 1):
        for name in sorted(groups[offset]):
            groups_of = table.setdefault(name.replace("_", " ").replace(".", "").lower(), [])
            if number not in groups_of:
                groups_of.append(number)  # "U.S." and "US" are one name
    return dict(sorted(table.items()))


def read_license(path: Path) -> str:
    """The license header every WordNet database file carries, which must travel with any copy."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("  "):
            break
        number, _, text = line.strip().partition(" ")
        lines.append(text.rstrip() if number.isdigit() else "")
    return "\n".join(lines).strip() + "\n"


def build(wordnet: Path) -> dict[str, object]:
    """The data ``archive.compare.synonyms`` loads.

    Synsets are renumbered from 1 in (part of speech, offset) order. Only a
    synset that two or more one-word lemmas share can make two words
    synonyms, so the others become 0: they keep each lemma's sense ranks
    (the sense limit counts them) at the cost of one digit.
    """
    indexes = {pos: read_index(wordnet / f"index.{name}") for pos, name in PARTS.items()}
    shared = Counter(
        (pos, offset) for pos, index in indexes.items() for offsets in index.values() for offset in offsets
    )
    numbers = {key: number for number, key in enumerate(sorted(k for k, n in shared.items() if n >= 2), 1)}
    lemmas: dict[str, dict[str, list[int]]] = {}
    for pos, index in indexes.items():
        lemmas[pos] = {}
        for lemma, offsets in sorted(index.items()):
            ids = [numbers.get((pos, offset), 0) for offset in offsets]
            while ids and ids[-1] == 0:
                ids.pop()
            lemmas[pos][lemma] = ids
    exceptions = {}
    for pos, name in PARTS.items():
        known = lemmas[pos]
        table = read_exceptions(wordnet / f"{name}.exc")
        exceptions[pos] = {form: bases for form, bases in sorted(table.items()) if any(b in known for b in bases)}
    return {
        "format": FORMAT,
        "source": "WordNet 3.0, Princeton University (https://wordnet.princeton.edu/)",
        "license": read_license(wordnet / "index.noun"),
        "lemmas": lemmas,
        "exceptions": exceptions,
        "names": read_names(wordnet),
    }


def tables(data: dict[str, object]) -> dict[str, object]:
    """The tables of the file, by name: the lemmas and exceptions split by part of speech (``lemmas.n``)."""
    found: dict[str, object] = {}
    for name, value in data.items():
        if name in ("lemmas", "exceptions") and isinstance(value, dict):
            found.update({f"{name}.{pos}": table for pos, table in value.items()})
        else:
            found[name] = value
    return found


def encode(data: dict[str, object]) -> bytes:
    """Deterministic gzip-compressed JSON Lines, one table a line in name order: sorted keys, no timestamp or
    file name in the header."""
    lines = (
        json.dumps({name: table}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        for name, table in sorted(tables(data).items())
    )
    text = "".join(f"{line}\n" for line in lines).encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as stream:
        stream.write(text)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wordnet", type=Path, default=DEFAULT_WORDNET, help="directory of WordNet 3.0 dict files")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not (args.wordnet / "index.noun").is_file():
        print(f"no WordNet database in {args.wordnet}: install it (apt-get install wordnet-base)", file=sys.stderr)
        return 2
    payload = encode(build(args.wordnet))
    args.output.write_bytes(payload)
    print(f"wrote {args.output} ({len(payload):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
