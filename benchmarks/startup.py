"""Start-up: what each command costs as a whole process, beside git's own commands and a bare interpreter.

Every row is a separate process run several times (median wall and CPU seconds, user and system; peak
resident memory is the highest of the runs), beside its baseline measured in the same run:

- ``archive --version`` against ``python -c pass`` (the same interpreter: what Python itself costs);
- each read command (``show``, ``history``, ``diff``, ``claims``, ``log -n 20``, ``list -n 20``,
  ``changes -n 20``) on each STORE, against ``git show`` of the same version's text or ``git log -n 20``;
- ``snapshot`` of a small text file into a fresh small store, and of its next version into a store that holds
  the first (its lookup cache made), against ``git add`` + ``git commit`` of the same file into a fresh
  repository; and the git processes one snapshot starts (a ``git`` on PATH that counts them).

Without a STORE, the read rows run on a small store made here (the two versions of the seed article), so
that ``show`` and ``claims`` are always measured.

    python benchmarks/startup.py [STORE...] [--before CHECKOUT] [--runs 7]

Each checkout's modules are compiled first (``compileall``), as an installed package's are: without
cached bytecode (``PYTHONDONTWRITEBYTECODE=1`` and no ``__pycache__``), every run compiles every module it
imports again, which the ``--version`` rows "no bytecode" show. ``--before`` times another checkout of the
code too (``git worktree add --detach DIR COMMIT``), run after run beside this one, so that both see the
same load; each checkout runs with ``PYTHONPATH`` set to it. A store is only read, except by ``changes``,
which may compare versions and keep them in the store's lookup cache the first time: give copies of shared
stores. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _common import ROOT, Usage, pick_article, run_process, text_path

SEED = ROOT / "seeds" / "000_dbbbf4a16fd70257.txt"
REVISION = ROOT / "seeds" / "000_dbbbf4a16fd70257.rev1-illustrative.txt"
PYTHON = sys.executable


def load() -> str:
    """The load averages (1, 5, 15 minutes): every figure is printed with them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Checkout:
    """A checkout of the code, run as ``python -m archive`` with PYTHONPATH set to it."""

    def __init__(self, label: str, path: Path) -> None:
        self.label = label
        self.path = path
        self.env = os.environ | {"PYTHONPATH": str(path)}

    def compile(self) -> None:
        """Write the bytecode of every module, as installing the package does."""
        run_process([PYTHON, "-m", "compileall", "-q", str(self.path / "archive")])

    def uncompiled(self, work: Path) -> Checkout:
        """A copy of this checkout's package without bytecode, run so that it writes none: every module of
        archive compiled again at every run (the libraries keep theirs)."""
        copy = work / f"{self.label}-source"
        shutil.copytree(self.path / "archive", copy / "archive", ignore=shutil.ignore_patterns("__pycache__"))
        other = Checkout(f"{self.label}, no bytecode", copy)
        other.env["PYTHONDONTWRITEBYTECODE"] = "1"
        return other

    def archive(self, *arguments: str) -> list[str]:
        # -P: without it, ``-m`` puts the working directory first on sys.path, and a run from a checkout's root
        # times that checkout's code whatever PYTHONPATH says (every "before" row did, run from the repository).
        return [PYTHON, "-P", "-m", "archive", *arguments]


Measured = dict[str, list[Usage]]


def measure(runs: int, steps: dict[str, Callable[[], Usage]]) -> Measured:
    """Each step ``runs`` times, one run of every step in turn (so that all see the same load)."""
    results: Measured = {name: [] for name in steps}
    for _ in range(runs):
        for name, step in steps.items():
            results[name].append(step())
    return results


def summary(usages: list[Usage]) -> tuple[float, float, int]:
    return (
        statistics.median(u.wall for u in usages),
        statistics.median(u.cpu for u in usages),
        max(u.peak_kib for u in usages) // 1024,
    )


def table(title: str, rows: list[tuple[str, str, str]], results: Measured) -> None:
    """``rows``: (row name, key in results, key of its baseline)."""
    print(f"\n{title}   (load {load()})")
    print(f"{'command':42} {'wall s':>7} {'CPU s':>7} {'peak MiB':>8} {'× wall':>7} {'× CPU':>7}  baseline")
    for name, key, baseline in rows:
        wall, cpu, peak = summary(results[key])
        if key == baseline:
            print(f"{name:42} {wall:7.3f} {cpu:7.3f} {peak:8d}")
            continue
        base_wall, base_cpu, _ = summary(results[baseline])
        print(
            f"{name:42} {wall:7.3f} {cpu:7.3f} {peak:8d} {wall / base_wall:7.1f} "
            f"{cpu / max(base_cpu, 0.001):7.1f}  {baseline}"
        )
    sys.stdout.flush()


def version_rows(checkouts: list[Checkout], runs: int, work: Path) -> None:
    steps: dict[str, Callable[[], Usage]] = {"python -c pass": lambda: run_process([PYTHON, "-c", "pass"])}
    every = [*checkouts, *(checkout.uncompiled(work) for checkout in checkouts)]
    for checkout in every:
        steps[checkout.label] = lambda c=checkout: run_process(c.archive("--version"), env=c.env)  # type: ignore[misc]
    results = measure(runs, steps)
    rows = [("python -c pass", "python -c pass", "python -c pass")]
    rows += [(f"archive --version ({c.label})", c.label, "python -c pass") for c in every]
    table("archive --version", rows, results)


def read_rows(store: Path, checkouts: list[Checkout], runs: int) -> None:
    article, latest, commit = pick_article(store)
    git = ["git", "-C", str(store)]
    commands = {
        "show ID@latest": (["show", f"{article}@latest"], "git show"),
        "history ID": (["history", article], "git show"),
        "diff ID": (["diff", article], "git show"),
        "claims ID": (["claims", article], "git show"),
        "log -n 20": (["log", "-n", "20"], "git log -n 20"),
        "list -n 20": (["list", "-n", "20"], "git log -n 20"),
        "changes -n 20": (["changes", "-n", "20"], "git log -n 20"),
    }
    steps: dict[str, Callable[[], Usage]] = {
        "git show": lambda: run_process([*git, "show", f"{commit}:{text_path(article)}"]),
        "git log -n 20": lambda: run_process([*git, "log", "-n", "20"]),
    }
    rows = [
        ("git show (baseline)", "git show", "git show"),
        ("git log -n 20 (baseline)", "git log -n 20", "git log -n 20"),
    ]
    for name, (arguments, baseline) in commands.items():
        for checkout in checkouts:
            key = f"{name} ({checkout.label})"
            command = checkout.archive("--store", str(store), *arguments)
            steps[key] = lambda command=command, c=checkout: run_process(command, env=c.env)  # type: ignore[misc]
            rows.append((key, key, baseline))
    count = run_process([*git, "rev-list", "--count", "HEAD"], capture=True).stdout.strip()
    results = measure(runs, steps)
    table(f"{store}: {int(count):,} commits; article {article} (v{latest})", rows, results)


def git_wrapper(directory: Path) -> Path:
    """A ``git`` first on PATH that appends its arguments to a log, then runs the real one."""
    real = shutil.which("git")
    assert real is not None
    log = directory / "git-calls.log"
    wrapper = directory / "bin" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {log}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    return log


def snapshot_rows(checkouts: list[Checkout], runs: int, work: Path) -> None:
    store, plain = work / "store", work / "plain"
    at, later = "2021-12-17T12:00:00Z", "2021-12-18T12:00:00Z"

    def fresh(checkout: Checkout) -> None:
        shutil.rmtree(store, ignore_errors=True)
        run_process(checkout.archive("--store", str(store), "init"), env=checkout.env)

    def snapshot(checkout: Checkout) -> Usage:
        fresh(checkout)
        return run_process(checkout.archive("--store", str(store), "snapshot", str(SEED), "--at", at), env=checkout.env)

    def holding_one(checkout: Checkout) -> Path:
        """A store holding the seed's first version (and its lookup cache), copied before each run."""
        template = work / f"one-version ({checkout.label})"
        command = checkout.archive("--store", str(template), "snapshot", str(SEED), "--id", "putin", "--at", at)
        run_process(checkout.archive("--store", str(template), "init"), env=checkout.env)
        run_process(command, env=checkout.env)
        return template

    def next_version(checkout: Checkout, template: Path) -> Usage:
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(template, store, symlinks=True)
        command = checkout.archive("--store", str(store), "snapshot", str(REVISION), "--id", "putin", "--at", later)
        return run_process(command, env=checkout.env)

    def git_commit() -> Usage:
        shutil.rmtree(plain, ignore_errors=True)
        run_process(["git", "init", "-q", str(plain)])
        shutil.copy(SEED, plain / "text.txt")
        added = run_process(["git", "-C", str(plain), "add", "text.txt"])
        identity = ["-c", "user.name=a", "-c", "user.email=a@b"]
        committed = run_process(["git", "-C", str(plain), *identity, "commit", "-q", "-m", "v1"])
        return Usage(added.wall + committed.wall, added.cpu + committed.cpu, max(added.peak_kib, committed.peak_kib))

    steps: dict[str, Callable[[], Usage]] = {"git add + git commit": git_commit}
    rows = [("git add + git commit (baseline)", "git add + git commit", "git add + git commit")]
    for checkout in checkouts:
        key = f"snapshot ({checkout.label})"
        steps[key] = lambda c=checkout: snapshot(c)  # type: ignore[misc]
        rows.append((key, key, "git add + git commit"))
    for checkout in checkouts:
        key = f"snapshot, version 2 ({checkout.label})"
        template = holding_one(checkout)
        steps[key] = lambda c=checkout, t=template: next_version(c, t)  # type: ignore[misc]
        rows.append((key, key, "git add + git commit"))
    results = measure(runs, steps)
    table(f"snapshot of {SEED.name} into a fresh store; of its next version into a store holding it", rows, results)

    log = git_wrapper(work)
    for checkout in checkouts:
        fresh(checkout)
        log.unlink(missing_ok=True)
        env = checkout.env | {"PATH": f"{log.parent / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        run_process(checkout.archive("--store", str(store), "snapshot", str(SEED), "--at", at), env=env)
        calls = log.read_text().splitlines() if log.exists() else []
        print(f"git processes in one snapshot ({checkout.label}): {len(calls)}")
        for call in calls:
            print(f"    git {call}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stores", nargs="*", type=Path)
    parser.add_argument("--before", type=Path, help="another checkout to time beside this one")
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    checkouts = [Checkout("this", ROOT)]
    if options.before is not None:
        checkouts.insert(0, Checkout("before", options.before.resolve()))
    for checkout in checkouts:
        checkout.compile()
    work = Path(tempfile.mkdtemp(prefix="archive-startup-"))
    try:
        version_rows(checkouts, options.runs, work)
        snapshot_rows(checkouts, options.runs, work)
        for store in options.stores or [small_store(work / "small", checkouts[-1])]:
            read_rows(store, checkouts, options.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def small_store(path: Path, checkout: Checkout) -> Path:
    """A store holding the seed article's two versions, for the read rows when no store is given."""
    run_process(checkout.archive("--store", str(path), "init"), env=checkout.env)
    for source, at in ((SEED, "2021-12-17T12:00:00Z"), (REVISION, "2021-12-18T12:00:00Z")):
        command = checkout.archive("--store", str(path), "snapshot", str(source), "--id", "putin", "--at", at)
        run_process(command, env=checkout.env)
    return path


if __name__ == "__main__":
    main()
