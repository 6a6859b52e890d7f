"""Totals over the audit tables for a person at a terminal (``spasticity demo``); no identifiers."""

from __future__ import annotations

from typing import Any

from .base import Warehouse


def submissions_by_trust(wh: Warehouse) -> list[dict[str, Any]]:
    """Per trust: submissions processed, rejected and superseded, and rows summed over them."""
    return wh.query("""SELECT trust_ods_code AS trust, count(*) AS subs,
                              count(*) FILTER (WHERE status = 'rejected') AS rejected,
                              count(*) FILTER (WHERE superseded) AS superseded,
                              sum(rows_in) AS rows_in, sum(rows_loaded) AS loaded,
                              sum(rows_quarantined) AS quarantined, sum(n_warnings) AS warnings
                       FROM audit.submissions GROUP BY 1 ORDER BY 1""").to_pylist()


def findings_by_rule(wh: Warehouse) -> list[dict[str, Any]]:
    """How many findings each rule raised, over every processed submission."""
    return wh.query("SELECT rule_id, count(*) AS n FROM audit.findings GROUP BY 1 ORDER BY 1").to_pylist()
