"""Repetition check for the exit-time abort (issue 14 item 6): run ``spasticity validate --json``
many times on real submissions — an unreadable one (a ragged row: F05, the case that aborted),
an accepted one of each format — with the other cores kept busy, and count the exit codes.

    python -m spasticity_pipeline_tests.bench.exit_abort [--runs 300] [--busy 1]

Before the fix about one run in twenty to three hundred ended with ``terminate called without an
active exception`` (exit −6, SIGABRT): pyarrow's CSV reader read a Python ``io.BytesIO`` through
its I/O threads; a parse error (F05) returned while read-ahead blocks were still in flight, and a
block released at interpreter exit took the GIL from a pool thread, which CPython ends with
``pthread_exit`` — a forced unwind through a ``noexcept`` frame, so ``std::terminate``. The
reader now hands pyarrow Arrow-owned memory only (``extract/read.py``), so no pool thread ever
needs the GIL. Prints counts; exits 1 if any run ended other than 0 or 1.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from spasticity_pipeline.settings import SHIPPED_POSTCODE_LOOKUP
from spasticity_pipeline.synthetic import generate_network


def _busy(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def _ragged(folder: Path, out: Path) -> Path:
    """The submission with one data row given an extra field (rows and sha256 restamped)."""
    import hashlib
    import json

    shutil.copytree(folder, out)
    path = out / "contacts.csv"
    lines = path.read_bytes().split(b"\n")
    lines[len(lines) // 3] += b",extra"
    data = b"\n".join(lines)
    path.write_bytes(data)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["contacts.csv"]["sha256"] = hashlib.sha256(data).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=300, help="validate runs per submission")
    ap.add_argument("--busy", type=int, default=max(os.cpu_count() or 2, 2) - 1, help="busy-loop processes")
    ap.add_argument("--patients", type=int, default=2_000)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="spasticity-abort-"))
    stop = multiprocessing.Event()
    busy = [multiprocessing.Process(target=_busy, args=(stop,), daemon=True) for _ in range(args.busy)]
    try:
        subs = generate_network(
            root / "net",
            trusts=["RDR", "RYR", "RYY"],
            months=["2026-09"],
            patients=args.patients,
            seed=3,
            fault_rate=0.01,
            e1_faults=False,
        )
        folders = {f"{s.trust} accepted": s.folder for s in subs}
        folders["RDR ragged (F05)"] = _ragged(subs[0].folder, root / "ragged")
        env = {
            **os.environ,
            "SPASTICITY_HOME": str(root / "home"),
            "SPASTICITY_POSTCODE_LOOKUP": str(SHIPPED_POSTCODE_LOOKUP),
            "SPASTICITY_PSEUDONYM_KEY": "abort-check",
        }
        script = str(Path(sys.executable).parent / "spasticity")
        for p in busy:
            p.start()
        codes: dict[str, collections.Counter] = {name: collections.Counter() for name in folders}
        for i in range(args.runs):
            for name, folder in folders.items():
                res = subprocess.run([script, "validate", "--json", str(folder)], env=env, capture_output=True)
                codes[name][res.returncode] += 1
                if res.returncode not in (0, 1):
                    tail = res.stderr.decode(errors="replace").strip().splitlines()[-1:]
                    print(f"run {i + 1} {name}: exit {res.returncode} {tail}", flush=True)
        bad = 0
        for name, counter in codes.items():
            print(f"{name:<22} " + "  ".join(f"exit {c}: {n}" for c, n in sorted(counter.items())))
            bad += sum(n for c, n in counter.items() if c not in (0, 1))
        print(f"{bad} of {args.runs * len(folders)} runs ended abnormally")
        sys.exit(1 if bad else 0)
    finally:
        stop.set()
        for p in busy:
            p.join(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
