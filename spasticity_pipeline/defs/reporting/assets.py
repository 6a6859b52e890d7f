"""Nightly outputs people read: the governance report, trusts' feedback, the public export,
and the read-only copy analysts query."""

from typing import Any

import dagster as dg
from dagster import AssetExecutionContext

from ...config import registry, targets
from ...reporting.export import write_export
from ...reporting.feedback import write_feedback
from ...reporting.governance import Targets, build_report, load_report_data
from ...warehouse import open_warehouse
from ..resources import SpasticityResource

MARTS = {
    name: dg.AssetKey(["marts", name])
    for name in ("governance_metrics", "population_profile", "goal_attainment", "data_quality")
}
LOADED = dg.AssetKey("loaded_submissions")
COMMON: dict[str, Any] = {"group_name": "reporting", "owners": ["team:data-engineering"], "pool": "warehouse"}


def report_targets() -> Targets:
    return Targets({m: (t.target, t.amber) for m, t in targets().metrics.items()})


@dg.asset(
    deps=list(MARTS.values()),
    kinds={"html"},
    **COMMON,
    description="Self-contained HTML governance report (M01–M17 with RAG, trends, funnel plots, "
    "population profile, GAS, data quality) and a PNG per chart, in $SPASTICITY_HOME/reports.",
)
def governance_report(context: AssetExecutionContext, spasticity: SpasticityResource) -> dg.MaterializeResult:
    settings = spasticity.settings
    names = {t.ods: t.name for t in registry().trusts}
    with open_warehouse(settings) as wh:
        data = load_report_data(lambda sql: wh.query(sql).to_pandas(), names)
    path = build_report(data, settings.reports, report_targets(), registry().submission_deadline_day)
    charts = list((settings.reports / "charts").glob("*.png"))
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(path)), "charts": len(charts), "metric_rows": len(data.metrics)}
    )


@dg.asset(
    deps=[MARTS["governance_metrics"], MARTS["population_profile"]],
    kinds={"csv", "html"},
    **COMMON,
    description="Public export with small-number suppression (spec §8) in $SPASTICITY_HOME/exports.",
)
def public_export(spasticity: SpasticityResource) -> dg.MaterializeResult:
    settings = spasticity.settings
    with open_warehouse(settings) as wh:
        metrics = wh.query(
            "SELECT metric_id, org_code, period, numerator, denominator FROM marts.governance_metrics"
        ).to_pandas()
        profile = wh.query("SELECT * FROM marts.population_profile").to_pandas()
    paths = write_export(metrics, profile, settings.home / "exports")
    return dg.MaterializeResult(
        metadata={
            "files": ", ".join(p.name for p in paths),
            "folder": dg.MetadataValue.path(str(settings.home / "exports")),
        }
    )


@dg.asset(
    deps=[LOADED],
    kinds={"html", "csv"},
    **COMMON,
    description="Each submission's feedback for the trust (HTML + CSV): status, counts, every finding "
    "with file, row, column and how to fix it.",
)
def submission_feedback(spasticity: SpasticityResource) -> dg.MaterializeResult:
    settings = spasticity.settings
    out = settings.home / "feedback"
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        subs = wh.submissions().to_pylist()
        for s in subs:
            findings = wh.findings(s["submission_id"]).to_pandas()
            write_feedback(s, findings, out / s["trust_ods_code"])
    return dg.MaterializeResult(metadata={"submissions": len(subs), "folder": dg.MetadataValue.path(str(out))})


@dg.asset(
    deps=list(MARTS.values()),
    kinds={"duckdb"},
    **COMMON,
    description="A read-only copy of the DuckDB warehouse for analysts and the portal, so readers never "
    "block the pipeline's single writer (Postgres needs none: analysts use a read-only role).",
)
def published_warehouse(spasticity: SpasticityResource) -> dg.MaterializeResult:
    settings = spasticity.settings
    with open_warehouse(settings) as wh:
        done = wh.publish_for_analysts(settings.published_duckdb, settings.analyst_role)
    return dg.MaterializeResult(
        metadata={k: dg.MetadataValue.path(v) if k == "path" else dg.MetadataValue.text(v) for k, v in done.items()}
    )


assets = [governance_report, public_export, submission_feedback, published_warehouse]
