"""Several stores read as one: three collectors' stores, each pushed to its own bare remote on this machine,
listed and searched together from clones of those remotes, article ids qualified by store name."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner, Result
from conftest import SEED, SEED_REVISION

from archive.cli import cli
from archive.store.repository import Store


def archive(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_three_stores_pushed_to_their_own_remotes_are_read_as_one(tmp_path: Path) -> None:
    captures = {  # store name: (article id, source, capture time); "story" is in two stores
        "politics": [("story", SEED, "2021-12-17T12:00:00Z"), ("story", SEED_REVISION, "2021-12-18T12:00:00Z")],
        "world": [("story", SEED, "2021-12-19T08:00:00Z")],
        "local": [("council", SEED_REVISION, "2021-12-20T08:00:00Z")],
    }
    clones = []
    for name, versions in captures.items():
        remote = tmp_path / "remotes" / f"{name}.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        Store.init(tmp_path / "collectors" / name).close()
        for article, source, at in versions:
            done = archive("--store", str(tmp_path / "collectors" / name), "snapshot", str(source), "--id", article,
                           "--at", at)  # fmt: skip
            assert done.exit_code == 0, done.output
        assert archive("--store", str(tmp_path / "collectors" / name), "push", str(remote)).exit_code == 0
        clone = tmp_path / "reader" / name
        Store.init(clone).close()
        assert archive("--store", str(clone), "pull", str(remote)).exit_code == 0
        clones.append(clone)
    stores = [argument for clone in clones for argument in ("--store", str(clone))]

    listed = json.loads(archive(*stores, "list", "--json").output)["articles"]
    expected = [("local:council", 1), ("politics:story", 2), ("world:story", 1)]
    assert [(a["id"], a["versions"]) for a in listed] == expected
    page = json.loads(archive(*stores, "list", "-n", "1", "--after", "politics:story", "--json").output)["articles"]
    assert [a["id"] for a in page] == ["world:story"]
    text = archive(*stores, "list").output
    assert "politics:story" in text and "world:story" in text

    mentions = json.loads(archive(*stores, "coverage", "Kremlin", "--json").output)
    articles = {mention["article"] for mention in mentions["mentions"]}
    assert articles <= {"politics:story", "world:story", "local:council"} and "politics:story" in articles

    refused = CliRunner().invoke(cli, [*stores, "show", "politics:story"])
    assert refused.exit_code == 2 and refused.stderr == "Error: `cli show` works on one store: give one --store\n"


def test_two_stores_of_one_name_are_refused(tmp_path: Path) -> None:
    for parent in ("a", "b"):
        Store.init(tmp_path / parent / "news").close()
    done = CliRunner().invoke(cli, ["--store", str(tmp_path / "a/news"), "--store", str(tmp_path / "b/news"), "list"])
    assert done.exit_code == 2 and done.stderr.startswith("Error: two stores are named 'news'")
    assert done.stderr.count("\n") == 1
