"""Quality domain: Great Expectations suites on the marts, as Dagster asset checks.

Data docs go to ``$SPASTICITY_HOME/reports/data_docs``.
"""

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pandas as pd

from ...config import registry
from ...quality import suites
from ...warehouse import open_warehouse
from ..resources import SpasticityResource

LOADED = dg.AssetKey("loaded_submissions")


def _result(res: suites.SuiteResult, blocking_severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=res.success,
        severity=blocking_severity,
        metadata={
            "suite": res.name,
            "expectations": res.evaluated,
            "summary": res.summary(),
            "failed": dg.MetadataValue.json(res.failed),
        },
    )


def _check(
    name: str,
    asset: str,
    sql: str,
    run: Callable[[pd.DataFrame, Path | None], suites.SuiteResult],
    description: str,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dg.AssetChecksDefinition:
    key = LOADED if asset == "loaded_submissions" else dg.AssetKey(["marts", asset])

    @dg.asset_check(asset=key, name=name, description=description)
    def _fn(spasticity: SpasticityResource) -> dg.AssetCheckResult:
        settings = spasticity.settings
        with open_warehouse(settings) as wh:
            df = wh.query(sql).to_pandas()
        return _result(run(df, settings.reports / "data_docs"), severity)

    return _fn


TRUSTS = list(registry().codes)
CURRENT_VOLUME = (
    "SELECT trust_ods_code, period, rows_loaded FROM audit.submissions WHERE status <> 'rejected' AND NOT superseded"
)

checks = [
    _check(
        "gx_governance_metrics",
        "governance_metrics",
        "SELECT * FROM marts.governance_metrics",
        lambda df, d: suites.governance_metrics(df, TRUSTS, d),
        "Metric ids and org codes known, values in [0, 1], numerator ≤ denominator, one row per key.",
    ),
    _check(
        "gx_region_equals_sum",
        "governance_metrics",
        "SELECT * FROM marts.governance_metrics",
        suites.region_equals_sum,
        "REGION's numerator and denominator equal the sums over trusts.",
    ),
    _check(
        "gx_population_profile",
        "population_profile",
        "SELECT * FROM marts.population_profile",
        suites.population_profile,
        "Age bands, sex, ethnic groups and IMD quintiles within their lists.",
    ),
    _check(
        "gx_goal_attainment",
        "goal_attainment",
        "SELECT * FROM marts.goal_attainment",
        suites.goal_attainment,
        "GAS T-scores present and within the range the formula allows.",
    ),
    _check(
        "gx_monthly_volume",
        "loaded_submissions",
        CURRENT_VOLUME,
        suites.monthly_volume,
        "Each trust's loaded rows within 0.5–2× its previous month (warn).",
        dg.AssetCheckSeverity.WARN,
    ),
]

defs = dg.Definitions(asset_checks=checks)
