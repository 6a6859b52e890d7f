"""The landing zone (spec §9): ``landing/<trust>/<period>/<submission>/``.

A submission is complete when its ``manifest.json`` is present. ``submit`` copies a folder in
under a temporary name and renames it into place, so a reader never sees half a submission;
files dropped by other means (SFTP) count as received when their manifest appears.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from .contract.submission import SubmissionRef
from .owner_only import make_private, private_dir
from .settings import Settings

RECEIVED = "received.json"
PROCESSED = "processed.json"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class LandedSubmission:
    submission_id: str
    trust: str
    period: str
    folder: Path
    received_at: dt.datetime  # UTC

    @property
    def ref(self) -> SubmissionRef:
        return SubmissionRef(self.submission_id, self.trust, self.period, self.received_at)

    @property
    def partition(self) -> tuple[str, str]:
        return self.trust, self.period


def _stamp(at: dt.datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S%fZ")


def _id(trust: str, period: str, at: dt.datetime, manifest: bytes) -> str:
    return f"{trust}-{period}-{_stamp(at)}-{hashlib.sha256(manifest).hexdigest()[:8]}"


def submit(
    folder: Path, settings: Settings, trust: str, period: str, received_at: dt.datetime | None = None
) -> LandedSubmission:
    """Land a (validated) submission folder atomically, stamped with ``received_at`` (UTC)."""
    folder = Path(folder)
    at = received_at or dt.datetime.now(dt.UTC)
    manifest = (folder / MANIFEST).read_bytes()
    sid = _id(trust, period, at, manifest)
    parent = settings.landing / trust / period
    for level in (settings.landing, settings.landing / trust, parent):
        private_dir(level)  # patient data: owner-only whatever the umask
    tmp = parent / f".incoming-{sid}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(folder, tmp, ignore=shutil.ignore_patterns(MANIFEST, RECEIVED))
    (tmp / RECEIVED).write_text(json.dumps({"submission_id": sid, "received_at": at.isoformat()}), encoding="utf-8")
    shutil.copy2(folder / MANIFEST, tmp / MANIFEST)
    make_private(tmp)
    final = parent / sid
    tmp.rename(final)
    return LandedSubmission(sid, trust, period, final, at)


def _read(folder: Path) -> LandedSubmission | None:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None  # still being written (or not a submission)
    trust, period = folder.parent.parent.name, folder.parent.name
    stamp = folder / RECEIVED
    if stamp.is_file():
        meta = json.loads(stamp.read_text(encoding="utf-8"))
        return LandedSubmission(
            meta["submission_id"], trust, period, folder, dt.datetime.fromisoformat(meta["received_at"])
        )
    # dropped by other means (SFTP): received when its manifest appeared; stamped on first
    # sight so its id stays the same however often the zone is scanned
    at = dt.datetime.fromtimestamp(manifest.stat().st_mtime, dt.UTC)
    sid = _id(trust, period, at, manifest.read_bytes() + folder.name.encode())
    tmp = folder / f".{RECEIVED}.tmp"
    try:
        tmp.write_text(json.dumps({"submission_id": sid, "received_at": at.isoformat()}), encoding="utf-8")
        tmp.replace(stamp)
    except OSError:
        pass  # a read-only drop still works; the id then follows the manifest's time
    return LandedSubmission(sid, trust, period, folder, at)


def scan(settings: Settings, trust: str = "*", period: str = "*") -> list[LandedSubmission]:
    """Every complete submission in the landing zone (or one trust × month of it), in
    ``received_at`` order."""
    root = settings.landing
    if not root.is_dir():
        return []
    found = []
    for folder in root.glob(f"{trust}/{period}/*"):
        if folder.is_dir() and not folder.name.startswith("."):
            sub = _read(folder)
            if sub:
                found.append(sub)
    return sorted(found, key=lambda s: (s.received_at, s.submission_id))


def mark_processed(sub: LandedSubmission, status: str) -> None:
    """Note in the landing folder that the pipeline has processed it (the sensor reads this, so
    it never needs to open the single-writer warehouse)."""
    tmp = sub.folder / f".{PROCESSED}.tmp"
    tmp.write_text(json.dumps({"status": status, "at": dt.datetime.now(dt.UTC).isoformat()}), encoding="utf-8")
    tmp.replace(sub.folder / PROCESSED)


def is_marked_processed(sub: LandedSubmission) -> bool:
    return (sub.folder / PROCESSED).is_file()
