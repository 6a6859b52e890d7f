"""The governance report from hand-made marts: quarter logic, RAG, changes, files written."""

from __future__ import annotations

import pandas as pd

from spasticity_pipeline.reporting.governance import (
    ReportData,
    Targets,
    build_report,
    latest_complete_quarter,
    previous_quarter,
    summary_rows,
)


def test_latest_complete_quarter():
    assert latest_complete_quarter(pd.Series(["2026-07", "2026-09"])) == "2026-Q3"
    assert latest_complete_quarter(pd.Series(["2026-10"])) == "2026-Q3"  # Q4 has only October
    assert latest_complete_quarter(pd.Series(["2026-02"])) == "2025-Q4"
    assert previous_quarter("2026-Q1") == "2025-Q4"


def _metrics():
    rows = [
        # M01 at RDR: Q2 = (40 + 50) / (50 + 50) = 90%; Q3 = (45 + 47 + 46) / (50 * 3) = 92%
        ("M01", "RDR", "2026-04", 40, 50),
        ("M01", "RDR", "2026-06", 50, 50),
        ("M01", "RDR", "2026-07", 45, 50),
        ("M01", "RDR", "2026-08", 47, 50),
        ("M01", "RDR", "2026-09", 46, 50),
        # M17 (lower is better) at RYR in Q3: 3 / 12 = 25%, a small denominator
        ("M17", "RYR", "2026-09", 3, 12),
    ]
    df = pd.DataFrame(rows, columns=["metric_id", "org_code", "period", "numerator", "denominator"])
    region = df.groupby(["metric_id", "period"], as_index=False)[["numerator", "denominator"]].sum()
    return pd.concat([df, region.assign(org_code="REGION")], ignore_index=True)


def test_summary_rag_change_and_small_denominators():
    targets = Targets({"M01": (0.92, 0.85), "M17": (0.10, 0.20)})
    quarter, rows = summary_rows(_metrics(), targets, ["REGION", "RDR", "RYR"])
    assert quarter == "2026-Q3"
    m01 = next(r for r in rows if r["metric"].id == "M01")
    rdr = m01["cells"][1]
    assert rdr["value"] == 138 / 150 and rdr["denominator"] == 150
    assert rdr["rag"] == "green"  # 92% meets the 92% target exactly
    assert round(rdr["change"], 6) == round((138 / 150 - 0.9) * 100, 6)
    m17 = next(r for r in rows if r["metric"].id == "M17")
    ryr = m17["cells"][2]
    assert ryr["rag"] == "red" and ryr["small"]  # 25% > 20% amber bound; n = 12 < 20
    assert m17["cells"][1]["value"] is None  # RDR has no M17 rows


def test_report_is_self_contained_with_pngs(tmp_path):
    subs = pd.DataFrame(
        {
            "trust_ods_code": ["RDR", "RYR"],
            "period": ["2026-09", "2026-09"],
            "status": ["accepted", "rejected"],
            "superseded": [False, False],
            "received_at": pd.to_datetime(["2026-10-10", "2026-10-20"]),
            "rows_in": [100, 50],
            "rows_quarantined": [5, 0],
        }
    )
    goals = pd.DataFrame({"org_code": ["RDR"] * 3, "period": ["2026-09"] * 3, "gas_t_score": [40.0, 50.0, 70.0]})
    data = ReportData(_metrics(), pd.DataFrame(), goals, pd.DataFrame(), subs, {"RDR": "Sussex", "RYR": "UHS"})
    path = build_report(data, tmp_path, Targets({"M01": (0.92, 0.85)}))
    html = path.read_text()
    assert "http://" not in html and "https://" not in html  # works offline: no CDN
    assert html.count("data:image/png;base64,") == len(list((tmp_path / "charts").glob("*.png")))
    assert (tmp_path / "charts" / "funnel_M01.png").exists()
    assert "1 of 1" in html  # RDR's one landed submission was on time (by the 15th)
    assert "5.0%" in html  # RDR quarantined 5 of 100 rows
