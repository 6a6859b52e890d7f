"""The public export hides small numbers; feedback lists exactly the submission's findings."""

from __future__ import annotations

import pandas as pd

from spasticity_pipeline.reporting.export import write_export
from spasticity_pipeline.reporting.feedback import write_feedback

#: one population-profile row (3 patients: suppressed)
PROFILE = pd.DataFrame(
    {
        "org_code": ["RDR"],
        "period": ["2026-09"],
        "primary_condition": ["stroke"],
        "age_band": ["60-79"],
        "sex": ["1"],
        "ethnic_group": ["White"],
        "imd_quintile": [None],
        "patients": [3],
    }
)


def test_export_suppresses_counts_and_percentages(tmp_path):
    metrics = pd.DataFrame(
        {
            "metric_id": ["M01", "M01", "M03"],
            "org_code": ["RDR", "REGION", "=cmd"],
            "period": ["2026-09"] * 3,
            "numerator": [5, 40, 12],
            "denominator": [9, 52, 13],
        }
    )
    profile = PROFILE
    files = write_export(metrics, profile, tmp_path)
    m = pd.read_csv(tmp_path / "governance_metrics.csv", dtype=str, keep_default_na=False)
    assert m[["org_code", "numerator", "denominator", "percent"]].values.tolist() == [
        ["RDR", "*", "10", "*"],
        ["REGION", "40", "50", "80.0"],
        ["'=cmd", "10", "15", "66.7"],
    ]
    p = pd.read_csv(tmp_path / "population_profile.csv", dtype=str, keep_default_na=False)
    assert p["patients"].tolist() == ["*"] and p["imd_quintile"].tolist() == ["unknown"]
    html = (tmp_path / "public_export.html").read_text()
    assert ">9<" not in html and ">52<" not in html  # no exact count survives
    assert len(files) == 3


#: a submission with two quarantined rows and a warning, and its findings
SUBMISSION = {
    "submission_id": "RDR_2026-09_x",
    "trust_ods_code": "RDR",
    "period": "2026-09",
    "format": "regional-v1",
    "received_at": "2026-10-04",
    "status": "accepted_with_warnings",
    "superseded": False,
    "rows_in": 10,
    "rows_loaded": 8,
    "rows_quarantined": 2,
    "n_warnings": 1,
}
FINDINGS = pd.DataFrame(
    {
        "file": ["patients.csv", "contacts.csv", "patients.csv"],
        "row_number": [3, 1, None],
        "field": ["sex", "referral_id", "x,y"],
        "rule_id": ["R03", "R07", "W01"],
        "severity": ["E2", "E2", "W"],
        "message": ["sex is not a code (found 'M')", "p", "w"],
    }
)


def test_feedback_lists_every_finding_with_a_fix(tmp_path):
    sub, findings = SUBMISSION, FINDINGS
    html, csv = write_feedback(sub, findings, tmp_path)
    table = pd.read_csv(csv)  # the findings CSV: trust-facing column names (reporting/findings_csv.py)
    assert sorted(zip(table["file"], table["rule"])) == sorted(zip(findings["file"], findings["rule_id"]))
    assert table.loc[table.rule == "R03", "how_to_fix"].iloc[0].startswith("Use a code")
    text = html.read_text()
    assert "(found &#39;M&#39;)" in text and "8 of 10 rows loaded" in text
