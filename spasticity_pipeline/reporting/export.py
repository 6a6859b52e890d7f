"""The public export (spec §8): metrics and population profile as CSV and HTML, with small-number
suppression applied to every count and derived percentage, and CSV cells that no spreadsheet
will run as a formula."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..contract.metrics import METRICS_BY_ID
from .suppression import safe_csv_frame, suppress_counts, suppress_ratio


def public_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per metric, organisation and month; exact counts never leave this function."""
    m = metrics.sort_values(["metric_id", "org_code", "period"]).reset_index(drop=True)
    num, den, pct = suppress_ratio(m["numerator"], m["denominator"])
    return pd.DataFrame(
        {
            "metric_id": m["metric_id"],
            "metric": m["metric_id"].map(lambda i: METRICS_BY_ID[i].name if i in METRICS_BY_ID else i),
            "org_code": m["org_code"],
            "period": m["period"],
            "numerator": num,
            "denominator": den,
            "percent": pct,
        }
    )


def public_profile(profile: pd.DataFrame) -> pd.DataFrame:
    keys = ["org_code", "period", "primary_condition", "age_band", "sex", "ethnic_group", "imd_quintile"]
    p = profile.sort_values(keys).reset_index(drop=True)
    out = p[keys].copy()
    out["imd_quintile"] = out["imd_quintile"].astype("Int64").astype("string").fillna("unknown")
    out["patients"] = suppress_counts(p["patients"])
    return out


def write_export(metrics: pd.DataFrame, profile: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write the suppressed tables as CSV and one HTML page; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {"governance_metrics": public_metrics(metrics), "population_profile": public_profile(profile)}
    written = []
    for name, df in tables.items():
        path = out_dir / f"{name}.csv"
        safe_csv_frame(df).to_csv(path, index=False)
        written.append(path)
    note = (
        "<p>Counts from 1 to 7 are shown as *; other counts are rounded to the nearest 5; a percentage "
        "is suppressed when its numerator or denominator is, and otherwise uses the rounded figures.</p>"
    )
    body = "".join(
        f"<h2>{name.replace('_', ' ').title()}</h2>{df.to_html(index=False, escape=True)}"
        for name, df in tables.items()
    )
    html = out_dir / "public_export.html"
    html.write_text(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Spasticity network: "
        f"published figures</title><style>body{{font-family:Arial,sans-serif}}table{{border-collapse:"
        f"collapse;font-size:12px}}td,th{{border:1px solid #ccc;padding:2px 6px}}</style></head><body>"
        f"<h1>Spasticity network: published figures</h1>{note}{body}</body></html>",
        encoding="utf-8",
    )
    written.append(html)
    return written
