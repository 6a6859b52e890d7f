"""marts.metric_spc and marts.metric_spc_points (spc-v1) on hand-worked series, through the real dbt
models on DuckDB and on Postgres.

Each series below is small and worked out by hand in its comment: the values (percentages, i.e.
numerator over a denominator of 100), the mean, the moving ranges (MR), sigma = mr_mean / 1.128,
the limits and which rule flags which point. Flags are written one character per point in period
order: ``H`` high, ``L`` low, ``.`` none. Targets are those of config/targets.yaml (M01 0.92, M03
0.80, M04 0.80, M05 0.95, M06 0.95, M09 1.00, M11 0.05 lower is better, M12 0.60, M13 0.60, M14
0.50, M17 0.08 lower is better); M16's is removed to give a metric with no target.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .spc_warehouse import spc_warehouse


def months(first: str, n: int, skip: tuple[str, ...] = ()) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out: list[str] = []
    while len(out) < n:
        p = f"{y:04d}-{m:02d}"
        if p not in skip:
            out.append(p)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass
class Case:
    percents: list[int]  # values × 100 (numerator over 100)
    flags: str
    mean: float | None
    mr_mean: float | None
    variation: str
    assurance: str
    periods: list[str] | None = None
    fraction: tuple[int, int] | None = None  # every point numerator/denominator instead of percents

    def rows(self, metric: str, org: str):
        periods = self.periods or months("2025-01", len(self.flags))
        if self.fraction:
            return [(metric, org, p, *self.fraction) for p in periods]
        return [(metric, org, p, v, 100) for p, v in zip(periods, self.percents, strict=True)]


GAPS = months("2025-01", 12, skip=("2025-04", "2025-07", "2025-11"))

CASES: dict[tuple[str, str], Case] = {
    # SHIFT, 7 above the mean. 50 54 50 54 50 | 56 58 56 58 56 58 56
    # mean = (3·50 + 2·54 + 4·56 + 3·58) / 12 = 656 / 12 = 54.667
    # MR: 4 4 4 4, 6, 2 2 2 2 2 2 → 34 / 11 = 3.0909; sigma 2.7402; 2σ lines 49.19 … 60.15; limits 46.44 … 62.89
    # nothing beyond 2σ; 56 and 58 are above the mean: p6–p12, 7 points → shift high. p1–p5 (5 below) are
    # not a shift. The latest point is high and M03 is higher-is-better → improvement; ucl 0.629 < 0.80 → fail.
    ("M03", "RDR"): Case(
        [50, 54, 50, 54, 50, 56, 58, 56, 58, 56, 58, 56], ".....HHHHHHH", 6.56 / 12, 0.34 / 11, "improvement", "fail"
    ),
    # TREND, 6 rising. 60 70 60 70 60 70 | 61 62 63 64 65 66
    # mean = (180 + 210 + 381) / 12 = 771 / 12 = 64.25
    # MR: 10 ×5, 9, 1 ×5 → 64 / 11 = 5.8182; sigma 5.1580; 2σ 53.93 … 74.57; limits 48.77 … 79.73
    # above the mean: 70s, 65, 66 (never 7 in a row). p7 (61) … p12 (66): five rises, six points → trend
    # high, p7 included (the run's first point). Latest high, M04 higher-is-better → improvement; ucl 0.797
    # < 0.80 → fail.
    ("M04", "RDR"): Case(
        [60, 70, 60, 70, 60, 70, 61, 62, 63, 64, 65, 66], "......HHHHHH", 7.71 / 12, 0.64 / 11, "improvement", "fail"
    ),
    # OUTLIER above the UCL. 50 52 50 52 50 | 80 | 50 52 50 52 50 52
    # mean = (6·50 + 5·52 + 80) / 12 = 640 / 12 = 53.333
    # MR: 2 2 2 2, 30, 30, 2 2 2 2 2 → 78 / 11 = 7.0909; sigma 6.2862; ucl = 53.333 + 2.66·7.0909 = 72.195
    # 80 > 72.195 → p6 high (it is also beyond the 2σ line 65.91, but alone). p1–p5 are 5 below the mean
    # and p7–p12 six: not a shift. The latest point (52) is common cause; ucl 0.722 < 0.95 → fail.
    ("M05", "RDR"): Case(
        [50, 52, 50, 52, 50, 80, 50, 52, 50, 52, 50, 52], ".....H......", 6.40 / 12, 0.78 / 11, "common_cause", "fail"
    ),
    # TWO OF THREE beyond 2σ. 50 52 50 52 50 | 60 60 | 50 52 50 52 50
    # mean = (6·50 + 4·52 + 2·60) / 12 = 628 / 12 = 52.333
    # MR: 2 2 2 2, 10, 0, 10, 2 2 2 2 → 36 / 11 = 3.2727; sigma 2.9013; upper 2σ = 52.333 + 5.8027 = 58.136;
    # ucl = 52.333 + 8.7055 = 61.039. p6, p7 (60) are beyond 2σ but inside the limits; the window p5–p7
    # (or p6–p8) holds two → both high; p5 and p8 are in those windows but not beyond, so not flagged.
    # Below the mean: p1–p5 and p8–p12, five each. Latest common cause; ucl 0.610 < 0.95 → fail.
    ("M06", "RDR"): Case(
        [50, 52, 50, 52, 50, 60, 60, 50, 52, 50, 52, 50], ".....HH.....", 6.28 / 12, 0.36 / 11, "common_cause", "fail"
    ),
    # TWO OF THREE, not adjacent. 50 52 50 52 | 60 56 60 | 50 52 50 52 50
    # mean = (5·50 + 4·52 + 60 + 56 + 60) / 12 = 634 / 12 = 52.833
    # MR: 2 2 2, 8, 4, 4, 10, 2 2 2 2 → 40 / 11 = 3.6364; sigma 3.2237; upper 2σ = 52.833 + 6.4474 = 59.281;
    # ucl = 52.833 + 9.6727 = 62.506. p5 and p7 (60) are beyond 2σ, inside the limits, in the one window
    # p5–p7 → both high; p6 (56) between them is not beyond → not flagged. Above the mean only p5–p7.
    # Latest common cause; ucl 0.625 < 0.90 → fail.
    ("M07", "RDR"): Case(
        [50, 52, 50, 52, 60, 56, 60, 50, 52, 50, 52, 50], "....H.H.....", 6.34 / 12, 0.40 / 11, "common_cause", "fail"
    ),
    # CONSTANT at 1 (40/40 every month): mean 1, every MR 0 → mr_mean 0, ucl = lcl = 1. No point is above
    # or below anything. lcl 1.0 ≥ target 1.00 → pass (the ≥ is inclusive).
    ("M09", "REGION"): Case([], "............", 1.0, 0.0, "common_cause", "pass", fraction=(40, 40)),
    # CONSTANT at 7/10: the engines' mean of twelve 0.7s is off in the last bit (DuckDB's 1.1e-16 low,
    # Postgres' as much high); within 1e-9 a value equals its mean, so there is no "shift" of 12 on either
    # engine. lcl 0.7 ≥ 0.60 → pass.
    ("M13", "RYR"): Case([], "............", 0.7, 0.0, "common_cause", "pass", fraction=(7, 10)),
    # FEWER THAN 12 POINTS: 11 months, one far out (90) — no limits, no flags, both verdicts
    # insufficient_data, and all 11 points are still in metric_spc_points.
    ("M10", "RDR"): Case(
        [50, 52, 50, 52, 50, 90, 50, 52, 50, 52, 50],
        "...........",
        None,
        None,
        "insufficient_data",
        "insufficient_data",
    ),
    # LOWER IS BETTER (M17), a high latest point is a concern. 10 20 10 20 10 20 10 20 10 20 10 | 70
    # mean = (6·10 + 5·20 + 70) / 12 = 230 / 12 = 19.167
    # MR: 10 ×10, 60 → 160 / 11 = 14.545; ucl = 19.167 + 38.691 = 57.858; lcl = 19.167 − 38.691 = −19.524
    # (not clipped at 0). 70 > ucl → p12 high; lower is better → concern. 20s are above the mean and 10s
    # below, alternately: no shift. Target 0.08: ucl > 0.08 and lcl < 0.08 → hit_and_miss.
    ("M17", "RDR"): Case(
        [10, 20, 10, 20, 10, 20, 10, 20, 10, 20, 10, 70],
        "...........H",
        2.30 / 12,
        1.60 / 11,
        "concern",
        "hit_and_miss",
    ),
    # GAPS: 12 points over 15 months (no row for 2025-04, 2025-07, 2025-11); the rules count points.
    # 56 52 56 52 56 | 50 48 50 48 50 48 50 (the shift case mirrored)
    # mean = (3·56 + 2·52 + 4·50 + 3·48) / 12 = 616 / 12 = 51.333
    # MR between consecutive points, across the gaps: 4 4 4 4, 6, 2 ×6 → 34 / 11 = 3.0909 (as if the gaps
    # were not there); limits 43.11 … 59.56; 2σ 45.85 … 56.81: nothing beyond. p6 (2025-08) … p12 (2026-03):
    # 7 points below the mean across the 2025-11 gap → shift low. M12 is higher-is-better → concern;
    # ucl 0.596 < 0.60 → fail.
    ("M12", "RWF"): Case(
        [56, 52, 56, 52, 56, 50, 48, 50, 48, 50, 48, 50],
        ".....LLLLLLL",
        6.16 / 12,
        0.34 / 11,
        "concern",
        "fail",
        periods=GAPS,
    ),
    # SEVERAL RULES on one point: the first rule's side. 50 52 50 52 50 52 | 90 58 56 54 52 50
    # mean = (3.06 + 0.90 + 2.70) / 12 = 6.66 / 12 = 55.5
    # MR: 2 ×5, 38, 32, 2 ×4 → 88 / 11 = 8; ucl = 55.5 + 21.28 = 76.78; lcl = 34.22; upper 2σ = 69.68
    # p7 (90) > ucl → rule 1 high; p7 … p12 fall five times, six points → rule 4 low for p7 … p12. p7 keeps
    # rule 1's side (high), p8 … p12 are low. p1–p6 below the mean: six, not a shift. M11 is lower-is-better
    # and the latest point is low → improvement; lcl 0.342 > target 0.05 → fail.
    ("M11", "RDR"): Case(
        [50, 52, 50, 52, 50, 52, 90, 58, 56, 54, 52, 50], "......HLLLLL", 6.66 / 12, 0.88 / 11, "improvement", "fail"
    ),
    # A PEAK inside the limits: 40 42 44 46 48 50 48 46 44 42 40 49
    # mean = (2.70 + 2.20 + 0.49) / 12 = 5.39 / 12 = 44.917
    # MR: 2 ×10, 9 → 29 / 11 = 2.6364; sigma 2.3372; ucl = 44.917 + 7.0127 = 51.929 (50 is inside); 2σ lines
    # 40.24 … 49.59: p6 (50) beyond alone; p1 and p11 (40) below, each alone in their windows. Above the mean:
    # p4–p8 (46 48 50 48 46) five, then p12. p1 … p6 rise five times → trend high; p6 … p11 fall five times
    # → trend low. p6 ends the rise and starts the fall: it takes the side of its own step (up) → high.
    # Latest (49, one rise) common cause; ucl 0.519 ≥ 0.50 > lcl 0.379 → hit_and_miss.
    ("M14", "RDR"): Case(
        [40, 42, 44, 46, 48, 50, 48, 46, 44, 42, 40, 49],
        "HHHHHHLLLLL.",
        5.39 / 12,
        0.29 / 11,
        "common_cause",
        "hit_and_miss",
    ),
    # ASSURANCE, higher is better (M01, target 0.92), alternating series (no rule fires: values sit half an
    # MR from the mean, the 2σ lines are 1.77 MR away):
    # 97 98 …: mean 97.5, MR 1; lcl = 97.5 − 2.66 = 94.84 ≥ 92 → pass (ucl 100.16: above 1, not clipped)
    ("M01", "RYR"): Case([97, 98] * 6, "............", 0.975, 0.01, "common_cause", "pass"),
    # 70 72 …: mean 71, MR 2; ucl = 71 + 5.32 = 76.32 < 92 → fail
    ("M01", "RWF"): Case([70, 72] * 6, "............", 0.71, 0.02, "common_cause", "fail"),
    # 88 96 …: mean 92, MR 8; limits 70.72 … 113.28 straddle 92 → hit_and_miss
    ("M01", "RDR"): Case([88, 96] * 6, "............", 0.92, 0.08, "common_cause", "hit_and_miss"),
    # ASSURANCE, lower is better (M11, target 0.05): 1 2 …: mean 1.5, MR 1; ucl = 1.5 + 2.66 = 4.16 ≤ 5 → pass
    ("M11", "RYR"): Case([1, 2] * 6, "............", 0.015, 0.01, "common_cause", "pass"),
    # NO TARGET (M16's removed from the seed): 80 84 … → no_target
    ("M16", "RDR"): Case([80, 84] * 6, "............", 0.82, 0.04, "common_cause", "no_target"),
}


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def spc(request, tmp_path_factory):
    rows = [r for (metric, org), case in CASES.items() for r in case.rows(metric, org)]
    with spc_warehouse(request.param, tmp_path_factory.mktemp(request.param), rows, without_target=("M16",)) as wh:
        yield wh.rows


def _series(spc) -> dict[tuple[str, str], dict]:
    return {(r["metric_id"], r["org_code"]): r for r in spc("SELECT * FROM marts.metric_spc")}


def _flags(spc) -> dict[tuple[str, str], str]:
    rows = spc("SELECT metric_id, org_code, period, special_cause FROM marts.metric_spc_points")
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for r in rows:
        out.setdefault((r["metric_id"], r["org_code"]), []).append((r["period"], r["special_cause"]))
    code = {"high": "H", "low": "L", None: "."}
    return {k: "".join(code[s] for _, s in sorted(v)) for k, v in out.items()}


def test_columns_are_the_specs(spc):
    assert list(spc("SELECT * FROM marts.metric_spc")[0]) == [
        "metric_id",
        "org_code",
        "n_points",
        "first_period",
        "latest_period",
        "latest_value",
        "mean",
        "ucl",
        "lcl",
        "variation",
        "assurance",
    ]
    assert list(spc("SELECT * FROM marts.metric_spc_points")[0]) == [
        "metric_id",
        "org_code",
        "period",
        "value",
        "special_cause",
    ]


@pytest.mark.parametrize("key", list(CASES), ids=[f"{m}-{o}" for m, o in CASES])
def test_special_causes(spc, key):
    assert _flags(spc)[key] == CASES[key].flags


@pytest.mark.parametrize("key", list(CASES), ids=[f"{m}-{o}" for m, o in CASES])
def test_limits_and_verdicts(spc, key):
    case, got = CASES[key], _series(spc)[key]
    assert (got["variation"], got["assurance"]) == (case.variation, case.assurance)
    assert got["n_points"] == len(case.flags)
    if case.mean is None:
        assert (got["mean"], got["ucl"], got["lcl"]) == (None, None, None)
    else:
        assert got["mean"] == pytest.approx(case.mean, abs=1e-12)
        assert got["ucl"] == pytest.approx(case.mean + 2.66 * case.mr_mean, abs=1e-12)
        assert got["lcl"] == pytest.approx(case.mean - 2.66 * case.mr_mean, abs=1e-12)


def test_every_month_with_a_row_is_a_point_and_only_those(spc):
    got = {
        (r["metric_id"], r["org_code"], r["period"]): r["value"] for r in spc("SELECT * FROM marts.metric_spc_points")
    }
    want = {(m, o, p): n / d for (m, o), case in CASES.items() for _, _, p, n, d in case.rows(m, o)}
    assert got == pytest.approx(want, abs=1e-15)
    assert ("M12", "RWF", "2025-04") not in got and ("M12", "RWF", "2025-08") in got


def test_periods_and_latest_value(spc):
    gaps = _series(spc)[("M12", "RWF")]
    assert (gaps["n_points"], gaps["first_period"], gaps["latest_period"]) == (12, "2025-01", "2026-03")
    assert gaps["latest_value"] == pytest.approx(0.50)
    short = _series(spc)[("M10", "RDR")]
    assert (short["first_period"], short["latest_period"], short["latest_value"]) == ("2025-01", "2025-11", 0.50)


def test_spc_models_are_metrics_assets_with_their_dbt_tests_as_checks():
    import dagster as dg

    from spasticity_pipeline.defs.warehouse.dbt import warehouse_models

    specs = {s.key: s for s in warehouse_models.specs}
    checks = {(c.asset_key, c.name) for c in warehouse_models.check_specs}
    for name in ("metric_spc", "metric_spc_points"):
        key = dg.AssetKey(["marts", name])
        assert specs[key].group_name == "metrics"
        names = {n for k, n in checks if k == key}
        assert any(n.startswith(f"unique_key_{name}") for n in names), names
        assert any(n.startswith("accepted_values_") for n in names), names
    assert dg.AssetKey(["marts", "governance_metrics"]) in {d.asset_key for d in specs[key].deps}
    assert (dg.AssetKey(["marts", "metric_spc"]), "metric_spc_consistent") in checks
