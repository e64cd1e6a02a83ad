"""What checking signatures costs `archive verify`, next to OpenSSH's own `ssh-keygen -Y verify`.

Run: python benchmarks/evidence.py [SIZES...]   (default 100 1000 10000 signatures)

Signs N commit-id messages with a real Ed25519 key (one `ssh-keygen -Y sign` run per 500, as the store
does), then checks them with archive.store.signatures.check_signature (what verify runs, in-process) and,
as the baseline, with `ssh-keygen -Y verify` (one process per signature, as a user checking by hand does).
`ssh-keygen` is run on at most 200 signatures and its rate scaled, as that is all it can do in reasonable
time. Prints each rate, the ratio, and the peak memory of checking. Rates depend on the machine's load;
the ratio, measured in the same run, is the figure to compare.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from archive.store.signatures import NAMESPACE, check_signature, parse_allowed_signers, sign_commits

BASELINE_AT_MOST = 200


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as scratch:
        folder = Path(scratch)
        key = folder / "collector"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        public = key.with_suffix(".pub").read_text().split()
        allowed_file = folder / "allowed_signers"
        allowed_file.write_text(f'archive@localhost namespaces="{NAMESPACE}" {public[0]} {public[1]}\n')
        allowed = parse_allowed_signers(allowed_file.read_bytes())
        print(
            f"{'signatures':>10}  {'sign /s':>9}  {'verify /s':>10}  {'ssh-keygen /s':>13}  {'ratio':>6}  peak memory"
        )
        for size in sizes:
            commits = [hashlib.sha1(str(n).encode()).hexdigest() for n in range(size)]
            start = time.perf_counter()
            signatures = sign_commits(key, commits)
            signing = size / (time.perf_counter() - start)
            tracemalloc.start()
            start = time.perf_counter()
            assert all(check_signature(signatures[c], c, allowed).ok for c in commits)
            checking = size / (time.perf_counter() - start)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            sample = commits[: min(size, BASELINE_AT_MOST)]
            start = time.perf_counter()
            for commit in sample:
                signature = folder / "signature"
                signature.write_bytes(signatures[commit])
                subprocess.run(
                    [
                        *("ssh-keygen", "-Y", "verify", "-f", str(allowed_file), "-I", "archive@localhost"),
                        *("-n", NAMESPACE, "-s", str(signature)),
                    ],
                    input=commit.encode(),
                    capture_output=True,
                    check=True,
                )
            baseline = len(sample) / (time.perf_counter() - start)
            print(
                f"{size:>10,}  {signing:>9,.0f}  {checking:>10,.0f}  {baseline:>13,.0f}  "
                f"{checking / baseline:>5.0f}x  {peak / 1e6:.1f} MB"
            )


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]] or [100, 1000, 10000])
