"""Properties of `snapshot` over generated ids, titles, authors, capture times and texts (issue 10, "Tests").

Whatever `snapshot` accepts must come back through `show --json` as documented
and leave a store that `verify` calls OK; whatever it refuses must be refused
with one `Error: …` line and leave every byte of the store as it was. The
expected transforms, from docs/store-format.md and archive/capture/normalize.py:

- an id is kept as given, and accepted exactly when it follows the documented
  rule (1-80 of ``a-z0-9._-``, a letter or digit at both ends, no ``..``);
- a title or author given on the command line is kept as given when it is
  already one canonical line (``normalize_text(value) == value + "\\n"``, no
  control or format characters); any other value is refused, or stored as one
  line without control characters (issue 10, items 6 and 7: "reject or
  normalize, consistently");
- a capture time is kept to the second (microseconds dropped) in UTC; one
  before 1970 (git cannot record it) or more than a day ahead is refused
  (item 1 says "more than a few minutes": between the two either is allowed);
- a text is stored as ``normalize_text`` makes it, with no control character
  but the newline (item 7).

Examples are derandomized and few, so CI sees the same cases on every run.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import SEED, SEED_REVISION
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bad_input import changes, every_byte

from archive.capture.normalize import normalize_text
from archive.cli import cli
from archive.ingest.snapshot import snapshot
from archive.model import format_time
from archive.store.repository import Store

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
AT = "2022-01-01T00:00:00Z"
DOCUMENTED_ID = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,78}[a-z0-9])?$")
LEAD = "The first paragraph is fixed, so that no header line is taken from the generated text."


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with one article of two versions, copied for every example."""
    path = tmp_path_factory.mktemp("properties") / "store"
    Store.init(path).close()
    with Store.open(path) as store:
        snapshot(store, str(SEED), article_id="putin-post-trump", at=datetime(2021, 12, 17, 12, tzinfo=UTC))
        snapshot(store, str(SEED_REVISION), article_id="putin-post-trump", at=datetime(2021, 12, 18, 9, tzinfo=UTC))
        store.refresh_index()
    return path


class Trial:
    """A fresh copy of the store, and the CLI run on it in-process, as a user would run it."""

    def __init__(self, base: Path) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="property-")
        self.root = Path(self._dir.name)
        self.store = self.root / "store"
        shutil.copytree(base, self.store, symlinks=True)
        self.before = every_byte(self.store)

    def run(self, *args: str, input: bytes | None = None) -> Result:
        return CliRunner().invoke(cli, ["--store", str(self.store), *args], input=input, catch_exceptions=False)

    def accepted(self, *args: str, input: bytes | None = None) -> bool:
        """Run a snapshot; True if it stored something, else check it was refused cleanly."""
        result = self.run(*args, input=input)
        if result.exit_code == 0:
            return True
        assert "Traceback" not in result.stderr + result.stdout
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        changed = changes(self.before, every_byte(self.store))
        assert not changed, f"refused ({lines[0]}) but the store changed: {changed[:5]}"
        return False

    def shown(self, reference: str) -> dict[str, Any]:
        result = self.run("show", reference, "--json")
        assert result.exit_code == 0, result.stderr
        shown: dict[str, Any] = json.loads(result.stdout)
        return shown

    def verified(self) -> None:
        result = self.run("verify")
        assert result.exit_code == 0 and result.stdout.startswith("OK"), result.stdout + result.stderr

    def __enter__(self) -> Trial:
        return self

    def __exit__(self, *exc: object) -> None:
        self._dir.cleanup()


# Arguments a shell can pass: any text but NUL (argv cannot hold it; surrogates are not text), with the
# characters that break lines, terminals and comparisons drawn often, not left to chance.
NASTY = [*list("\n\r\t\x1b\x07\x08\x7f\x85\u2028\u2029\u202e\u200b\xa0\ufeff ./-_"), "\x1b]0;x\x07", "\r\n"]
ARGUMENT = st.lists(
    st.one_of(st.sampled_from(NASTY), st.characters(codec="utf-8", exclude_characters="\x00")), max_size=60
).map("".join)
ID_LIKE = st.from_regex(r"\A[a-z0-9._-]{1,90}\Z")
CANONICAL_WORDS = st.lists(
    st.text(alphabet=st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=12),
    min_size=1,
    max_size=8,
).map(lambda words: unicodedata.normalize("NFC", " ".join(words)))


def is_canonical_line(value: str) -> bool:
    """One line that normalization leaves alone, with no control or format character."""
    odd = {"Cc", "Cf", "Co", "Cn", "Zl", "Zp"}
    return (
        bool(value) and normalize_text(value) == value + "\n" and not any(unicodedata.category(c) in odd for c in value)
    )


def has_controls(value: str, allowed: str = "") -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in value) or any(
        c in value for c in "\u2028\u2029"
    )


@EXAMPLES
@given(article_id=st.one_of(ID_LIKE, ARGUMENT))
def test_ids(article_id: str, base_store: Path) -> None:
    """An id is accepted exactly when it follows the documented rule, and then names the article as given."""
    with Trial(base_store) as trial:
        documented = bool(DOCUMENTED_ID.match(article_id)) and ".." not in article_id
        accepted = trial.accepted("snapshot", str(SEED), "--id", article_id, "--at", AT)
        assert accepted == documented, f"id {article_id!r}: accepted={accepted}, documented={documented}"
        if accepted:
            assert trial.shown(article_id)["article"] == article_id
            trial.verified()


@EXAMPLES
@given(title=st.one_of(CANONICAL_WORDS, ARGUMENT))
def test_titles(title: str, base_store: Path) -> None:
    """A canonical title round-trips exactly; any other is refused or stored as one clean line."""
    with Trial(base_store) as trial:
        if trial.accepted("snapshot", str(SEED), "--id", "t", "--title", title, "--at", AT):
            stored = trial.shown("t")["metadata"]["title"]
            if is_canonical_line(title):
                assert stored == title
            else:
                assert stored is None or ("\n" not in stored and not has_controls(stored)), repr(stored)
            trial.verified()


@EXAMPLES
@given(authors=st.lists(st.one_of(CANONICAL_WORDS, ARGUMENT), min_size=1, max_size=3))
def test_authors(authors: list[str], base_store: Path) -> None:
    """Canonical bylines round-trip exactly, in order; others are refused or stored as clean lines."""
    with Trial(base_store) as trial:
        options = [part for author in authors for part in ("--author", author)]
        if trial.accepted("snapshot", str(SEED), "--id", "a", *options, "--at", AT):
            stored = trial.shown("a")["metadata"]["authors"]
            if all(is_canonical_line(author) for author in authors):
                assert stored == authors
            else:
                assert all("\n" not in author and not has_controls(author) for author in stored), stored
            trial.verified()


@EXAMPLES
@given(
    at=st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.just(UTC),
    ),
    offset_minutes=st.sampled_from([0, 0, 60, -300, 330, 845, -720]),
)
def test_capture_times(at: datetime, offset_minutes: int, base_store: Path) -> None:
    """A capture time is kept to the second, in UTC; one git cannot record, or far ahead, is refused."""
    local = at.astimezone(timezone(timedelta(minutes=offset_minutes)))
    with Trial(base_store) as trial:
        accepted = trial.accepted("snapshot", str(SEED), "--id", "when", "--at", local.isoformat())
        earliest, latest = datetime(1970, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)
        if at < earliest or at > latest:
            assert not accepted, f"--at {local.isoformat()} was accepted"
        if accepted:
            assert trial.shown("when")["captured_at"] == format_time(at.replace(microsecond=0))
            trial.verified()


@EXAMPLES
@given(body=st.one_of(ARGUMENT, st.text(max_size=400)))
def test_texts(body: str, base_store: Path) -> None:
    """A text is stored as normalize_text makes it, without control characters, and reads back unchanged."""
    with Trial(base_store) as trial:
        capture = trial.root / "capture.txt"
        capture.write_bytes(f"A fixed title\n{LEAD}\n{body}".encode())
        if trial.accepted("snapshot", str(capture), "--id", "text", "--at", AT):
            stored = trial.shown("text")["text"]
            assert stored == LEAD + "\n" + normalize_text(body)
            assert normalize_text(stored) == stored
            assert not has_controls(stored, allowed="\n"), repr(stored)
            trial.verified()
