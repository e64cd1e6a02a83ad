"""Issue 10, item 15: the README's Python example runs as printed, in an empty folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", markdown, flags=re.DOTALL | re.MULTILINE)


def test_readme_python_example_runs_verbatim_in_an_empty_folder(tmp_path: Path) -> None:
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) == 1, "the README has one Python example; this test runs it"
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")  # the files it names, relative to where it runs
    done = subprocess.run([sys.executable, "-c", blocks[0]], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    # the demo's commit ids: the same captures at the same times give the same commits anywhere
    assert done.stdout.splitlines() == [
        "putin-post-trump@1 1ce717ee4589 True",
        "putin-post-trump@2 181f80141429 True",
        "+23 -10",
    ]
