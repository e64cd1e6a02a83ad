"""Start-up: a command loads only what it uses (issue 13). Each case runs the command in a fresh interpreter and
reads back the modules it imported, so that a heavy import reaching the command's path fails here rather than
slowing every run of it (``benchmarks/startup.py`` has the timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_dbbbf4a16fd70257.txt"

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
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""

# What no command that does not need it may import: GitPython, PyYAML, the comparison engine, the templates,
# the extraction stack.
HEAVY = ("git", "yaml", "archive.compare", "jinja2", "trafilatura", "lxml")


def imported(tmp_path: Path, *args: str) -> set[str]:
    """The modules ``archive ARGS`` imported (it must succeed)."""
    listing = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(listing), *args], cwd=tmp_path, capture_output=True, text=True
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
