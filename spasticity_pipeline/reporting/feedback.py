"""Submission feedback for a trust data manager: status, counts and every finding with where it
is and how to fix it, as HTML and CSV. Built from ``audit`` only (no NHS numbers there)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
from jinja2 import Environment, PackageLoader, select_autoescape

from ..contract.rules import RULES
from ..settings import Settings
from ..validate.result import FINDINGS_SCHEMA
from .findings_csv import write_findings_csv

COLUMNS = ["file", "row_number", "field", "rule_id", "severity", "message", "how_to_fix"]


def feedback_table(findings: pd.DataFrame) -> pd.DataFrame:
    f = findings.sort_values(["severity", "file", "row_number", "rule_id"], na_position="first").copy()
    f["how_to_fix"] = f["rule_id"].map(lambda r: RULES[r].fix if r in RULES else "")
    f["row_number"] = f["row_number"].astype("Int64")
    return f[COLUMNS].reset_index(drop=True)


def write_feedback(
    submission: dict,
    findings: pd.DataFrame | pa.Table,
    out_dir: Path,
    cells: dict[str, dict[str, str]] | None = None,
    labels: dict[str, str] | None = None,
) -> tuple[Path, Path]:
    """``submission`` is one audit.submissions row; writes ``<id>.html`` and ``<id>.csv`` (the
    findings CSV of ``findings_csv``; ``cells`` and ``labels`` as in ``ValidationResult``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(findings, pd.DataFrame):
        findings = pa.Table.from_pandas(
            findings[list(FINDINGS_SCHEMA.names)], schema=FINDINGS_SCHEMA, preserve_index=False
        )
    sid = submission["submission_id"]
    csv_path = out_dir / f"{sid}.csv"
    write_findings_csv(findings, csv_path, cells, labels)
    table = feedback_table(findings.to_pandas())
    env = Environment(
        loader=PackageLoader("spasticity_pipeline.reporting", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    counts = table.groupby(["rule_id", "severity"]).size().reset_index(name="n")
    counts["what"] = counts["rule_id"].map(lambda r: RULES[r].what if r in RULES else "")
    html = env.get_template("feedback.html.j2").render(
        s=submission, findings=table.to_dict("records"), counts=counts.to_dict("records"), csv_name=csv_path.name
    )
    html_path = out_dir / f"{sid}.html"
    html_path.write_text(html, encoding="utf-8")
    return html_path, csv_path


class UnknownSubmission(LookupError):
    """No submission with that id has been processed."""


def feedback_for(settings: Settings, submission_id: str) -> tuple[Path, Path]:
    """Write a processed submission's feedback (HTML and CSV) under ``$SPASTICITY_HOME/feedback``.

    ``WarehouseUnavailable`` before the warehouse is built (or while it is locked),
    ``UnknownSubmission`` for an id it does not hold."""
    from ..warehouse import WarehouseUnavailable, open_warehouse

    with open_warehouse(settings, read_only=True) as wh:
        built = wh.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'audit' AND table_name = 'submissions'"
        )
        if not built:
            raise WarehouseUnavailable("no submission has been processed yet: `spasticity run` processes them")
        row = wh.query("SELECT * FROM audit.submissions WHERE submission_id = ?", (submission_id,)).to_pylist()
        if not row:
            shown = submission_id if len(submission_id) <= 80 else submission_id[:77] + "..."
            raise UnknownSubmission(
                f"no submission {shown!r} has been processed (an id looks like "
                "RDR-2026-09-20261004T091200000000Z-1a2b3c4d; the landing folder and the portal's history show them)"
            )
        return write_feedback(row[0], wh.findings(submission_id), settings.home / "feedback" / row[0]["trust_ods_code"])
