"""Checks over all trusts' submissions, run nightly: has each trust sent its last month?"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from ... import periods
from ...config import registry
from ...warehouse import open_warehouse
from ..resources import SpasticityResource
from .assets import LOADED


def late_trusts(accepted: set[tuple[str, str]], today: dt.date) -> tuple[str, list[str]]:
    reg = registry()
    due = periods.last_due(today, reg.submission_deadline_day)
    return due, [code for code in reg.codes if (code, due) not in accepted]


@dg.asset_check(
    asset=LOADED,
    name="submitted_by_deadline",
    blocking=False,
    description="Warns when a trust has no accepted submission for the last month whose deadline "
    "(registry submission_deadline_day of the following month) has passed.",
)
def submitted_by_deadline(spasticity: SpasticityResource) -> dg.AssetCheckResult:
    with open_warehouse(spasticity.settings) as wh:
        wh.ensure_schema()
        rows = wh.query(
            "SELECT DISTINCT trust_ods_code, period FROM audit.submissions WHERE status <> 'rejected'"
        ).to_pylist()
    due, late = late_trusts({(r["trust_ods_code"], r["period"]) for r in rows}, dt.date.today())
    return dg.AssetCheckResult(
        passed=not late,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"period_due": due, "late_trusts": ", ".join(late) or "none"},
    )
