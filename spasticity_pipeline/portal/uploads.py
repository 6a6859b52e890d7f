"""Uploads: their records, the pre-flight check in the background, and confirmation.

An upload is staged in ``$SPASTICITY_HOME/portal/uploads/<id>/``:
``submission/`` (the files and the manifest.json the portal writes — what ``landing.submit``
copies), ``result.json`` (status and counts per file), ``findings.parquet`` and ``feedback/``
(the HTML and CSV report of ``reporting.feedback.write_feedback``). Receiving the files safely
is ``upload_safety.py``'s; recognising the format and writing the manifest, ``formats.py``'s.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from .. import landing, periods
from ..config import registry
from ..contract.submission import LOADED_SQL
from ..owner_only import make_private
from ..validate.result import FINDINGS_SCHEMA
from .config import PortalConfig
from .db import PortalDB, now_iso
from .formats import Format, allowed_names, formats_for, pick_format, write_manifest
from .status import contact_history
from .upload_safety import UploadRefused, store_files

log = logging.getLogger(__name__)

UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


def period_problem(period: str, today: dt.date) -> str | None:
    """Why ``period`` cannot be uploaded for, or None: a ``YYYY-MM`` month from the network's first
    period up to the current month (spec §10 allows the current month; a later one is refused)."""
    if not periods.is_period(period):
        return "choose the period (month) the extract is for"
    first = registry().first_period
    if period < first:
        return f"choose the period (month) the extract is for: {period} is before the network's first, {first}"
    if periods.is_future(period, today):
        return f"choose the period (month) the extract is for: {period} has not happened yet"
    return None


class Uploads:
    def __init__(self, cfg: PortalConfig, db: PortalDB, workers: int = 2) -> None:
        self.cfg, self.db = cfg, db
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preflight")
        # checks that were running when the portal stopped will never finish
        db.run(
            "UPDATE uploads SET state = 'failed', error = 'the portal restarted during the check; upload again' "
            "WHERE state = 'validating'"
        )
        db.run("UPDATE uploads SET state = 'validated' WHERE state = 'landing'")

    def folder(self, upload_id: str) -> Path:
        if not UPLOAD_ID.fullmatch(upload_id):
            raise ValueError("not an upload id")
        return self.cfg.uploads / upload_id

    def get(self, upload_id: str) -> dict[str, Any] | None:
        if not UPLOAD_ID.fullmatch(upload_id or ""):
            return None
        return self.db.one("SELECT * FROM uploads WHERE id = ?", (upload_id,))

    def for_trust(self, trust: str | None) -> list[dict[str, Any]]:
        if trust is None:
            return self.db.all("SELECT * FROM uploads ORDER BY created_at DESC")
        return self.db.all("SELECT * FROM uploads WHERE trust = ? ORDER BY created_at DESC", (trust,))

    def by_submission(self, submission_id: str) -> dict[str, Any] | None:
        return self.db.one("SELECT * FROM uploads WHERE submission_id = ?", (submission_id,))

    def create(self, trust: str, user_id: int, period: str, uploaded: list[tuple[str, IO[bytes]]]) -> str:
        """Store the files, write the manifest and start the pre-flight check; returns the id."""
        problem = period_problem(period, dt.date.today())
        if problem:
            raise UploadRefused(problem)
        upload_id = uuid.uuid4().hex
        root = self.folder(upload_id)
        try:
            formats = formats_for(trust)
            names = store_files(uploaded, root / "submission", allowed_names(formats), self.cfg)
            fmt = pick_format(names, formats)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        self.db.run(
            "INSERT INTO uploads (id, trust, user_id, period, format, created_at, state, stage) "
            "VALUES (?, ?, ?, ?, ?, ?, 'validating', 'queued')",
            (upload_id, trust, user_id, period, fmt.name, now_iso()),
        )
        self.pool.submit(self._preflight, upload_id, trust, period, fmt)
        return upload_id

    def _stage(self, upload_id: str, stage: str) -> None:
        self.db.run("UPDATE uploads SET stage = ? WHERE id = ?", (stage, upload_id))

    def _preflight(self, upload_id: str, trust: str, period: str, fmt: Format) -> None:
        from ..flow import build_context
        from ..reporting.feedback import write_feedback
        from ..validate import validate_submission

        root = self.folder(upload_id)
        try:
            self._stage(upload_id, "Counting rows and writing the manifest")
            write_manifest(root / "submission", trust, period, fmt)
            self._stage(upload_id, "Checking the files and every row against regional-v1")
            ctx = build_context(self.cfg.settings)
            ctx.contact_history = contact_history(self.cfg.settings)
            result = validate_submission(root / "submission", ctx)
            self._stage(upload_id, "Writing the feedback report")
            summary = result.to_json()
            summary["source_labels"] = {name: label for label, name in result.file_labels.items()}
            summary["n_warnings"] = result.n_warnings
            summary["rows_in"], summary["rows_loaded"] = result.rows_in, result.rows_loaded
            summary["rows_quarantined"] = result.rows_quarantined
            (root / "result.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
            pq.write_table(result.findings, root / "findings.parquet")
            record = {
                "submission_id": upload_id,
                "trust_ods_code": trust,
                "period": period,
                "format": fmt.name,
                "received_at": "(pre-flight check, not submitted)",
                "status": result.status,
                "superseded": False,
                "rows_in": result.rows_in,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "n_warnings": result.n_warnings,
            }
            write_feedback(record, result.findings, root / "feedback", result.cells, result.file_labels)
            make_private(root)  # what the libraries wrote (manifest, parquet, reports): owner-only too
            self.db.run(
                "UPDATE uploads SET state = 'validated', stage = 'done', status = ? WHERE id = ?",
                (result.status, upload_id),
            )
        except Exception as exc:  # noqa: BLE001 - shown to the user as "could not be checked"
            log.exception("pre-flight check of upload %s failed", upload_id)
            self.db.run(
                "UPDATE uploads SET state = 'failed', stage = 'failed', error = ? WHERE id = ?",
                (f"the check could not run ({type(exc).__name__}); the network team can see the log", upload_id),
            )

    def result(self, upload_id: str) -> dict[str, Any] | None:
        path = self.folder(upload_id) / "result.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def findings(self, upload_id: str) -> pa.Table:
        path = self.folder(upload_id) / "findings.parquet"
        return pq.read_table(path) if path.is_file() else FINDINGS_SCHEMA.empty_table()

    def feedback_file(self, upload_id: str, kind: str) -> Path | None:
        path = self.folder(upload_id) / "feedback" / f"{upload_id}.{kind}"
        return path if path.is_file() else None

    def confirm(self, upload_id: str, trust: str) -> landing.LandedSubmission:
        """Land an accepted pre-flight (once, however often the button is pressed)."""
        if not (self.folder(upload_id) / "submission" / landing.MANIFEST).is_file():
            raise UploadRefused(
                f"the files of this upload were deleted after {self.cfg.settings.retention_days} days "
                "(the retention period): upload them again to submit them"
            )
        claimed = self.db.run(
            "UPDATE uploads SET state = 'landing' WHERE id = ? AND trust = ? AND state = 'validated' "
            f"AND status IN ({LOADED_SQL})",
            (upload_id, trust),
        )
        if not claimed:
            raise UploadRefused(
                "this upload cannot be submitted: it was rejected, is still being checked, "
                "or has been submitted already"
            )
        row = self.get(upload_id)
        assert row is not None
        try:
            landed = landing.submit(self.folder(upload_id) / "submission", self.cfg.settings, trust, row["period"])
        except BaseException:
            self.db.run("UPDATE uploads SET state = 'validated' WHERE id = ?", (upload_id,))
            raise
        self.db.run(
            "UPDATE uploads SET state = 'landed', submission_id = ?, landed_at = ? WHERE id = ?",
            (landed.submission_id, landed.received_at.isoformat(), upload_id),
        )
        return landed
