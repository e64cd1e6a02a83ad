"""The stages' layering, read from every module's imports with ast (issue 9, item 2).

A module imports from its own stage or one below it, never from above; compare/ imports nothing of
archive outside itself and no third-party package but its own; the CLI goes through the public API
and present/; no module uses another module's underscore names. Every violation is listed at once,
as file:line. `python tests/test_layering.py` (or pytest -s) prints the import graph between stages.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASE_MODULES = ("errors", "ids", "model", "version")
STAGES = ("capture", "compare", "store", "ingest", "review", "audit", "present", "web")
# The data path from the bottom up, then what sits on it: the public API, the CLI, `python -m archive`.
ORDER = ("base", *STAGES, "api", "cli", "main")
UNDER_PRESENT = frozenset({"base", "capture", "compare", "store", "ingest", "review", "audit"})
# What each stage may import from archive besides itself.
ALLOWED: dict[str, frozenset[str]] = {
    "base": frozenset(),
    "capture": frozenset({"base"}),
    "compare": frozenset(),
    "store": frozenset({"base"}),
    "ingest": frozenset({"base", "capture", "compare", "store"}),
    "review": frozenset({"base", "compare", "store"}),
    "audit": frozenset({"base", "capture", "compare", "store", "ingest", "review"}),
    "present": UNDER_PRESENT,
    "web": UNDER_PRESENT | {"present", "api"},
    # errors and version reach the CLI through the API, like every other name.
    "cli": frozenset({"api", "present"}),
    "api": frozenset(ORDER),  # the public surface may name anything
    "main": frozenset({"cli"}),
}
# compare/ holds pure functions of two texts: beyond the standard library, only these.
COMPARE_THIRD_PARTY = frozenset({"diff_match_patch", "fast_diff_match_patch", "rapidfuzz"})
# namedtuple's public methods, underscored only to keep clear of field names.
NAMEDTUPLE_API = frozenset({"_replace", "_asdict", "_fields", "_field_defaults", "_make"})


@dataclass(frozen=True)
class Import:
    """One import statement's target module (absolute), and the names it takes from it."""

    line: int
    module: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Violation:
    """A broken rule, where: the path relative to the root, the line, the rule's name and what was done."""

    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.message}"


def stage_of(module: str) -> str | None:
    """The stage of ``archive`` or a module in it; None for a module that belongs to no stage."""
    parts = module.split(".")
    if parts == ["archive"]:
        return "api"
    if parts[1] in STAGES:
        return parts[1]
    if parts[1] == "cli":  # the package archive.cli: its group and one module per group of commands
        return "cli"
    if len(parts) == 2:
        if parts[1] in BASE_MODULES:
            return "base"
        return {"cli": "cli", "__main__": "main"}.get(parts[1])
    return None


def modules(root: Path) -> Iterator[tuple[str, Path]]:
    """(dotted name, path) of every module of the ``archive`` package under ``root``."""
    for path in sorted((root / "archive").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imports(tree: ast.Module, module: str, is_package: bool) -> Iterator[Import]:
    """Every import anywhere in the module (in functions and under TYPE_CHECKING too), relative ones resolved,
    and import_module("…") calls with a literal name; ``from archive import x`` splits by name, as x may be a
    submodule or a name of the public API."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (Import(node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            target = ".".join(part for part in (base, node.module or "") if part)
            names = tuple(alias.name for alias in node.names)
            if target == "archive":
                yield from (Import(node.lineno, target, (name,)) for name in names)
            else:
                yield Import(node.lineno, target, names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield Import(node.lineno, node.args[0].value)


def target_stage(item: Import) -> str | None:
    """The stage an import reaches: for ``from archive import x``, x's own if x is a module, else the API."""
    if item.module == "archive" and item.names:
        (name,) = item.names
        submodule = name in BASE_MODULES or name in STAGES or name in ("cli", "__main__")
        return stage_of(f"archive.{name}") if submodule else "api"
    return stage_of(item.module)


def private(name: str) -> bool:
    """An underscore name, not a dunder."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_attributes(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """``X._name`` where X is not self, cls, super() or a class this module defines (a pragmatic reading of
    "another module's underscore names": the object's class may live elsewhere)."""
    own = {"self", "cls"} | {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not private(node.attr) or node.attr in NAMEDTUPLE_API:
            continue
        value = node.value
        if isinstance(value, ast.Name) and value.id in own:
            continue
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super":
            continue
        yield node.lineno, f"{ast.unparse(value)}.{node.attr}"


def parsed(root: Path) -> Iterator[tuple[str, str, ast.Module, list[Import]]]:
    """(relative path, module, tree, imports) of every module."""
    for module, path in modules(root):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        yield path.relative_to(root).as_posix(), module, tree, list(imports(tree, module, path.name == "__init__.py"))


def check(root: Path) -> list[Violation]:
    """Every violation of the layering and of the privacy of underscore names, in file and line order."""
    found: list[Violation] = []
    for path, module, tree, items in parsed(root):
        stage = stage_of(module)
        if stage is None:
            found.append(Violation(path, 1, "stage", f"{module} belongs to no stage: move it into one"))
            continue
        for item in items:
            found += [
                Violation(path, item.line, "private", f"imports {name} from {item.module}")
                for name in item.names
                if private(name)
            ]
            top = item.module.split(".")[0]
            if top != "archive":
                if stage == "compare" and top not in sys.stdlib_module_names and top not in COMPARE_THIRD_PARTY:
                    found.append(Violation(path, item.line, "compare", f"compare imports {item.module}"))
                continue
            into = target_stage(item)
            shown = item.module + (f" ({', '.join(item.names)})" if item.module == "archive" else "")
            if stage == "compare" and into != "compare":
                found.append(Violation(path, item.line, "compare", f"compare imports {shown}: only archive.compare"))
            elif into is None:
                found.append(Violation(path, item.line, "layer", f"{stage} imports {shown}, which is in no stage"))
            elif into != stage and into not in ALLOWED[stage]:
                allowed = ", ".join(s for s in ORDER if s in ALLOWED[stage]) or "nothing of archive"
                found.append(
                    Violation(
                        path, item.line, "layer", f"{stage} imports {shown} ({into}); {stage} may import {allowed}"
                    )
                )
        found += [
            Violation(path, line, "private", f"uses {expression}") for line, expression in private_attributes(tree)
        ]
    return sorted(found, key=lambda v: (v.path, v.line, v.rule, v.message))


def stage_graph(root: Path) -> Counter[tuple[str, str]]:
    """Import statements from one stage into another, counted (``from archive import a, b`` once per stage)."""
    statements = set()
    for path, module, _, items in parsed(root):
        stage = stage_of(module)
        for item in items:
            into = target_stage(item) if item.module.split(".")[0] == "archive" else None
            if stage and into and into != stage:
                statements.add((path, item.line, stage, into))
    return Counter((stage, into) for _, _, stage, into in statements)


def format_graph(edges: Counter[tuple[str, str]]) -> str:
    """One line per edge, bottom stage first; an edge the layering forbids is marked."""
    rank = {stage: number for number, stage in enumerate(ORDER)}
    lines = []
    for (source, target), count in sorted(edges.items(), key=lambda e: (rank[e[0][0]], rank[e[0][1]])):
        mark = "" if target in ALLOWED[source] else "   <- not allowed"
        lines.append(f"{source:>8} -> {target:<8} {count:>3}{mark}")
    return "\n".join(lines)


def test_every_module_keeps_to_its_layer_and_to_public_names() -> None:
    print("\nimport statements between stages:\n" + format_graph(stage_graph(ROOT)))
    violations = check(ROOT)
    assert not violations, f"{len(violations)} layering violations:\n" + "\n".join(map(str, violations))


def normalized(distribution: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def undeclared(root: Path) -> list[str]:
    """Third-party imports of archive whose distribution ``root``'s pyproject.toml does not declare, as file:line."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {normalized(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]) for line in project["dependencies"]}
    distributions = packages_distributions()
    return [
        f"{path}:{item.line}: {item.module} ({', '.join(distributions.get(top, ['not installed']))})"
        for path, _, _, items in parsed(root)
        for item in items
        if (top := item.module.split(".")[0]) not in sys.stdlib_module_names
        and top != "archive"
        and not declared & {normalized(name) for name in distributions.get(top, [])}
    ]


def test_every_third_party_import_is_declared() -> None:
    missing = undeclared(ROOT)
    assert not missing, "imported but not in pyproject.toml's dependencies:\n" + "\n".join(missing)


SYNTHETIC = {
    "archive/__init__.py": "from archive.web import viewer\n",
    "archive/errors.py": "class ArchiveError(Exception):\n    pass\n",
    "archive/extra.py": "",
    "archive/capture/__init__.py": "",
    "archive/capture/fetch.py": (
        "from archive.errors import ArchiveError\n"
        "\n"
        "\n"
        "def fetch() -> None:\n"
        "    from archive.ingest import engine\n"  # 5: capture imports ingest, inside a function
    ),
    "archive/store/__init__.py": "",
    "archive/store/repository.py": (
        "from typing import TYPE_CHECKING\n"
        "\n"
        "if TYPE_CHECKING:\n"
        "    from archive.review.versions import VersionPair\n"  # 4: store imports review, for types only
    ),
    "archive/store/writer.py": (
        "from collections import namedtuple\n"
        "\n"
        "from archive.store import repository\n"
        "from archive.store.repository import _lock\n"  # 4: another module's underscore name
        "\n"
        "Point = namedtuple('Point', 'x y')\n"
        "\n"
        "\n"
        "class Writer:\n"
        "    _shared = 0\n"
        "\n"
        "    def add(self, point: Point) -> object:\n"
        "        self._count = Writer._shared + super()._size + len(point._fields)\n"
        "        return repository._git(point._replace(x=1), repository.__name__)\n"  # 14: a private attribute
    ),
    "archive/compare/__init__.py": "",
    "archive/compare/words.py": (
        "import difflib\n"
        "\n"
        "import rapidfuzz\n"
        "import yaml\n"  # 4: a third-party package compare does not use
        "\n"
        "from archive.compare import sentences\n"
        "from archive.errors import ArchiveError\n"  # 7: compare imports base
        "\n"
        "from . import align\n"
    ),
    "archive/cli.py": (
        "from archive import Store, errors\n"  # 1: Store is the API's; errors is the module archive.errors
        "from archive.present import terminal\n"
        "from archive.version import __version__\n"  # 3: version must come through the API
    ),
}


def test_the_checker_catches_what_it_must_and_only_that(tmp_path: Path) -> None:
    for name, text in SYNTHETIC.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = {(v.path, v.line, v.rule) for v in check(tmp_path)}
    assert found == {
        ("archive/extra.py", 1, "stage"),
        ("archive/capture/fetch.py", 5, "layer"),
        ("archive/store/repository.py", 4, "layer"),
        ("archive/store/writer.py", 4, "private"),
        ("archive/store/writer.py", 14, "private"),
        ("archive/compare/words.py", 4, "compare"),
        ("archive/compare/words.py", 7, "compare"),
        ("archive/cli.py", 1, "layer"),
        ("archive/cli.py", 3, "layer"),
    }
    assert stage_graph(tmp_path) == {
        ("api", "web"): 1,
        ("capture", "base"): 1,
        ("capture", "ingest"): 1,
        ("store", "review"): 1,
        ("compare", "base"): 1,
        ("cli", "api"): 1,
        ("cli", "base"): 2,
        ("cli", "present"): 1,
    }
    marked = [line.split() for line in format_graph(stage_graph(tmp_path)).splitlines() if "not allowed" in line]
    assert [(source, target) for source, _, target, *_ in marked] == [
        ("capture", "ingest"),
        ("compare", "base"),
        ("store", "review"),
        ("cli", "base"),
    ]


if __name__ == "__main__":
    print(format_graph(stage_graph(ROOT)))
