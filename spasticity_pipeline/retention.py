"""Retention: raw uploads and rejected landings are deleted after ``SPASTICITY_RETENTION_DAYS``
(90 by default), each deletion recorded in the access audit.

- A portal upload's files (``portal/uploads/<id>/submission/``) are the trust's raw extract: gone
  after the retention period, whether or not they were confirmed (a confirmed one was copied to
  the landing zone). The check's result, findings and feedback report stay: they hold no
  identifiers, and the upload's page still shows them.
- A landed submission the pipeline **rejected** is never loaded and only kept for the trust to
  see what was wrong (its findings are in the warehouse): its folder goes after the retention
  period. Accepted submissions stay: the warehouse is rebuilt from them.

Run by ``spasticity purge`` and nightly by the ``expired_uploads_purged`` asset.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import access_audit, landing
from .settings import Settings

log = logging.getLogger(__name__)

REJECTED = "rejected"


@dataclass
class Purged:
    """What a purge deleted (or, in a dry run, would delete)."""

    uploads: list[str] = field(default_factory=list)
    landings: list[str] = field(default_factory=list)
    bytes: int = 0

    @property
    def count(self) -> int:
        return len(self.uploads) + len(self.landings)


def _size(path: Path) -> tuple[int, int]:
    files, total = 0, 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            files += 1
            total += p.stat().st_size
    return files, total


def _marker_rejected(folder: Path) -> bool:
    try:
        return json.loads((folder / landing.PROCESSED).read_text(encoding="utf-8")).get("status") == REJECTED
    except (OSError, ValueError, AttributeError):
        return False


def purge(
    settings: Settings,
    days: int,
    rejected: Iterable[str] = (),
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> Purged:
    """Delete raw uploads and rejected landings older than ``days``.

    ``rejected``: submission ids the warehouse holds as rejected (the pipeline's own marker in
    the landing folder counts too)."""
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - dt.timedelta(days=days)
    rejected = set(rejected)
    out = Purged()
    uploads = settings.home / "portal" / "uploads"
    for folder in sorted(uploads.glob("*/submission")) if uploads.is_dir() else []:
        made = dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC)
        if made >= cutoff or folder.is_symlink():
            continue
        files, size = _size(folder)
        out.uploads.append(folder.parent.name)
        out.bytes += size
        if not dry_run:
            shutil.rmtree(folder)
            access_audit.record(
                settings,
                "purge",
                "success",
                target=folder.parent.name,
                detail=f"raw upload ({files} files, {size} bytes) uploaded {made:%Y-%m-%d}, after {days} days",
            )
    for sub in landing.scan(settings):
        if sub.received_at >= cutoff or not (sub.submission_id in rejected or _marker_rejected(sub.folder)):
            continue
        files, size = _size(sub.folder)
        out.landings.append(sub.submission_id)
        out.bytes += size
        if not dry_run:
            shutil.rmtree(sub.folder)
            access_audit.record(
                settings,
                "purge",
                "success",
                trust=sub.trust,
                target=sub.submission_id,
                detail=f"rejected landing ({files} files, {size} bytes) received {sub.received_at:%Y-%m-%d}, "
                f"after {days} days",
            )
    if out.count and not dry_run:
        log.info(
            "purged %d raw uploads and %d rejected landings (%d bytes)", len(out.uploads), len(out.landings), out.bytes
        )
    return out


def rejected_ids(settings: Settings) -> set[str]:
    """Submission ids the warehouse holds as rejected (none when it cannot be read just now: the
    landing folders' own markers still count)."""
    from .warehouse import open_warehouse

    try:
        with open_warehouse(settings, read_only=True) as wh:  # creates no warehouse where there is none
            rows = wh.query("SELECT submission_id FROM audit.submissions WHERE status = ?", (REJECTED,))
            return set(rows.column("submission_id").to_pylist())
    except Exception as exc:  # noqa: BLE001 - no warehouse yet, or another process holds DuckDB's lock
        log.warning(
            "rejected submissions not read from the warehouse (%s); using the landing markers", type(exc).__name__
        )
        return set()


def purge_expired(settings: Settings, now: dt.datetime | None = None, dry_run: bool = False) -> Purged:
    """``purge`` with the settings' retention period and the warehouse's rejected submissions."""
    return purge(settings, settings.retention_days, rejected_ids(settings), now=now, dry_run=dry_run)
