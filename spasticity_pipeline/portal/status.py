"""What the pipeline made of landed submissions, read without ever blocking it.

DuckDB has one writer, and even a read-only connection to the live file would stop the pipeline
opening it: so the portal reads the published copy (``settings.published_duckdb``, swapped in
atomically by the pipeline) when there is one, or, for a Postgres warehouse, the warehouse itself.
Neither there (or unreadable just now) → every landed submission shows "awaiting processing",
or the status the pipeline noted in its landing folder (``processed.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from .. import landing, periods
from ..config import registry
from ..contract.submission import SubmissionStatus
from ..settings import Settings
from ..validate.result import FINDINGS_SCHEMA
from ..warehouse import Warehouse, WarehouseUnavailable, open_warehouse

log = logging.getLogger(__name__)

AWAITING = "awaiting processing"


@contextmanager
def status_warehouse(settings: Settings) -> Iterator[Warehouse | None]:
    """A read-only view of the audit tables, or None when there is none to read."""
    wh: Warehouse | None = None
    try:
        wh = open_warehouse(settings, published=True)
    except WarehouseUnavailable as exc:  # no copy published yet: statuses from the landing folders
        log.info("submission statuses unavailable: %s", type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - a copy being swapped, Postgres down: show "awaiting"
        log.warning("submission statuses unavailable: %s", type(exc).__name__)
        wh = None
    try:
        yield wh
    finally:
        if wh is not None:
            wh.close()


def _query(settings: Settings, fn: Any, default: Any) -> Any:
    with status_warehouse(settings) as wh:
        if wh is None:
            return default
        try:
            return fn(wh)
        except Exception as exc:  # noqa: BLE001 - no audit schema yet, a copy mid-swap
            log.warning("submission statuses unavailable: %s", type(exc).__name__)
            return default


def processed_submissions(settings: Settings, trust: str | None = None) -> dict[str, dict[str, Any]]:
    """audit.submissions rows by submission id (one trust's, or all)."""

    def fetch(wh: Warehouse) -> dict[str, dict[str, Any]]:
        if trust is None:
            rows = wh.submissions().to_pylist()
        else:
            rows = wh.query(
                "SELECT * FROM audit.submissions WHERE trust_ods_code = ? ORDER BY received_at", (trust,)
            ).to_pylist()
        return {r["submission_id"]: r for r in rows}

    return _query(settings, fetch, {})


def processed_files(settings: Settings, submission_id: str) -> list[dict[str, Any]]:
    return _query(
        settings,
        lambda wh: wh.query(
            "SELECT file, rows_in, rows_loaded, rows_quarantined FROM audit.files"
            " WHERE submission_id = ? ORDER BY file",
            (submission_id,),
        ).to_pylist(),
        [],
    )


def processed_findings(settings: Settings, submission_id: str) -> pa.Table:
    return _query(settings, lambda wh: wh.findings(submission_id), FINDINGS_SCHEMA.empty_table())


def contact_history(settings: Settings):
    """W05 history for a pre-flight check, from the same read-only source (empty without one)."""
    from ..validate.context import no_history

    def history(trust: str, period: str) -> pa.Table:
        return _query(settings, lambda wh: wh.contact_history(trust, period), no_history(trust, period))

    return history


@dataclass
class Submission:
    """A landed submission as a trust sees it in its history."""

    submission_id: str
    trust: str
    period: str
    received_at: dt.datetime
    status: str
    superseded: bool = False
    rows_in: int | None = None
    rows_loaded: int | None = None
    rows_quarantined: int | None = None
    n_warnings: int | None = None
    format: str | None = None
    in_warehouse: bool = False

    @property
    def counts_known(self) -> bool:
        return self.rows_in is not None


def _marker_status(folder) -> str | None:
    path = folder / landing.PROCESSED
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError, AttributeError):
        return None


def submissions(settings: Settings, trust: str | None = None) -> list[Submission]:
    """Every submission of ``trust`` (or all trusts) landed or processed, newest first."""
    seen = processed_submissions(settings, trust)
    out: dict[str, Submission] = {}
    for sub in landing.scan(settings):
        if trust is not None and sub.trust != trust:
            continue
        out[sub.submission_id] = Submission(
            sub.submission_id, sub.trust, sub.period, sub.received_at, _marker_status(sub.folder) or AWAITING
        )
    for sid, row in seen.items():
        received = row["received_at"]
        if isinstance(received, dt.datetime) and received.tzinfo is None:
            received = received.replace(tzinfo=dt.UTC)
        out[sid] = Submission(
            sid,
            row["trust_ods_code"],
            row["period"],
            received,
            row["status"],
            bool(row["superseded"]),
            row["rows_in"],
            row["rows_loaded"],
            row["rows_quarantined"],
            row["n_warnings"],
            row.get("format"),
            in_warehouse=True,
        )
    return sorted(out.values(), key=lambda s: (s.received_at, s.submission_id), reverse=True)


def find_submission(settings: Settings, submission_id: str) -> Submission | None:
    return next((s for s in submissions(settings) if s.submission_id == submission_id), None)


# -- deadlines ----------------------------------------------------------------------------------


@dataclass
class TrustDue:
    ods: str
    name: str
    role: str
    period: str
    due: dt.date
    state: str  # on time | submitted late | late | rejected only
    latest: Submission | None
    last_period: str | None


def network_overview(settings: Settings, today: dt.date | None = None) -> tuple[str, dt.date, list[TrustDue]]:
    """Per registry trust: did a submission for the last due period land, and by its deadline?"""
    reg = registry()
    today = today or dt.date.today()
    period = periods.last_due(today, reg.submission_deadline_day)
    due = periods.deadline(period, reg.submission_deadline_day)
    subs = submissions(settings)
    rows = []
    for t in reg.trusts:
        mine = [s for s in subs if s.trust == t.ods]
        for_period = [s for s in mine if s.period == period]
        counted = [s for s in for_period if s.status != SubmissionStatus.REJECTED]
        if counted:
            first = min(counted, key=lambda s: s.received_at)
            late = periods.is_late(first.received_at, period, reg.submission_deadline_day)
            state = "submitted late" if late else "on time"
        else:
            state = "rejected only" if for_period else "late"
        rows.append(
            TrustDue(
                t.ods,
                t.name,
                t.role,
                period,
                due,
                state,
                max(for_period, key=lambda s: s.received_at) if for_period else None,
                max((s.period for s in mine), default=None),
            )
        )
    return period, due, rows
