"""Every metric M01–M17 on a second hand-made network (network.py: RDR and RXC, one shared
patient), loaded through the real validator and loader, each numerator and denominator worked
out by hand (see network.py for the boundary each row sits on), on DuckDB and on Postgres.
(The GAS check vectors are in test_marts.py.)"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from spasticity_pipeline import landing
from spasticity_pipeline.defs.warehouse.dbt import run_dbt
from spasticity_pipeline.flow import build_context, process_submission
from spasticity_pipeline.warehouse import open_warehouse

from ..conftest import make_settings
from ..validate.conftest import write_submission
from .network import RDR_OCTOBER, RXC_SEPTEMBER

TODAY = dt.date(2026, 11, 24)
T0 = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)

#: (metric, org, period) → (numerator, denominator), worked out by hand
EXPECTED = {
    # M01 first assessment ≤ 126 days: R1 +126 (hit, Jul), R2 +127 (miss, Aug); RXC R9 +21
    ("M01", "RDR", "2026-07"): (1, 1),
    ("M01", "RDR", "2026-08"): (0, 1),
    ("M01", "RXC", "2026-08"): (1, 1),
    # M02 working days in (received, triage]: R1 10 (hit, Mar); Easter: R2 10 (hit), R3 11 (miss) in Apr
    ("M02", "RDR", "2026-03"): (1, 1),
    ("M02", "RDR", "2026-04"): (1, 2),
    ("M02", "RXC", "2026-08"): (1, 1),
    # M03 standard route by month received: R1 Y, R2 N, R3 Y
    ("M03", "RDR", "2026-03"): (2, 3),
    ("M03", "RXC", "2026-08"): (1, 1),
    # M04 joint assessment: C1 Y/Y, C2 Y/N; C7 was a DNA (not attended)
    ("M04", "RDR", "2026-07"): (1, 1),
    ("M04", "RDR", "2026-08"): (0, 1),
    ("M04", "RXC", "2026-08"): (1, 1),
    # M05 a goal set on/before the injection: C5 (10 Aug) precedes G3 (11 Aug)
    ("M05", "RDR", "2026-07"): (1, 1),
    ("M05", "RDR", "2026-08"): (0, 1),
    ("M05", "RDR", "2026-10"): (2, 2),
    ("M05", "RXC", "2026-09"): (0, 1),
    # M06 exactly one primary goal: R1 has two (C3, C4 miss), C5 none, C6 one (G3)
    ("M06", "RDR", "2026-07"): (0, 1),
    ("M06", "RDR", "2026-08"): (0, 1),
    ("M06", "RDR", "2026-10"): (1, 2),
    ("M06", "RXC", "2026-09"): (0, 1),
    # M07 a baseline measure on/before the injection
    ("M07", "RDR", "2026-07"): (1, 1),
    ("M07", "RDR", "2026-08"): (1, 1),
    ("M07", "RDR", "2026-10"): (2, 2),
    ("M07", "RXC", "2026-09"): (0, 1),
    # M08 outcome in [c+28, c+140]: C3 → G1 on day 28 (hit), C4 none, C5 no goal yet, C6 → G3 day 29
    ("M08", "RDR", "2026-07"): (1, 1),
    ("M08", "RDR", "2026-08"): (0, 1),
    ("M08", "RDR", "2026-10"): (1, 2),
    ("M08", "RXC", "2026-09"): (0, 1),
    # M09 dose: C3 botox 350/400, C4 dysport both limbs 1200/1500, C5 two products each within, C6 botox 450/400
    ("M09", "RDR", "2026-07"): (1, 1),
    ("M09", "RDR", "2026-08"): (1, 1),
    ("M09", "RDR", "2026-10"): (1, 2),
    ("M09", "RXC", "2026-09"): (1, 1),
    # M10 re-injection: C4 exactly 84 days after C3 (RXC's 1 Sep injection of the same person ignored), C6 52
    ("M10", "RDR", "2026-10"): (1, 2),
    # M11 adverse event: two events on C3 count once
    ("M11", "RDR", "2026-07"): (1, 1),
    ("M11", "RDR", "2026-08"): (0, 1),
    ("M11", "RDR", "2026-10"): (0, 2),
    ("M11", "RXC", "2026-09"): (0, 1),
    # M12 GAS T ≥ 50: R1 Aug (w2·0, w1·−1) → 45.98; R2 Oct one goal +2 → 70
    ("M12", "RDR", "2026-08"): (0, 1),
    ("M12", "RDR", "2026-10"): (1, 1),
    # M13 primary goal achieved: G1 0 (hit), G2 −1 (miss) in Aug; G3 +2 in Oct
    ("M13", "RDR", "2026-08"): (1, 2),
    ("M13", "RDR", "2026-10"): (1, 1),
    # M14 pain: M3 2 vs baseline exactly 4 (hit); M5 4 vs the higher of two baselines on 20 Aug (8)
    ("M14", "RDR", "2026-08"): (1, 1),
    ("M14", "RDR", "2026-09"): (1, 1),
    # M15 understood goals: Y and U count, empty does not; M16 FFT: 6 excluded, 4 is not positive
    ("M15", "RDR", "2026-09"): (1, 2),
    ("M16", "RDR", "2026-09"): (1, 2),
    # M17 DNA among attended + DNA contacts, every contact type
    ("M17", "RDR", "2026-04"): (1, 1),
    ("M17", "RDR", "2026-07"): (0, 2),
    ("M17", "RDR", "2026-08"): (0, 2),
    ("M17", "RDR", "2026-10"): (0, 2),
    ("M17", "RXC", "2026-08"): (0, 1),
    ("M17", "RXC", "2026-09"): (0, 1),
}


def _with_region(rows: dict) -> dict:
    region: dict = defaultdict(lambda: [0, 0])
    for (m, _, p), (n, d) in rows.items():
        region[(m, "REGION", p)][0] += n
        region[(m, "REGION", p)][1] += d
    return {**rows, **{k: tuple(v) for k, v in region.items()}}


def _build(settings, tmp_path) -> None:
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        ctx = build_context(settings, wh, TODAY)
        for i, (trust, period, tables) in enumerate(
            [("RXC", "2026-09", RXC_SEPTEMBER), ("RDR", "2026-10", RDR_OCTOBER)]
        ):
            folder = write_submission(tmp_path / f"{trust}-{period}", tables, trust=trust, period=period)
            sub = landing.submit(folder, settings, trust, period, T0 + dt.timedelta(hours=i))
            out = process_submission(sub, settings, wh, ctx)
            assert out.status != "rejected" and out.rows_quarantined == 0, out.findings
    run_dbt(settings, ["build"], tmp_path / "dbt-target")


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    url = None
    if request.param == "postgres":
        import uuid

        import psycopg

        from ..conftest import PG_ADMIN

        name = f"spasticity_dbt_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    settings = make_settings(tmp / "home", url)
    _build(settings, tmp)
    yield settings
    if url:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(settings, sql):
    with open_warehouse(settings) as wh:
        return wh.query(sql).to_pylist()


def test_every_metric_row_is_the_hand_worked_one(warehouse):
    rows = _query(
        warehouse, "SELECT metric_id, org_code, period, numerator, denominator, value FROM marts.governance_metrics"
    )
    got = {(r["metric_id"], r["org_code"], r["period"]): (r["numerator"], r["denominator"]) for r in rows}
    assert got == _with_region(EXPECTED)
    assert all(r["value"] == pytest.approx(r["numerator"] / r["denominator"]) for r in rows)
    assert {r["metric_id"] for r in rows} == {f"M{i:02d}" for i in range(1, 18)}


def test_gas_t_scores(warehouse):
    rows = _query(
        warehouse,
        "SELECT org_code, referral_id, period, n_goals, gas_t_score FROM marts.goal_attainment ORDER BY referral_id",
    )
    assert [(r["referral_id"], r["period"], r["n_goals"]) for r in rows] == [("R1", "2026-08", 2), ("R2", "2026-10", 1)]
    # R1: 50 + 10·(2·0 + 1·(−1)) / √(0.7·(4 + 1) + 0.3·3²) = 50 − 10/√6.2
    assert rows[0]["gas_t_score"] == pytest.approx(50 - 10 / 6.2**0.5)
    assert rows[1]["gas_t_score"] == pytest.approx(70.0)


def test_core_applies_current_data_and_keeps_mas_order(warehouse):
    measures = _query(
        warehouse, "SELECT measure_id, value, value_numeric FROM core.fct_outcome_measure WHERE instrument = 'MAS'"
    )
    assert measures == [{"measure_id": "M2", "value": "1+", "value_numeric": 1.5}]
    shared = _query(
        warehouse, "SELECT n_trusts FROM core.dim_patient WHERE latest_trust_ods_code = 'RDR' AND n_trusts = 2"
    )
    assert len(shared) == 1  # P1 at RDR is P4 at RXC: one token


def test_population_profile_counts_people_once_in_region(warehouse):
    rows = _query(
        warehouse,
        "SELECT org_code, period, age_band, ethnic_group, imd_quintile, patients "
        "FROM marts.population_profile WHERE period IN ('2026-08', '2026-09')",
    )
    by = defaultdict(int)
    for r in rows:
        by[(r["org_code"], r["period"])] += r["patients"]
    # Aug: RDR saw P2 (C2, C5); RXC saw P4 (= P1). Sep: RXC saw P4 (C10); RDR had no contact
    assert dict(by) == {
        ("RDR", "2026-08"): 1,
        ("RXC", "2026-08"): 1,
        ("REGION", "2026-08"): 2,
        ("RXC", "2026-09"): 1,
        ("REGION", "2026-09"): 1,
    }
    # born 1960-05 → 66 on 1 Aug 2026; TN1 2AB is decile 5 in the test lookup → quintile 3
    assert {(r["age_band"], r["ethnic_group"], r["imd_quintile"]) for r in rows} == {("60-79", "White", 3)}


def test_data_quality_counts_the_warnings_per_file(warehouse):
    rows = _query(
        warehouse,
        "SELECT trust_ods_code, file, rows_in, rows_loaded, findings_w04, findings_w05, "
        "completeness_importance FROM marts.data_quality WHERE trust_ods_code = 'RDR'",
    )
    by_file = {r["file"]: r for r in rows}
    assert by_file["injections.csv"]["findings_w04"] == 2  # both rows of C6's 450-unit botox session
    assert by_file["contacts.csv"]["findings_w05"] == 1  # C6, 52 days after C5
    assert by_file["goals.csv"]["completeness_importance"] == pytest.approx(1 / 3)
    assert by_file["patients.csv"]["rows_in"] == by_file["patients.csv"]["rows_loaded"] == 3
