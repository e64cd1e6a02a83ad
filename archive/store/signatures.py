"""The collector's signatures: each version's commit id signed with an SSH key, as ``ssh-keygen -Y sign`` does.

What is signed is what identifies the version: its commit id, 40 lowercase hex
digits without a newline, in the namespace ``archive-version``. A commit id
covers the text, the raw capture, the metadata and the whole history before
it, and the namespace keeps the signature from passing for any other use of
the same key (a git commit's, a file's). A signature is therefore bound to one
version: moved to another, it no longer verifies. Signing runs OpenSSH's own
``ssh-keygen``, so keys in an agent work as they do for git; checking is done
here with ``cryptography`` (one process per version would be too slow for a
million) and gives what ``ssh-keygen -Y verify`` gives, which the tests check.
Signatures are kept as git notes (``archive.store.notes``); docs/evidence.md
says how to check one with ssh-keygen alone.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
import shlex
import struct
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_ssh_public_key

from archive.errors import InvalidInput, SigningFailed
from archive.store.layout import ALLOWED_SIGNERS_FILE, EVIDENCE_REF, SIGNATURES_REF
from archive.store.notes import read_files, read_notes

if TYPE_CHECKING:
    from archive.store.repository import Store

__all__ = [
    "NAMESPACE",
    "Signing",
    "sign",
    "AllowedSigner",
    "SignatureCheck",
    "sign_commits",
    "public_key_of",
    "allowed_signer_line",
    "parse_allowed_signers",
    "check_signature",
]

NAMESPACE = "archive-version"
_MAGIC = b"SSHSIG"
_ARMOR = re.compile(rb"-----BEGIN SSH SIGNATURE-----\s*(.*?)\s*-----END SSH SIGNATURE-----", re.S)
_KEY_TYPES = frozenset({"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"})
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
# ssh-keygen takes this many files a run (its command line stays far below the system's limit).
_FILES_PER_RUN = 500
# The probe a key is tried on before it is accepted (never stored).
_PROBE = "0" * 40
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- the store's setting, and catching up ----------------------------------------------------


@dataclass(frozen=True)
class Signing:
    """What ``sign`` did: the key now set, the key it allowed (if new), and the versions it signed."""

    key: str | None
    added: str | None  # the allowed-signers line added for the key
    allowed: int  # keys the store allows
    signed: int  # versions signed now
    versions: int  # versions in the store


def sign(store: Store, key: Path | None = None, allowed_signers: Path | None = None) -> Signing:
    """Make ``key`` the store's signing key (allowing it) and sign every version that has no signature yet.

    ``allowed_signers`` replaces the store's allowed-signers file first. The
    key setting is local (.git/config); the allowed signers and the signatures
    are refs that ``archive push`` and ``pull`` carry. Every check comes first:
    a key that cannot sign or a malformed file changes nothing.
    """
    given: bytes | None = None
    if allowed_signers is not None:
        try:
            given = allowed_signers.read_bytes()
        except OSError as error:
            raise InvalidInput(f"cannot read the allowed-signers file {allowed_signers}: {error.strerror}") from None
        parse_allowed_signers(given)
    public = public_key_of(key.resolve()) if key is not None else None
    signing_key = key.resolve() if key is not None else store.signing_key()
    versions = store.log()
    added = None
    with store.writing_beside() as beside:
        current = given if given is not None else read_files(store, EVIDENCE_REF).get(ALLOWED_SIGNERS_FILE, b"")
        signers = parse_allowed_signers(current) if current.strip() else []
        if public is not None and not any(_public_key_text(signer.key) == public for signer in signers):
            added = allowed_signer_line(store.identity()[1], public)
            current = current + (b"" if not current or current.endswith(b"\n") else b"\n") + added.encode() + b"\n"
            signers = parse_allowed_signers(current)
        newest = max((entry.captured_at for entry in versions), default=_EPOCH)
        if current != read_files(store, EVIDENCE_REF).get(ALLOWED_SIGNERS_FILE):
            beside.put_files(EVIDENCE_REF, {ALLOWED_SIGNERS_FILE: current}, newest, "archive: allowed signers")
        signed = read_notes(store, SIGNATURES_REF)
        missing = [entry for entry in reversed(versions) if entry.commit not in signed]
        if missing and signing_key is None:
            raise SigningFailed(
                f"{len(missing)} version(s) have no signature and the store has no signing key: give --key KEY"
            )
        if missing and signing_key is not None:
            signatures = sign_commits(signing_key, [entry.commit for entry in missing])
            latest = max(entry.captured_at for entry in missing)
            beside.add_notes(SIGNATURES_REF, signatures, latest, f"archive: sign {len(signatures)} version(s)")
    if key is not None:
        store.set_signing_key(key.resolve())
    return Signing(
        key=str(signing_key) if signing_key else None,
        added=added,
        allowed=len(signers),
        signed=len(missing),
        versions=len(versions),
    )


# --- signing -------------------------------------------------------------------------------


def sign_commits(key: Path, commits: Sequence[str]) -> dict[str, bytes]:
    """Each commit id signed with ``key`` (a private key file, or a public one whose key an agent holds).

    Raises SigningFailed, with ssh-keygen's reason, when the key cannot sign
    (missing, not a key, protected by a passphrase and not in an agent):
    never a prompt, since a watcher or a cron job has no one to answer it.
    """
    if not commits:
        return {}
    if not key.is_file():
        raise SigningFailed(f"cannot sign with {key}: no such key file (set another with `archive sign --key KEY`)")
    signatures: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="archive-sign-") as scratch:
        for start in range(0, len(commits), _FILES_PER_RUN):
            chunk = commits[start : start + _FILES_PER_RUN]
            paths = [Path(scratch, commit) for commit in chunk]
            for commit, path in zip(chunk, paths, strict=True):
                path.write_bytes(commit.encode("ascii"))
            _ssh_keygen(key, ["-Y", "sign", "-f", str(key), "-n", NAMESPACE, "-q", *map(str, paths)])
            for commit, path in zip(chunk, paths, strict=True):
                signatures[commit] = path.with_name(path.name + ".sig").read_bytes()
    return signatures


def public_key_of(key: Path) -> str:
    """The public key (``type base64``) of a key that can sign, tried on a probe; SigningFailed if it cannot."""
    signature = sign_commits(key, [_PROBE])[_PROBE]
    return _public_key_text(_parse(signature).public_key)


def _ssh_keygen(key: Path, arguments: list[str]) -> None:
    environment = {name: value for name, value in os.environ.items() if name not in ("DISPLAY", "SSH_ASKPASS")}
    environment["SSH_ASKPASS_REQUIRE"] = "never"
    try:
        result = subprocess.run(
            ["ssh-keygen", *arguments],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=environment,
            start_new_session=True,  # no terminal to prompt on for a passphrase
            timeout=120,
        )
    except FileNotFoundError:
        raise SigningFailed("cannot sign: ssh-keygen (OpenSSH) is not installed") from None
    except subprocess.TimeoutExpired:
        raise SigningFailed(f"cannot sign with {key}: ssh-keygen did not answer in 120 s") from None
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        reason = next((line for line in lines if "passphrase" in line.lower()), lines[-1] if lines else "")
        if "load public key" in reason:  # ssh-keygen read the file as neither a private key nor a public one
            reason = "not an SSH key"
        raise SigningFailed(f"cannot sign with {key}: {reason or f'ssh-keygen exited {result.returncode}'}")


# --- allowed signers -----------------------------------------------------------------------


@dataclass(frozen=True)
class AllowedSigner:
    """One line of an allowed-signers file: who, for which namespaces (None: any), and the key's blob."""

    principals: tuple[str, ...]
    namespaces: tuple[str, ...] | None
    key: bytes


def allowed_signer_line(principal: str, public_key: str) -> str:
    """The allowed-signers line for a collector's key, limited to the archive's namespace."""
    return f'{principal} namespaces="{NAMESPACE}" {public_key}'


def parse_allowed_signers(data: bytes) -> list[AllowedSigner]:
    """The signers of an allowed-signers file (ssh-keygen(1), ALLOWED SIGNERS); InvalidInput naming a bad line.

    Certificate authorities and validity intervals are refused rather than
    ignored: a check that silently skips a restriction would accept more than
    the file says.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the allowed-signers file is not UTF-8 text") from None
    signers = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            signers.append(_allowed_signer(line))
        except ValueError as error:
            raise InvalidInput(f"the allowed-signers file is malformed at line {number}: {error}") from None
    if not signers:
        raise InvalidInput("the allowed-signers file names no key")
    return signers


def _allowed_signer(line: str) -> AllowedSigner:
    try:
        fields = shlex.split(line, posix=True)
    except ValueError as error:
        raise ValueError(str(error)) from None
    if len(fields) < 3:
        raise ValueError("expected principals, [options], key type and key")
    principals = tuple(fields[0].split(","))
    rest = fields[1:]
    namespaces: tuple[str, ...] | None = None
    if rest[0] not in _KEY_TYPES:
        for option in rest[0].split(","):
            name, _, value = option.partition("=")
            if name.lower() != "namespaces" or not value:
                raise ValueError(f'unsupported option {option!r} (only namespaces="…")')
            namespaces = tuple(value.strip('"').split(","))
        rest = rest[1:]
    if len(rest) < 2 or rest[0] not in _KEY_TYPES:
        raise ValueError(f"unknown key type {rest[0] if rest else ''!r}")
    try:
        blob = base64.b64decode(rest[1], validate=True)
        load_ssh_public_key(f"{rest[0]} {rest[1]}".encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ValueError("the key is not a valid public key") from None
    if _Reader(blob).string() != rest[0].encode("ascii"):
        raise ValueError("the key does not match its type")
    return AllowedSigner(principals, namespaces, blob)


# --- checking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    """What checking one signature found: ``ok``, else ``problem`` is ``signer`` (a key not allowed) or ``bad``."""

    problem: str | None
    message: str
    principals: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class _Signature:
    public_key: bytes
    namespace: bytes
    reserved: bytes
    hash_algorithm: str
    algorithm: str
    value: bytes


def check_signature(signature: bytes, commit: str, allowed: Iterable[AllowedSigner]) -> SignatureCheck:
    """Check ``signature`` as ``ssh-keygen -Y verify -n archive-version`` would, against the message ``commit``."""
    try:
        parsed = _parse(signature)
    except ValueError as error:
        return SignatureCheck("bad", f"the signature cannot be read: {error}")
    if parsed.namespace != NAMESPACE.encode("ascii"):
        return SignatureCheck("bad", f"the signature is for namespace {parsed.namespace!r}, not {NAMESPACE!r}")
    signers = [
        signer
        for signer in allowed
        if signer.key == parsed.public_key and (signer.namespaces is None or NAMESPACE in signer.namespaces)
    ]
    fingerprint = _fingerprint(parsed.public_key)
    if not signers:
        return SignatureCheck("signer", f"signed by key {fingerprint}, which the allowed-signers file does not allow")
    principals = tuple(principal for signer in signers for principal in signer.principals)
    digest = _HASHES[parsed.hash_algorithm](commit.encode("ascii")).digest()
    signed = _MAGIC + b"".join(
        _string(part) for part in (parsed.namespace, parsed.reserved, parsed.hash_algorithm.encode(), digest)
    )
    try:
        _verify(parsed, signed)
    except (InvalidSignature, ValueError):
        return SignatureCheck(
            "bad", f"the signature by {fingerprint} does not verify for this version", principals=principals
        )
    return SignatureCheck(None, f"signed by {', '.join(principals)} ({fingerprint})", principals=principals)


@functools.lru_cache(maxsize=64)
def _key(blob: bytes) -> PublicKeyTypes:
    """A public key loaded once per key: a store has few keys and many signatures."""
    return load_ssh_public_key(_public_key_text(blob).encode("ascii"))


def _verify(signature: _Signature, data: bytes) -> None:
    key = _key(signature.public_key)
    if isinstance(key, ed25519.Ed25519PublicKey) and signature.algorithm == "ssh-ed25519":
        key.verify(signature.value, data)
    elif isinstance(key, rsa.RSAPublicKey) and signature.algorithm in ("rsa-sha2-256", "rsa-sha2-512"):
        algorithm = hashes.SHA256() if signature.algorithm == "rsa-sha2-256" else hashes.SHA512()
        key.verify(signature.value, data, padding.PKCS1v15(), algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey) and signature.algorithm.startswith("ecdsa-sha2-"):
        by_size: Mapping[int, hashes.HashAlgorithm] = {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}
        reader = _Reader(signature.value)
        r, s = reader.mpint(), reader.mpint()
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(by_size[key.curve.key_size]))
    else:
        raise ValueError(f"unsupported signature algorithm {signature.algorithm}")


def _parse(signature: bytes) -> _Signature:
    """An armored SSH signature (PROTOCOL.sshsig) taken apart; ValueError when it is not one."""
    armor = _ARMOR.search(signature)
    if armor is None:
        raise ValueError("no SSH SIGNATURE block")
    try:
        blob = base64.b64decode(b"".join(armor.group(1).split()), validate=True)
    except ValueError:
        raise ValueError("its base64 is damaged") from None
    reader = _Reader(blob)
    if reader.take(6) != _MAGIC or reader.uint32() != 1:
        raise ValueError("not an SSHSIG version 1 signature")
    public_key, namespace, reserved = reader.string(), reader.string(), reader.string()
    hash_algorithm = reader.string().decode("ascii", "replace")
    if hash_algorithm not in _HASHES:
        raise ValueError(f"unknown hash algorithm {hash_algorithm!r}")
    value = _Reader(reader.string())
    algorithm = value.string().decode("ascii", "replace")
    return _Signature(public_key, namespace, reserved, hash_algorithm, algorithm, value.string())


def _public_key_text(blob: bytes) -> str:
    return f"{_Reader(blob).string().decode('ascii', 'replace')} {base64.b64encode(blob).decode('ascii')}"


def _fingerprint(blob: bytes) -> str:
    """The key's fingerprint as ssh-keygen -l prints it."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _Reader:
    """Reads SSH wire-format values (RFC 4251): uint32, string, mpint."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def take(self, size: int) -> bytes:
        if self._at + size > len(self._data):
            raise ValueError("it is cut short")
        part = self._data[self._at : self._at + size]
        self._at += size
        return part

    def uint32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def string(self) -> bytes:
        return self.take(self.uint32())

    def mpint(self) -> int:
        return int.from_bytes(self.string(), "big", signed=True)
