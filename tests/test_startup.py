"""Start-up: a command loads only what it uses (issue 13). Each case runs the command in a fresh interpreter and
reads back the modules it imported, so that a heavy import reaching the command's path fails here rather than
slowing every run of it (``benchmarks/startup.py`` has the timings)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive.store.layout import MARKER_FILE
from archive.store.metadata import marker_yaml
from archive.store.objects import object_id
from archive.store.repository import MARKER_BLOB, Store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_dbbbf4a16fd70257.txt"
SEED_REVISION = ROOT / "seeds" / "000_dbbbf4a16fd70257.rev1-illustrative.txt"

# Run the CLI as `archive ARGS` would, then write the names of the modules it imported to a file.
PROBE = """
import json, sys
from archive.cli import cli
modules, args = sys.argv[1], sys.argv[2:]
try:
    cli(args, prog_name="archive")
except SystemExit as end:
    code = end.code
else:
    code = 0
with open(modules, "w") as out:
    # A module imported lazily (importlib.util.LazyLoader) and never used was not loaded.
    loaded = [name for name, module in sys.modules.items() if type(module).__name__ != "_LazyModule"]
    json.dump({"code": code, "modules": sorted(loaded)}, out)
"""

# What no command that does not need it may import: GitPython, PyYAML, the comparison engine, the templates,
# the extraction stack.
HEAVY = ("git", "yaml", "archive.compare", "jinja2", "trafilatura", "lxml")


def imported(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules ``archive ARGS`` imported (it must succeed)."""
    listing = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(listing), *args], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(listing.read_text())
    assert found["code"] in (0, None), (found["code"], result.stdout, result.stderr)
    return set(found["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name.split(".")[0] in HEAVY or name.startswith(HEAVY))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["show", "--help"], ["snapshot", "--help"]])
def test_version_and_help_load_no_part_of_the_api(tmp_path: Path, args: list[str]) -> None:
    modules = imported(tmp_path, *args)
    assert heavy(modules) == []
    assert not {"archive.store.repository", "archive.store.lookup", "click.testing"} & modules


def test_a_command_loads_its_own_module_only(tmp_path: Path) -> None:
    modules = imported(tmp_path, "log", "--help")
    assert "archive.cli.reads" in modules
    assert not {"archive.cli.audit", "archive.cli.capture", "archive.cli.notify", "archive.cli.rules"} & modules


def snapshot(store: Path, source: Path, at: str, *extra: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "archive", "--store", str(store), "snapshot", str(source), "--at", at, *extra],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def two_versions(store_path: Path) -> Path:
    snapshot(store_path, SEED, "2021-12-17T12:00:00Z", "--id", "putin")
    snapshot(store_path, SEED_REVISION, "2021-12-18T12:00:00Z", "--id", "putin")
    return store_path


@pytest.mark.parametrize(
    "args", [["show", "putin"], ["show", "putin@1", "--json"], ["history", "putin"], ["log", "-n", "20"], ["list"]]
)
def test_reads_by_key_load_neither_gitpython_nor_yaml(two_versions: Path, tmp_path: Path, args: list[str]) -> None:
    modules = imported(tmp_path, "--store", str(two_versions), *args)
    assert "archive.store.repository" in modules
    assert heavy(modules) == []


def test_the_marker_a_store_holds_is_known_by_its_id() -> None:
    # A store opens without YAML when its marker is this blob (archive.store.repository.MARKER_BLOB).
    assert object_id(b"blob", marker_yaml().encode()).hex() == MARKER_BLOB
    assert MARKER_FILE == "archive.yaml"


def test_a_snapshot_of_a_text_file_starts_few_git_processes_and_loads_no_gitpython_or_yaml(
    store_path: Path, tmp_path: Path
) -> None:
    wrapper, calls = tmp_path / "bin" / "git", tmp_path / "calls.log"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {calls}\nexec {shutil.which("git")} "$@"\n')
    wrapper.chmod(0o755)
    env = os.environ | {"PATH": f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}"}

    def snapshot_counted(source: Path, at: str) -> list[str]:
        calls.unlink(missing_ok=True)
        arguments = ["--store", str(store_path), "snapshot", str(source), "--id", "putin", "--at", at]
        modules = imported(tmp_path, *arguments, env=env)
        assert not [name for name in modules if name.split(".")[0] in ("git", "yaml", "trafilatura", "jinja2")]
        lines = calls.read_text().splitlines()
        return [line.removeprefix(f"-C {store_path.resolve()} ").split()[0] for line in lines]

    # Moving the branch, then the working tree (7 git processes before: GitPython's `git version` twice, a
    # cat-file, two rev-parse of a branch that did not exist yet).
    assert snapshot_counted(SEED, "2021-12-17") == ["update-ref", "read-tree"]
    # Moving the branch, checking out what changed: the old head's trees are read from their loose files.
    assert snapshot_counted(SEED_REVISION, "2021-12-18") == ["update-ref", "checkout"]
    # Once they are packed, through one cat-file.
    subprocess.run(["git", "-C", str(store_path), "repack", "-a", "-d", "-q"], check=True)
    assert snapshot_counted(SEED, "2021-12-19") == ["cat-file", "update-ref", "checkout"]


def test_the_store_reads_its_config_as_gitpython_does(store_path: Path) -> None:
    # The identity fixes every commit id: the store reads archive.name/email itself now, as GitPython did.
    config = store_path / ".git" / "config"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '[archive]\n\tname = "Jane \\"JD\\" Doe" ; a comment\n\temail = jane@example.org # work\n'
        + "[Archive]\n\temail = jd@example.org\n",  # later, and section names are case-insensitive
        encoding="utf-8",
    )
    import git

    reader = git.Repo(store_path).config_reader()
    expected = (str(reader.get_value("archive", "name")), str(reader.get_value("archive", "email")))
    with Store.open(store_path) as store:
        assert store.identity() == expected == ('Jane "JD" Doe', "jd@example.org")
