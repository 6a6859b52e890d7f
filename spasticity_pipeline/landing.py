"""The landing zone (spec §9): ``landing/<trust>/<period>/<submission>/``.

A submission is complete when its ``manifest.json`` is present. ``submit`` copies a folder in
under a temporary name and renames it into place, so a reader never sees half a submission;
files dropped by other means (SFTP) count as received when their manifest appears.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from .contract.submission import SubmissionRef
from .owner_only import make_private, private_dir
from .settings import Settings

RECEIVED = "received.json"
PROCESSED = "processed.json"
MANIFEST = "manifest.json"

log = logging.getLogger(__name__)


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


def _id(trust: str, period: str, at: dt.datetime, digest: str) -> str:
    return f"{trust}-{period}-{_stamp(at)}-{digest[:8]}"


def _digest(manifest: Path, salt: bytes = b"") -> str:
    """sha256 of the manifest's bytes (then ``salt``), read in chunks: a drop's manifest may be
    any size, or unreadable (it still gets an id, and validation rejects it)."""
    h = hashlib.sha256()
    try:
        with manifest.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError:
        h.update(b"\0unreadable")
    h.update(salt)
    return h.hexdigest()


def submit(
    folder: Path, settings: Settings, trust: str, period: str, received_at: dt.datetime | None = None
) -> LandedSubmission:
    """Land a (validated) submission folder atomically, stamped with ``received_at`` (UTC).

    All or nothing: when copying fails (a full disk) the temporary folder is removed and the
    ``OSError`` raised as it came (``oserrors.disk_full`` puts it into words)."""
    folder = Path(folder)
    at = received_at or dt.datetime.now(dt.UTC)
    sid = _id(trust, period, at, _digest(folder / MANIFEST))
    parent = settings.landing / trust / period
    for level in (settings.landing, settings.landing / trust, parent):
        private_dir(level)  # patient data: owner-only whatever the umask
    tmp = parent / f".incoming-{sid}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _copy_tree(folder, tmp)
        (tmp / RECEIVED).write_text(json.dumps({"submission_id": sid, "received_at": at.isoformat()}), encoding="utf-8")
        shutil.copy2(folder / MANIFEST, tmp / MANIFEST)
        make_private(tmp)
        final = parent / sid
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return LandedSubmission(sid, trust, period, final, at)


def _copy_tree(src: Path, dst: Path) -> None:
    """``shutil.copytree`` without the manifest and stamp, raising the first ``OSError`` itself
    (copytree gathers failures into one ``shutil.Error`` of text, losing the errno)."""
    first: list[OSError] = []

    def copy(a: str, b: str) -> object:
        try:
            return shutil.copy2(a, b)
        except OSError as exc:
            first.append(exc)
            raise

    try:
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns(MANIFEST, RECEIVED), copy_function=copy)
    except shutil.Error:
        if first:
            raise first[0] from None
        raise


def _stamped(folder: Path, trust: str, period: str) -> LandedSubmission | None:
    """The submission as its ``received.json`` says, if that stamp is one this module wrote for
    this folder: a drop may hold anything under that name, and a forged id must not name (and so
    replace) another submission."""
    try:
        meta = json.loads((folder / RECEIVED).read_text(encoding="utf-8"))
        sid, at = str(meta["submission_id"]), dt.datetime.fromisoformat(meta["received_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if at.tzinfo is None or not sid.startswith(f"{trust}-{period}-"):
        return None
    if sid != folder.name and sid != _id(trust, period, at, _digest(folder / MANIFEST, folder.name.encode())):
        return None
    return LandedSubmission(sid, trust, period, folder, at.astimezone(dt.UTC))


def _read(folder: Path) -> LandedSubmission | None:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None  # still being written (or not a submission)
    trust, period = folder.parent.parent.name, folder.parent.name
    stamped = _stamped(folder, trust, period)
    if stamped:
        return stamped
    # dropped by other means (SFTP): received when its manifest appeared; stamped on first
    # sight so its id stays the same however often the zone is scanned
    try:
        at = dt.datetime.fromtimestamp(manifest.stat().st_mtime, dt.UTC)
    except OSError:
        return None  # gone since it was listed
    sid = _id(trust, period, at, _digest(manifest, folder.name.encode()))
    tmp = folder / f".{RECEIVED}.tmp"
    try:
        tmp.write_text(json.dumps({"submission_id": sid, "received_at": at.isoformat()}), encoding="utf-8")
        tmp.replace(folder / RECEIVED)
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
    try:
        tmp.write_text(json.dumps({"status": status, "at": dt.datetime.now(dt.UTC).isoformat()}), encoding="utf-8")
        tmp.replace(sub.folder / PROCESSED)
    except OSError as exc:  # a read-only drop: the warehouse still knows it is processed
        log.warning("%s: cannot mark the landing folder processed (%s)", sub.submission_id, exc.strerror)


def is_marked_processed(sub: LandedSubmission) -> bool:
    return (sub.folder / PROCESSED).is_file()
