"""Ways to tamper with a real store, as someone with write access to it would: plain git, no archive code."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git(path: Path, *args: str, env: dict[str, str] | None = None, data: bytes | None = None) -> str:
    result = subprocess.run(
        ["git", "-C", str(path), *args], input=data, capture_output=True, check=True, env={**os.environ, **(env or {})}
    )
    return result.stdout.decode().strip()


def commit_on_top(path: Path, message: str = "Fix a typo") -> str:
    """Commit whatever was edited in the working tree, as a person would."""
    git(path, "-c", "user.name=Mallory", "-c", "user.email=mallory@example.org", "commit", "-qam", message)
    return git(path, "rev-parse", "HEAD")


def _signature_env(path: Path, commit: str) -> dict[str, str]:
    fields = git(path, "log", "-1", "--date=raw", "--format=%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd", commit)
    an, ae, ad, cn, ce, cd = fields.split("\0")
    return {
        "GIT_AUTHOR_NAME": an,
        "GIT_AUTHOR_EMAIL": ae,
        "GIT_AUTHOR_DATE": ad,
        "GIT_COMMITTER_NAME": cn,
        "GIT_COMMITTER_EMAIL": ce,
        "GIT_COMMITTER_DATE": cd,
    }


def blob_at(path: Path, commit: str, file: str) -> str | None:
    result = subprocess.run(["git", "-C", str(path), "rev-parse", "-q", "--verify", f"{commit}:{file}"],
                            capture_output=True, text=True)  # fmt: skip
    return result.stdout.strip() or None


def forge_history(
    path: Path,
    target: str,
    *,
    edits: dict[str, bytes] | None = None,
    drop: bool = False,
    message: str | None = None,
) -> dict[str, str]:
    """Rewrite history from ``target`` on, keeping every other commit's author, dates and message, and move the branch.

    ``edits`` replaces files in ``target`` (and in later commits that still hold
    the original file, as a careful forger would); ``drop`` removes the commit,
    restoring the files it changed in later commits that still hold them.
    Returns the map from old to new commit ids.
    """
    parents = git(path, "log", "-1", "--format=%P", target).split()
    parent: str | None = parents[0] if parents else None
    later = git(path, "rev-list", "--reverse", f"{parent}..refs/heads/main" if parent else "refs/heads/main").split()
    substitutions: dict[str, tuple[str | None, str | None]] = {}
    if drop:
        changed = git(path, "diff-tree", "--no-commit-id", "--name-only", "-r", target).split()
        substitutions = {
            file: (blob_at(path, target, file), blob_at(path, parent, file) if parent else None) for file in changed
        }
    for file, content in (edits or {}).items():
        substitutions[file] = (blob_at(path, target, file), git(path, "hash-object", "-w", "--stdin", data=content))
    index = path / ".git" / "forge-index"
    renamed: dict[str, str] = {}
    for commit in later:
        if drop and commit == target:
            continue
        env = {"GIT_INDEX_FILE": str(index)}
        git(path, "read-tree", commit, env=env)
        for file, (old, new) in substitutions.items():
            if blob_at(path, commit, file) == old:
                if new is None:
                    git(path, "update-index", "--force-remove", file, env=env)
                else:
                    git(path, "update-index", "--add", "--cacheinfo", f"100644,{new},{file}", env=env)
        tree = git(path, "write-tree", env=env)
        text = git(path, "log", "-1", "--format=%B", commit) + "\n"
        if commit == target and message is not None:
            text = message
        arguments = ["-p", parent] if parent else []
        forged = git(path, "commit-tree", tree, *arguments, env=_signature_env(path, commit), data=text.encode())
        renamed[commit] = parent = forged
    index.unlink()
    assert parent is not None
    git(path, "update-ref", "refs/heads/main", parent)
    git(path, "read-tree", "-u", "--reset", "refs/heads/main")
    return renamed


def loose_object(path: Path, object_id: str) -> Path:
    return path / ".git" / "objects" / object_id[:2] / object_id[2:]
