"""Submission feedback for a trust data manager: status, counts and every finding with where it
is and how to fix it, as HTML and CSV. Built from ``audit`` only (no NHS numbers there)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from ..contract.rules import RULES
from .suppression import safe_csv_frame

COLUMNS = ["file", "row_number", "field", "rule_id", "severity", "message", "how_to_fix"]


def feedback_table(findings: pd.DataFrame) -> pd.DataFrame:
    f = findings.sort_values(["severity", "file", "row_number", "rule_id"], na_position="first").copy()
    f["how_to_fix"] = f["rule_id"].map(lambda r: RULES[r].fix if r in RULES else "")
    f["row_number"] = f["row_number"].astype("Int64")
    return f[COLUMNS].reset_index(drop=True)


def write_feedback(submission: dict, findings: pd.DataFrame, out_dir: Path) -> tuple[Path, Path]:
    """``submission`` is one audit.submissions row; writes ``<id>.html`` and ``<id>.csv``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = feedback_table(findings)
    sid = submission["submission_id"]
    csv_path = out_dir / f"{sid}.csv"
    safe_csv_frame(table).to_csv(csv_path, index=False)
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
