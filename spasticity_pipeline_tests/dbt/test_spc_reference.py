"""The SPC tables against an independent implementation of spc-v1 (spc_reference.py: plain Python,
exact fractions, no SQL) on a generated network.

The synthetic generator writes two trusts' submissions for 13 months (RDR, and its spoke RYR in its
dialect); they go through the real pipeline (landing, validation, load) into DuckDB, and dbt builds
governance_metrics and the SPC models. Postgres builds its SPC tables from the same governance_metrics
rows (the engines' agreement on governance_metrics itself is test_marts.py's). Both engines' tables
must equal the reference: limits within 1e-9; verdicts and every point's special_cause equal, except
in a series where some comparison is within 1e-9 of its threshold (the spec's tolerance), which is
left out and counted.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import duckdb
import pytest

from spasticity_pipeline import landing
from spasticity_pipeline.config import targets
from spasticity_pipeline.contract.metrics import METRICS
from spasticity_pipeline.defs.warehouse.dbt import run_dbt
from spasticity_pipeline.flow import build_context, process_submission
from spasticity_pipeline.settings import SHIPPED_POSTCODE_LOOKUP
from spasticity_pipeline.synthetic import generate_network
from spasticity_pipeline.warehouse import open_warehouse

from ..conftest import make_settings
from . import spc_reference
from .spc_warehouse import spc_warehouse
from .test_spc import CASES, months

MONTHS = months("2025-02", 13)
TRUSTS = ["RDR", "RYR"]
#: a comparison within this of its threshold may go either way (the spec's 1e-9, plus rounding)
NEAR = Fraction(2, 10**9)
BETTER = {m.id: m.better for m in METRICS}
CODE = {"high": "H", "low": "L", None: "."}


@pytest.fixture(scope="module")
def network(tmp_path_factory) -> dict:
    """governance_metrics rows and the DuckDB SPC tables of the generated network."""
    tmp = tmp_path_factory.mktemp("spc-network")
    subs = generate_network(tmp / "gen", trusts=TRUSTS, months=MONTHS, patients=80, seed=11, e1_faults=False)
    settings = make_settings(tmp / "home", lookup=SHIPPED_POSTCODE_LOOKUP)
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        ctx = build_context(settings, wh, dt.date(2026, 3, 20))
        t0 = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
        for s in sorted(subs, key=lambda s: s.order):
            sub = landing.submit(s.folder, settings, s.trust, s.period, t0 + dt.timedelta(minutes=s.order))
            assert process_submission(sub, settings, wh, ctx).status != "rejected"
    # the SPC models with everything upstream (seeds too), then only the SPC models' own tests
    run_dbt(settings, ["build", "--select", "+metric_spc", "--exclude-resource-type", "test"], tmp / "dbt-target")
    run_dbt(settings, ["test", "--select", "metric_spc", "metric_spc_points"], tmp / "dbt-target")
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:

        def rows(sql: str) -> list[dict]:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]

        metrics = [
            (r["metric_id"], r["org_code"], r["period"], r["numerator"], r["denominator"])
            for r in rows("SELECT * FROM marts.governance_metrics")
        ]
        yield {
            "metrics": metrics,
            "duckdb": (rows("SELECT * FROM marts.metric_spc"), rows("SELECT * FROM marts.metric_spc_points")),
            "tmp": tmp,
        }


@pytest.fixture(scope="module")
def reference(network) -> dict:
    return spc_reference.compute(network["metrics"], BETTER, {m: t.target for m, t in targets().metrics.items()})


@pytest.fixture(scope="module")
def postgres_tables(network) -> tuple[list[dict], list[dict]]:
    with spc_warehouse("postgres", network["tmp"] / "pg", network["metrics"]) as wh:
        return wh.rows("SELECT * FROM marts.metric_spc"), wh.rows("SELECT * FROM marts.metric_spc_points")


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def tables(request, network) -> tuple[list[dict], list[dict]]:
    return network["duckdb"] if request.param == "duckdb" else request.getfixturevalue("postgres_tables")


def _compared(reference: dict) -> dict:
    """The series whose every comparison is clear of its threshold (exact ties are clear)."""
    return {k: s for k, s in reference.items() if s.comparisons.closest is None or s.comparisons.closest > NEAR}


def test_the_reference_gives_the_hand_worked_answers():
    """The reference is itself checked against the hand-worked series of test_spc.py first."""
    rows = [r for (m, o), case in CASES.items() for r in case.rows(m, o)]
    got = spc_reference.compute(rows, BETTER, {m: t.target for m, t in targets().metrics.items() if m != "M16"})
    for key, case in CASES.items():
        s = got[key]
        assert "".join(CODE[c] for c in s.special_cause) == case.flags, key
        assert (s.variation, s.assurance) == (case.variation, case.assurance), key
        if case.mean is not None:
            assert float(s.mean) == pytest.approx(case.mean, abs=1e-12)
            assert float(s.ucl) == pytest.approx(case.mean + 2.66 * case.mr_mean, abs=1e-12)


def test_the_network_exercises_the_rules(reference):
    """Enough series with limits, flags on both sides and every verdict that can arise here."""
    judged = [s for s in reference.values() if s.n_points >= spc_reference.MIN_POINTS]
    assert len(judged) >= 40
    sides = {c for s in judged for c in s.special_cause}
    assert sides == {"high", "low", None}
    assert {s.variation for s in judged} >= {"common_cause", "improvement", "concern"}
    assert {s.assurance for s in judged} >= {"pass", "hit_and_miss"}
    assert len(_compared(reference)) >= 0.9 * len(reference)


def test_limits_match_within_1e_9(tables, reference):
    series, _ = tables
    assert {(r["metric_id"], r["org_code"]) for r in series} == set(reference)
    for r in series:
        ref = reference[(r["metric_id"], r["org_code"])]
        assert (r["n_points"], r["first_period"], r["latest_period"]) == (
            ref.n_points,
            ref.periods[0],
            ref.periods[-1],
        )
        assert r["latest_value"] == pytest.approx(float(ref.values[-1]), abs=1e-15)
        for col in ("mean", "ucl", "lcl"):
            want = getattr(ref, col)
            if want is None:
                assert r[col] is None, (r, col)
            else:
                assert abs(Fraction(r[col]) - want) <= Fraction(1, 10**9), (r, col, float(want))


def test_verdicts_match(tables, reference):
    series, _ = tables
    compared = _compared(reference)
    got = {(r["metric_id"], r["org_code"]): (r["variation"], r["assurance"]) for r in series}
    wrong = {
        k: (got[k], (s.variation, s.assurance)) for k, s in compared.items() if got[k] != (s.variation, s.assurance)
    }
    assert not wrong, f"(got, reference): {wrong}"


def test_special_causes_match(tables, reference):
    _, points = tables
    compared = _compared(reference)
    got: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
    for r in points:
        got.setdefault((r["metric_id"], r["org_code"]), []).append((r["period"], r["special_cause"]))
    assert sum(len(v) for v in got.values()) == sum(s.n_points for s in reference.values())
    flags = {k: "".join(CODE[c] for _, c in sorted(v)) for k, v in got.items()}
    want = {k: "".join(CODE[c] for c in s.special_cause) for k, s in compared.items()}
    wrong = {k: (flags[k], w) for k, w in want.items() if flags[k] != w}
    assert not wrong, f"(got, reference), one character per point (H high, L low): {wrong}"
