"""SPC benchmark and check on real data: builds ``marts.metric_spc`` and ``marts.metric_spc_points``
from a warehouse's ``marts.governance_metrics`` on DuckDB and on Postgres, prints how long the models
take, and compares both engines' tables with the independent reference (tests' ``spc_reference``).

    make demo   # or SPASTICITY_HOME=… spasticity demo --months 14 (12 months or more give limits)
    python -m spasticity_pipeline_tests.bench.spc_bench [--warehouse data/warehouse.duckdb] [--copies 10]

``--copies N`` repeats every trust's series N times under new org codes (a network N times the
size) to show how the models scale.
"""

from __future__ import annotations

import argparse
import tempfile
from fractions import Fraction
from pathlib import Path

import duckdb

from spasticity_pipeline.config import targets
from spasticity_pipeline.contract.metrics import METRICS
from spasticity_pipeline.settings import get_settings

from ..dbt import spc_reference
from ..dbt.spc_warehouse import SpcWarehouse, spc_warehouse

NEAR = Fraction(2, 10**9)


def read_metrics(path: Path, copies: int) -> list[tuple[str, str, str, int, int]]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT metric_id, org_code, period, numerator, denominator FROM marts.governance_metrics"
        ).fetchall()
    out = list(rows)
    for i in range(1, copies):
        out += [(m, f"{o}_{i}", p, n, d) for m, o, p, n, d in rows if o != "REGION"]
    return out


def disagreements(wh: SpcWarehouse, reference: dict) -> tuple[int, int, int]:
    """(series compared, series excused as within 1e-9 of a threshold, series that differ)."""
    series = {(r["metric_id"], r["org_code"]): r for r in wh.rows("SELECT * FROM marts.metric_spc")}
    points: dict[tuple[str, str], list] = {}
    for r in wh.rows("SELECT metric_id, org_code, period, special_cause FROM marts.metric_spc_points"):
        points.setdefault((r["metric_id"], r["org_code"]), []).append((r["period"], r["special_cause"]))
    compared = excused = wrong = 0
    for key, ref in reference.items():
        got = series[key]
        for col in ("mean", "ucl", "lcl"):
            want = getattr(ref, col)
            if (got[col] is None) != (want is None) or (want is not None and abs(Fraction(got[col]) - want) > 1e-9):
                wrong += 1
        if ref.comparisons.closest is not None and ref.comparisons.closest <= NEAR:
            excused += 1
            continue
        compared += 1
        flags = [c for _, c in sorted(points[key])]
        if (got["variation"], got["assurance"]) != (ref.variation, ref.assurance) or flags != ref.special_cause:
            wrong += 1
    return compared, excused, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=None, help="DuckDB file (default: SPASTICITY_HOME's)")
    parser.add_argument("--copies", type=int, default=1, help="repeat the trusts' series this many times")
    args = parser.parse_args()
    path = args.warehouse or get_settings().duckdb_path
    metrics = read_metrics(path, args.copies)
    reference = spc_reference.compute(
        metrics, {m.id: m.better for m in METRICS}, {m: t.target for m, t in targets().metrics.items()}
    )
    judged = sum(1 for s in reference.values() if s.n_points >= spc_reference.MIN_POINTS)
    print(f"input: {path} × {args.copies}: {len(metrics):,} metric rows, {len(reference):,} series, {judged:,} judged")
    print("| engine | dbt build, s | metric_spc_points, s | metric_spc, s | compared | excused | differ |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="spc-bench-") as tmp:
        for engine in ("duckdb", "postgres"):
            work = Path(tmp) / engine
            work.mkdir()
            with spc_warehouse(engine, work, metrics) as wh:
                compared, excused, wrong = disagreements(wh, reference)
                print(
                    f"| {engine} | {wh.build_seconds:.2f} | {wh.node_seconds['metric_spc_points']:.2f} | "
                    f"{wh.node_seconds['metric_spc']:.2f} | {compared} | {excused} | {wrong} |"
                )


if __name__ == "__main__":
    main()
