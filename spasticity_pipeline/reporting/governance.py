"""The nightly governance report: one self-contained HTML file (charts embedded, no CDN) plus a
PNG of every chart, built from ``marts`` and ``audit``.

Sections: M01–M17 for the latest complete quarter (RAG against targets, change on the previous
quarter, small denominators marked), monthly trends, funnel plots for access and process,
population profile, goal attainment and a data-quality scorecard per trust.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import periods as periods_
from ..contract.metrics import FUNNEL_METRICS, METRICS, METRICS_BY_ID, SMALL_DENOMINATOR
from ..contract.submission import SubmissionStatus
from . import charts

Query = Callable[[str], pd.DataFrame]


@dataclass
class Targets:
    """metric_id → (target, amber threshold); RAG is green at or beyond the target."""

    thresholds: dict[str, tuple[float, float]] = field(default_factory=dict)

    def rag(self, metric_id: str, value: float | None) -> str:
        if value is None or pd.isna(value) or metric_id not in self.thresholds:
            return "none"
        target, amber = self.thresholds[metric_id]
        if METRICS_BY_ID[metric_id].better == "low":
            return "green" if value <= target else "amber" if value <= amber else "red"
        return "green" if value >= target else "amber" if value >= amber else "red"


@dataclass
class ReportData:
    metrics: pd.DataFrame  # marts.governance_metrics
    profile: pd.DataFrame  # marts.population_profile
    goals: pd.DataFrame  # marts.goal_attainment
    quality: pd.DataFrame  # marts.data_quality
    submissions: pd.DataFrame  # audit.submissions
    trust_names: dict[str, str]


def load_report_data(query: Query, trust_names: dict[str, str]) -> ReportData:
    return ReportData(
        metrics=query("SELECT metric_id, org_code, period, numerator, denominator FROM marts.governance_metrics"),
        profile=query("SELECT * FROM marts.population_profile"),
        goals=query("SELECT org_code, period, gas_t_score FROM marts.goal_attainment"),
        quality=query("SELECT * FROM marts.data_quality"),
        submissions=query(
            "SELECT trust_ods_code, period, status, superseded, received_at, rows_in, "
            "rows_quarantined FROM audit.submissions"
        ),
        trust_names=trust_names,
    )


def latest_complete_quarter(periods: pd.Series) -> str | None:
    """The latest quarter whose last month has data (a quarter is complete once its third month is in)."""
    if periods.empty:
        return None
    last = max(periods)
    return periods_.quarter(periods_.shift(last, -(int(last[5:]) % 3)))


def previous_quarter(q: str) -> str:
    year, n = int(q[:4]), int(q[-1])
    return f"{year - 1}-Q4" if n == 1 else f"{year}-Q{n - 1}"


def quarterly(metrics: pd.DataFrame) -> pd.DataFrame:
    """Sum numerators and denominators by metric, org and quarter."""
    q = metrics.assign(quarter=metrics["period"].map(periods_.quarter))
    out = q.groupby(["metric_id", "org_code", "quarter"], as_index=False)[["numerator", "denominator"]].sum()
    out["value"] = out["numerator"] / out["denominator"].where(out["denominator"] > 0)
    return out


def _uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def summary_rows(metrics: pd.DataFrame, targets: Targets, orgs: list[str]) -> tuple[str | None, list[dict]]:
    quarters = quarterly(metrics)
    quarter = latest_complete_quarter(metrics["period"])
    if quarter is None:
        return None, []
    prev = previous_quarter(quarter)
    rows = []
    for m in METRICS:
        cells = []
        for org in orgs:
            now = quarters[(quarters.metric_id == m.id) & (quarters.org_code == org) & (quarters.quarter == quarter)]
            before = quarters[(quarters.metric_id == m.id) & (quarters.org_code == org) & (quarters.quarter == prev)]
            value = float(now["value"].iloc[0]) if len(now) else None
            den = int(now["denominator"].iloc[0]) if len(now) else 0
            change = (
                (value - float(before["value"].iloc[0])) * 100
                if value is not None and len(before) and pd.notna(before["value"].iloc[0])
                else None
            )
            cells.append(
                {
                    "org": org,
                    "value": value,
                    "denominator": den,
                    "change": change,
                    "rag": targets.rag(m.id, value),
                    "small": 0 < den < SMALL_DENOMINATOR,
                }
            )
        target = targets.thresholds.get(m.id)
        rows.append({"metric": m, "target": target, "cells": cells})
    return quarter, rows


def _charts(data: ReportData, quarter: str | None) -> dict[str, list[tuple[str, bytes]]]:
    out: dict[str, list[tuple[str, bytes]]] = {"trends": [], "funnels": [], "profile": [], "goals": []}
    m = data.metrics.assign(value=data.metrics["numerator"] / data.metrics["denominator"])
    for metric in METRICS:
        monthly = m[m.metric_id == metric.id]
        if not monthly.empty:
            out["trends"].append((f"trend_{metric.id}", charts.trend(monthly, f"{metric.id} {metric.name}")))
    if quarter:
        q = quarterly(data.metrics)
        for metric_id in FUNNEL_METRICS:
            points = q[(q.metric_id == metric_id) & (q.quarter == quarter) & (q.org_code != "REGION")]
            region = q[(q.metric_id == metric_id) & (q.quarter == quarter) & (q.org_code == "REGION")]
            if len(points) and len(region) and region["denominator"].iloc[0] > 0:
                p0 = float(region["numerator"].iloc[0] / region["denominator"].iloc[0])
                title = f"{metric_id} {METRICS_BY_ID[metric_id].name}, {quarter}"
                out["funnels"].append((f"funnel_{metric_id}", charts.funnel(points, p0, title)))
    p = data.profile
    if not p.empty:
        latest = p[p["period"] == p["period"].max()]
        region = latest.groupby(["age_band", "sex"])["patients"].sum().unstack(fill_value=0)
        out["profile"].append(
            ("profile_age_sex", charts.bars(region, "Patients seen by age band and sex (region, latest month)"))
        )
        share = lambda col: (  # noqa: E731
            latest.groupby(["org_code", col])["patients"]
            .sum()
            .groupby(level=0)
            .transform(lambda s: s / s.sum() * 100)
            .unstack(fill_value=0)
        )
        out["profile"].append(
            (
                "profile_condition",
                charts.bars(share("primary_condition"), "Condition mix by trust (%)", stacked=True, horizontal=True),
            )
        )
        out["profile"].append(
            (
                "profile_ethnicity",
                charts.bars(share("ethnic_group"), "Ethnic group by trust (%)", stacked=True, horizontal=True),
            )
        )
        imd = latest.assign(
            imd_quintile=latest["imd_quintile"].fillna(0).astype(int).astype(str).replace("0", "unknown")
        )
        out["profile"].append(
            (
                "profile_imd",
                charts.bars(
                    imd.groupby(["org_code", "imd_quintile"])["patients"]
                    .sum()
                    .groupby(level=0)
                    .transform(lambda s: s / s.sum() * 100)
                    .unstack(fill_value=0),
                    "IMD quintile by trust (%, 1 = most deprived)",
                    stacked=True,
                    horizontal=True,
                ),
            )
        )
    if not data.goals.empty:
        out["goals"].append(
            (
                "gas_distribution",
                charts.histogram(
                    data.goals["gas_t_score"],
                    "Goal attainment: GAS T-scores",
                    "GAS T-score (50 = goals met as expected)",
                ),
            )
        )
    return out


def scorecard(data: ReportData, deadline_day: int) -> list[dict]:
    """Per trust: submissions, on time, quarantine rate, and its commonest quarantine rules."""
    subs = data.submissions
    rows = []
    for org in sorted(data.trust_names):
        s = subs[subs["trust_ods_code"] == org]
        landed = s[s["status"] != SubmissionStatus.REJECTED]
        received = pd.to_datetime(landed["received_at"], utc=True)
        # one row per submission (tens a year per trust): the periods module's one "late" rule
        on_time = sum(
            not periods_.is_late(at.to_pydatetime(), p, deadline_day) for at, p in zip(received, landed["period"])
        )
        rows_in = int(landed["rows_in"].sum())
        rate = landed["rows_quarantined"].sum() / rows_in if rows_in else None
        q = (
            data.quality[data.quality.get("trust_ods_code", pd.Series(dtype=str)) == org]
            if "trust_ods_code" in data.quality
            else pd.DataFrame()
        )
        rules = (
            {c[len("findings_") :].upper(): int(q[c].sum()) for c in q.columns if c.startswith("findings_")}
            if len(q)
            else {}
        )
        top = ", ".join(f"{k} {v}" for k, v in sorted(rules.items(), key=lambda kv: -kv[1])[:3] if v)
        rows.append(
            {
                "org": org,
                "name": data.trust_names[org],
                "submissions": len(s),
                "rejected": int((s["status"] == SubmissionStatus.REJECTED).sum()),
                "on_time": on_time,
                "landed": len(landed),
                "quarantine_rate": rate,
                "top_rules": top or "—",
                "last_period": max(s["period"]) if len(s) else "—",
            }
        )
    return rows


def build_report(
    data: ReportData, out_dir: Path, targets: Targets, deadline_day: int = 15, now: dt.datetime | None = None
) -> Path:
    """Write ``governance_report.html`` and ``charts/*.png`` under ``out_dir``; returns the HTML path."""
    now = now or dt.datetime.now(dt.UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    orgs = ["REGION", *sorted(data.trust_names)]
    quarter, rows = summary_rows(data.metrics, targets, orgs)
    figures = _charts(data, quarter)
    chart_dir = out_dir / "charts"
    chart_dir.mkdir(exist_ok=True)
    embedded: dict[str, list[dict]] = {}
    for section, items in figures.items():
        embedded[section] = []
        for name, png in items:
            (chart_dir / f"{name}.png").write_bytes(png)
            embedded[section].append({"name": name, "uri": _uri(png)})
    env = Environment(
        loader=PackageLoader("spasticity_pipeline.reporting", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    html = env.get_template("governance_report.html.j2").render(
        quarter=quarter,
        previous=previous_quarter(quarter) if quarter else None,
        rows=rows,
        orgs=orgs,
        charts=embedded,
        scorecard=scorecard(data, deadline_day),
        small=SMALL_DENOMINATOR,
        generated=now.strftime("%Y-%m-%d %H:%M UTC"),
        trust_names=data.trust_names,
    )
    path = out_dir / "governance_report.html"
    path.write_text(html, encoding="utf-8")
    return path
