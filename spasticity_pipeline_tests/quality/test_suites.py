"""The GX suites pass on sound tables and fail, naming the expectation, on broken ones."""

from __future__ import annotations

import pandas as pd

from spasticity_pipeline.quality import suites


def _metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric_id": ["M01", "M01", "M01", "M11", "M11"],
            "org_code": ["RDR", "RYR", "REGION", "RDR", "REGION"],
            "period": ["2026-09"] * 5,
            "numerator": [1, 2, 3, 0, 0],
            "denominator": [2, 2, 4, 5, 5],
            "value": [0.5, 1.0, 0.75, 0.0, 0.0],
        }
    )


def test_sound_metrics_pass_and_docs_are_written(tmp_path):
    res = suites.governance_metrics(_metrics(), ["RDR", "RYR"], tmp_path / "docs")
    assert res.success and res.evaluated == 8
    assert (tmp_path / "docs" / "index.html").exists()
    assert suites.region_equals_sum(_metrics()).success


def test_broken_metrics_fail_on_the_right_expectations():
    bad = _metrics()
    bad.loc[0, ["numerator", "value"]] = [3, 1.5]  # numerator above denominator, value above 1
    bad.loc[1, "org_code"] = "XYZ"
    res = suites.governance_metrics(bad, ["RDR", "RYR"])
    assert not res.success
    assert res.failed == {
        "expect_column_values_to_be_in_set(org_code)": 1,
        "expect_column_values_to_be_between(value)": 1,
        "expect_column_pair_values_a_to_be_greater_than_b(denominator)": 1,
    }
    region = suites.region_equals_sum(bad)  # REGION still says 3 of 4; the trusts now sum 5 of 4
    assert region.failed == {"expect_column_values_to_be_between(numerator_gap)": 1}


def test_monthly_volume_band():
    rows = pd.DataFrame(
        {
            "trust_ods_code": ["RDR"] * 3 + ["RYR"] * 2,
            "period": ["2026-07", "2026-08", "2026-09", "2026-08", "2026-09"],
            "rows_loaded": [100, 120, 300, 50, 40],
        }
    )
    frame = suites.volume_frame(rows)
    assert frame[["trust_ods_code", "period", "ratio"]].round(2).values.tolist() == [
        ["RDR", "2026-08", 1.2],
        ["RDR", "2026-09", 2.5],
        ["RYR", "2026-09", 0.8],
    ]
    assert suites.monthly_volume(rows).failed == {"expect_column_values_to_be_between(ratio)": 1}


def test_profile_and_goal_attainment_lists():
    profile = pd.DataFrame(
        {
            "age_band": ["18-39", "80+"],
            "sex": ["1", "2"],
            "ethnic_group": ["White", "Asian"],
            "imd_quintile": [1, None],
            "patients": [3, 1],
        }
    )
    assert suites.population_profile(profile).success
    profile.loc[0, "age_band"] = "90+"
    assert suites.population_profile(profile).failed == {"expect_column_values_to_be_in_set(age_band)": 1}
    goals = pd.DataFrame({"n_goals": [1, 3], "gas_t_score": [50.0, 36.3]})
    assert suites.goal_attainment(goals).success
    goals.loc[1, "gas_t_score"] = 95.0
    assert not suites.goal_attainment(goals).success
