"""The data-quality suites: what must hold of the marts and of each trust's monthly volume.

Each suite runs in an ephemeral GX context against a DataFrame and updates data docs under
``$SPASTICITY_HOME/reports/data_docs`` so an engineer can see every expectation's result.
Cross-row rules GX cannot express directly (REGION = sum of trusts, month-on-month volume)
are computed into small frames first, and the expectation is on those.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pandas as pd

from ..contract.metrics import METRICS_BY_ID

if TYPE_CHECKING:
    from great_expectations.checkpoint.actions import ValidationAction

AGE_BANDS = ["0-17", "18-39", "40-59", "60-79", "80+"]
#: a trust's loaded rows may move between this share and multiple of its previous month's
VOLUME_BAND = (0.5, 2.0)


@dataclass
class SuiteResult:
    name: str
    success: bool
    failed: dict[str, int]  # expectation (with its column) → unexpected count
    evaluated: int

    def summary(self) -> str:
        if self.success:
            return f"{self.evaluated} expectations met"
        return "; ".join(f"{k}: {v} unexpected" for k, v in self.failed.items())


def _gx() -> tuple[ModuleType, ModuleType]:
    """Great Expectations and its expectations, imported when a suite first runs (not when the
    pipeline's definitions load: GX is slow to import and phones home unless told not to)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations import expectations as gxe

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    return gx, gxe


def _suite(name: str, df: pd.DataFrame, expectations: list, docs_dir: Path | None) -> SuiteResult:
    gx, _ = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    actions: list[ValidationAction] = []
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        ctx.add_data_docs_site(
            site_name="local",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        actions.append(gx.checkpoint.UpdateDataDocsAction(name="data_docs"))
    batch = (
        ctx.data_sources.add_pandas("warehouse").add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
    )
    suite = ctx.suites.add(gx.ExpectationSuite(name=name))
    for e in expectations:
        suite.add_expectation(e)
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    cp = ctx.checkpoints.add(gx.Checkpoint(name=f"{name}_checkpoint", validation_definitions=[vd], actions=actions))
    run = cp.run(batch_parameters={"dataframe": df})
    failed = {}
    n = 0
    for vr in run.run_results.values():
        for r in vr.results:
            n += 1
            if not r.success:
                cfg = r.expectation_config
                assert cfg is not None  # a result of a suite's expectation carries its configuration
                col = cfg.kwargs.get("column") or cfg.kwargs.get("column_A") or ""
                failed[f"{cfg.type}({col})"] = int(r.result.get("unexpected_count") or 0)
    return SuiteResult(name, bool(run.success), failed, n)


def governance_metrics(df: pd.DataFrame, trusts: list[str], docs_dir: Path | None = None) -> SuiteResult:
    _, gxe = _gx()
    return _suite(
        "governance_metrics",
        df,
        [
            gxe.ExpectColumnValuesToBeInSet(column="metric_id", value_set=sorted(METRICS_BY_ID)),
            gxe.ExpectColumnValuesToBeInSet(column="org_code", value_set=[*trusts, "REGION"]),
            gxe.ExpectColumnValuesToMatchRegex(column="period", regex=r"^\d{4}-(?:0[1-9]|1[0-2])$"),
            gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0, max_value=1),
            gxe.ExpectColumnValuesToBeBetween(column="denominator", min_value=1),
            gxe.ExpectColumnValuesToBeBetween(column="numerator", min_value=0),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="denominator", column_B="numerator", or_equal=True),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["metric_id", "org_code", "period"]),
        ],
        docs_dir,
    )


def region_consistency_frame(df: pd.DataFrame) -> pd.DataFrame:
    """REGION's numerator and denominator minus the sum over trusts, per metric and month."""
    trusts = df[df["org_code"] != "REGION"].groupby(["metric_id", "period"])[["numerator", "denominator"]].sum()
    region = df[df["org_code"] == "REGION"].set_index(["metric_id", "period"])[["numerator", "denominator"]]
    joined = trusts.join(region, how="outer", lsuffix="_trusts", rsuffix="_region").fillna(0)
    return pd.DataFrame(
        {
            "numerator_gap": (joined["numerator_region"] - joined["numerator_trusts"]).abs(),
            "denominator_gap": (joined["denominator_region"] - joined["denominator_trusts"]).abs(),
        }
    ).reset_index()


def region_equals_sum(df: pd.DataFrame, docs_dir: Path | None = None) -> SuiteResult:
    _, gxe = _gx()
    return _suite(
        "region_equals_sum_of_trusts",
        region_consistency_frame(df),
        [
            gxe.ExpectColumnValuesToBeBetween(column="numerator_gap", max_value=1e-9),
            gxe.ExpectColumnValuesToBeBetween(column="denominator_gap", max_value=1e-9),
        ],
        docs_dir,
    )


def population_profile(df: pd.DataFrame, docs_dir: Path | None = None) -> SuiteResult:
    _, gxe = _gx()
    return _suite(
        "population_profile",
        df,
        [
            gxe.ExpectColumnValuesToBeInSet(column="age_band", value_set=AGE_BANDS),
            gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=["1", "2", "9", "X"]),
            gxe.ExpectColumnValuesToBeInSet(
                column="ethnic_group", value_set=["White", "Mixed", "Asian", "Black", "Other", "Not stated"]
            ),
            gxe.ExpectColumnValuesToBeBetween(column="imd_quintile", min_value=1, max_value=5),
            gxe.ExpectColumnValuesToBeBetween(column="patients", min_value=1),
        ],
        docs_dir,
    )


def goal_attainment(df: pd.DataFrame, docs_dir: Path | None = None) -> SuiteResult:
    _, gxe = _gx()
    # the GAS T-score of goals scored −2…+2 lies within about 13.5…86.5 (ρ = 0.3)
    return _suite(
        "goal_attainment",
        df,
        [
            gxe.ExpectColumnValuesToBeBetween(column="gas_t_score", min_value=10, max_value=90),
            gxe.ExpectColumnValuesToBeBetween(column="n_goals", min_value=1),
            gxe.ExpectColumnValuesToNotBeNull(column="gas_t_score"),
        ],
        docs_dir,
    )


def volume_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Per trust and month (current accepted submissions), loaded rows and the ratio to the
    trust's previous submitted month."""
    v = rows.sort_values(["trust_ods_code", "period"]).copy()
    v["previous"] = v.groupby("trust_ods_code")["rows_loaded"].shift(1)
    v = v.dropna(subset=["previous"])
    v["ratio"] = v["rows_loaded"] / v["previous"].where(v["previous"] > 0)
    return v.reset_index(drop=True)


def monthly_volume(rows: pd.DataFrame, docs_dir: Path | None = None) -> SuiteResult:
    _, gxe = _gx()
    low, high = VOLUME_BAND
    return _suite(
        "monthly_volume_per_trust",
        volume_frame(rows),
        [
            gxe.ExpectColumnValuesToBeBetween(column="ratio", min_value=low, max_value=high),
        ],
        docs_dir,
    )
