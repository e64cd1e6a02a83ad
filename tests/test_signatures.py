"""Signatures by the collector (issue 14, item 1): real SSH keys made by ssh-keygen at test time, real git stores.

Every version's commit id is signed in the namespace archive-version and kept
in a notes ref; the commit ids stay those of an unsigned store. ``verify``
reports a version without a signature, a signature by a key not allowed and a
bad one; ``ssh-keygen -Y verify`` agrees with it on what is stored.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SEED, SEED_REVISION, git

from archive import Store, sign, snapshot, verify
from archive.cli import cli
from archive.store.signatures import check_signature, parse_allowed_signers

NOTES = "archive-signatures"
Signed = tuple[Path, Path, list[str]]  # a signed store, its key, its commits oldest first
CAPTURES = ((SEED, "2021-12-17T12:00:00Z"), (SEED_REVISION, "2021-12-18T09:30:00Z"))


def make_key(folder: Path, name: str, kind: str = "ed25519", passphrase: str = "") -> Path:
    key = folder / name
    size = ["-b", "2048"] if kind == "rsa" else []
    subprocess.run(["ssh-keygen", "-q", "-t", kind, *size, "-N", passphrase, "-C", name, "-f", str(key)], check=True)
    return key


def archive(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), *args])


def capture_all(store: Path) -> list[str]:
    for source, moment in CAPTURES:
        result = archive(store, "snapshot", str(source), "--id", "putin-post-trump", "--at", moment)
        assert result.exit_code == 0, result.output
    return git(store, "rev-list", "--reverse", "main").split()


def findings(store: Path) -> list[tuple[str, str | None]]:
    with Store.open(store, read_only=True) as opened:
        return [(finding.check, finding.commit) for finding in verify(opened).findings]


def note(store: Path, commit: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(store), "notes", "--ref", NOTES, "show", commit], capture_output=True, check=True
    ).stdout


def put_note(store: Path, commit: str, data: bytes, folder: Path) -> None:
    """Replace a note with plain git, as someone tampering with the store would."""
    file = folder / f"note-{commit[:8]}"
    file.write_bytes(data)
    git(store, "notes", "--ref", NOTES, "add", "-f", "-F", str(file), commit)


def ssh_verify(store: Path, commit: str, signature: bytes, folder: Path) -> subprocess.CompletedProcess[str]:
    """``ssh-keygen -Y verify`` on a version, with the store's own allowed-signers file, as docs/evidence.md says."""
    allowed, sig = folder / "allowed_signers", folder / "signature"
    allowed.write_text(git(store, "show", "refs/archive/evidence:allowed_signers"), encoding="utf-8")
    sig.write_bytes(signature)
    checked = ["-I", "archive@localhost", "-n", "archive-version", "-s", str(sig)]
    return subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(allowed), *checked],
        input=commit,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def signed(tmp_path: Path) -> Signed:
    """A store made with ``init --sign-with``, two versions captured: (store, key, commits oldest first)."""
    key = make_key(tmp_path, "collector")
    store = tmp_path / "signed"
    assert archive(store, "init", "--sign-with", str(key)).exit_code == 0
    return store, key, capture_all(store)


def test_signed_store_has_the_commit_ids_of_an_unsigned_one(signed: Signed, tmp_path: Path) -> None:
    store, _, commits = signed
    plain = tmp_path / "plain"
    assert archive(plain, "init").exit_code == 0
    assert capture_all(plain) == commits
    assert git(plain, "for-each-ref", "--format=%(refname)").split() == ["refs/heads/main"]
    listed = git(store, "notes", "--ref", NOTES, "list").split()
    assert sorted(listed[1::2]) == sorted(commits)
    result = archive(store, "verify")
    assert result.exit_code == 0, result.output
    assert "2 signatures by allowed keys" in result.output


@pytest.mark.parametrize("kind", ["ed25519", "rsa", "ecdsa"])
def test_ssh_keygen_and_verify_agree(kind: str, tmp_path: Path) -> None:
    """What archive stores passes ``ssh-keygen -Y verify``; moved to another version, both reject it."""
    key = make_key(tmp_path, f"collector-{kind}", kind)
    store = tmp_path / "store"
    assert archive(store, "init", "--sign-with", str(key)).exit_code == 0
    first, second = capture_all(store)
    signature = note(store, second)
    assert 'Good "archive-version" signature' in ssh_verify(store, second, signature, tmp_path).stdout
    moved = ssh_verify(store, first, signature, tmp_path)
    assert moved.returncode != 0
    allowed = parse_allowed_signers(git(store, "show", "refs/archive/evidence:allowed_signers").encode())
    assert check_signature(signature, second, allowed).ok
    assert check_signature(signature, first, allowed).problem == "bad"
    assert findings(store) == []


def test_a_version_signed_by_another_key_is_reported(signed: Signed, tmp_path: Path) -> None:
    store, _, (_, second) = signed
    intruder = make_key(tmp_path, "intruder")
    message = tmp_path / "message"
    message.write_text(second, encoding="ascii")
    sign_command = ["ssh-keygen", "-Y", "sign", "-q", "-f", str(intruder), "-n", "archive-version", str(message)]
    subprocess.run(sign_command, check=True)
    forged = message.with_name("message.sig").read_bytes()
    put_note(store, second, forged, tmp_path)
    assert findings(store) == [("signature-signer", second)]
    assert ssh_verify(store, second, forged, tmp_path).returncode != 0


def test_a_commit_added_with_plain_git_is_reported(signed: Signed) -> None:
    store, _, _ = signed
    (store / "archive.yaml").write_text("format: 1\n# edited\n", encoding="utf-8")
    git(store, "-c", "user.name=someone", "-c", "user.email=someone@example.org", "commit", "-qam", "tweak")
    added = git(store, "rev-parse", "main").strip()
    found = findings(store)
    assert ("signature-missing", added) in found
    assert ("foreign-commit", added) in found


def test_a_removed_signature_is_reported(signed: Signed) -> None:
    store, _, (first, _) = signed
    git(store, "notes", "--ref", NOTES, "remove", first)
    assert findings(store) == [("signature-missing", first)]


def test_signatures_swapped_between_versions_are_bad(signed: Signed, tmp_path: Path) -> None:
    store, _, (first, second) = signed
    one, two = note(store, first), note(store, second)
    put_note(store, first, two, tmp_path)
    put_note(store, second, one, tmp_path)
    assert sorted(findings(store)) == sorted([("signature-bad", first), ("signature-bad", second)])


def test_a_malformed_allowed_signers_file_is_reported(signed: Signed, tmp_path: Path) -> None:
    store, _, _ = signed
    blob = (
        subprocess.run(
            ["git", "-C", str(store), "hash-object", "-w", "--stdin"],
            input=b"archive@localhost ssh-ed25519 !!!\n",
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    tree = (
        subprocess.run(
            ["git", "-C", str(store), "mktree"],
            input=f"100644 blob {blob}\tallowed_signers\n".encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    parent = git(store, "rev-parse", "refs/archive/evidence").strip()
    commit = git(store, "-c", "user.name=x", "-c", "user.email=x@x", "commit-tree", tree, "-p", parent, "-m", "x")
    git(store, "update-ref", "refs/archive/evidence", commit.strip())
    assert findings(store) == [("allowed-signers", None)]
    result = archive(store, "verify")
    assert result.exit_code == 1 and "malformed at line 1" in result.output


def test_sign_catches_up_an_unsigned_store_without_changing_a_commit(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert archive(store, "init").exit_code == 0
    commits = capture_all(store)
    assert findings(store) == []  # not a signed store: nothing to report
    key = make_key(tmp_path, "collector")
    result = archive(store, "sign", "--key", str(key))
    assert result.exit_code == 0, result.output
    assert "signed 2 versions" in result.output
    assert git(store, "rev-list", "--reverse", "main").split() == commits
    assert findings(store) == []
    again = archive(store, "sign")
    assert "signed 0 versions; 2 already signed" in again.output


def test_a_key_that_cannot_sign_refuses_the_write(signed: Signed, tmp_path: Path) -> None:
    """The store signs with a passphrase-protected key in no agent: nothing is stored, nothing is half-written."""
    store, _, commits = signed
    protected = make_key(tmp_path, "protected", passphrase="correct horse")
    with Store.open(store) as opened:
        opened.set_signing_key(protected)
    refs = git(store, "for-each-ref")
    result = archive(store, "snapshot", str(SEED), "--id", "another", "--at", "2022-01-01T00:00:00Z")
    assert result.exit_code == 12
    assert result.output.startswith("Error: cannot sign with") and "passphrase" in result.output
    assert git(store, "for-each-ref") == refs
    assert git(store, "rev-list", "--reverse", "main").split() == commits


def test_bulk_import_signs_every_version(tmp_path: Path) -> None:
    key = make_key(tmp_path, "collector")
    folder = tmp_path / "captures"
    folder.mkdir()
    for number in range(3):
        (folder / f"story-{number}.txt").write_text(SEED.read_text(encoding="utf-8") + f"\nUpdate {number}.\n")
    store = tmp_path / "store"
    assert archive(store, "init", "--sign-with", str(key)).exit_code == 0
    result = archive(store, "import", str(folder))
    assert result.exit_code == 0, result.output
    assert len(git(store, "rev-list", "main").split()) == 3
    assert findings(store) == []
    with Store.open(store, read_only=True) as opened:
        assert verify(opened).signed == 3


def test_push_and_pull_carry_signatures_and_allowed_signers(tmp_path: Path) -> None:
    """Two collectors, each with its own key, share a bare remote; each store ends up verified with both keys."""
    first_key, second_key = make_key(tmp_path, "first"), make_key(tmp_path, "second")
    remote = tmp_path / "shared.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    one, two = tmp_path / "one", tmp_path / "two"
    assert archive(one, "init", "--sign-with", str(first_key)).exit_code == 0
    archive(one, "snapshot", str(SEED), "--id", "story", "--at", "2021-12-17T12:00:00Z")
    assert archive(one, "push", str(remote)).exit_code == 0
    assert archive(two, "init").exit_code == 0
    assert archive(two, "pull", str(remote)).exit_code == 0
    assert findings(two) == []
    assert archive(two, "sign", "--key", str(second_key)).exit_code == 0
    archive(two, "snapshot", str(SEED_REVISION), "--id", "story", "--at", "2021-12-18T09:30:00Z")
    pushed = archive(two, "push", str(remote))
    assert pushed.exit_code == 0, pushed.output
    assert archive(one, "pull", str(remote)).exit_code == 0, "pull"
    assert findings(one) == [] and findings(two) == []
    with Store.open(one, read_only=True) as opened:
        assert verify(opened).signed == 2
    allowed = git(one, "show", "refs/archive/evidence:allowed_signers")
    assert "first" not in allowed  # principals are the store identity; the keys tell the collectors apart
    assert len(allowed.splitlines()) == 2
    notes = "refs/notes/archive-signatures"
    assert git(remote, "rev-parse", notes) == git(two, "rev-parse", notes)


def test_sign_api_needs_a_key_for_unsigned_versions(tmp_path: Path) -> None:
    from archive import SigningFailed

    with Store.init(tmp_path / "store") as store:
        snapshot(store, str(SEED), article_id="story")
        with pytest.raises(SigningFailed, match="no signing key"):
            sign(store)
        assert store.signing_key() is None
    runner: Callable[..., Result] = archive
    assert runner(tmp_path / "store", "verify").exit_code == 0
