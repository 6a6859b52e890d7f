"""Ingest benchmark (``make bench``): prints rows/s, seconds, peak memory and the ratio to a
naive pandas + pandera + ``to_sql`` baseline. Speed targets live here, not in unit tests.

    python -m spasticity_pipeline_tests.bench.ingest_bench [--patients 60000] [--naive-patients 3000]

One trust-month submission is generated (the generator's realistic shapes, 1% faults), then
run through validate → pseudonymise → load into a fresh DuckDB file and, when the server is
up, a fresh Postgres database with ``COPY``. The naive stack runs on a smaller submission and
is compared per row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from spasticity_pipeline import landing
from spasticity_pipeline.flow import build_context
from spasticity_pipeline.pseudonymise import to_staging
from spasticity_pipeline.settings import SHIPPED_POSTCODE_LOOKUP, Settings
from spasticity_pipeline.synthetic import generate_network
from spasticity_pipeline.validate import validate_submission
from spasticity_pipeline.warehouse import open_warehouse

PERIOD = "2026-09"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generate(root: Path, patients: int) -> Path:
    subs = generate_network(
        root,
        trusts=["RDR"],
        months=[PERIOD],
        patients=patients,
        seed=11,
        fault_rate=0.01,
        dialects=False,
        e1_faults=False,
    )
    return subs[0].folder


def _settings(home: Path, url: str | None = None) -> Settings:
    return Settings(
        home=home,
        warehouse_url=url or f"duckdb:///{home / 'warehouse.duckdb'}",
        postcode_lookup=SHIPPED_POSTCODE_LOOKUP,
        pseudonym_key="bench-key",
    )


def pipeline(folder: Path, settings: Settings) -> dict[str, float]:
    """Seconds per stage for one submission into ``settings``' warehouse."""
    t = {}
    start = time.perf_counter()
    ctx = build_context(settings, None, dt.date(2026, 11, 24))
    result = validate_submission(folder, ctx)
    t["validate"] = time.perf_counter() - start
    s = time.perf_counter()
    staging = to_staging(result, ctx.postcode_lookup)
    t["pseudonymise"] = time.perf_counter() - s
    s = time.perf_counter()
    ref = landing.LandedSubmission("bench", "RDR", PERIOD, folder, dt.datetime.now(dt.UTC)).ref
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        wh.load_submission(ref, result, staging)
    t["load"] = time.perf_counter() - s
    t["total"] = time.perf_counter() - start
    t["rows"] = result.rows_in
    return t


def naive(folder: Path, home: Path) -> dict[str, float]:
    import sqlalchemy as sa

    from .naive import ingest

    engine = sa.create_engine(f"duckdb:///{home / 'naive.duckdb'}")
    start = time.perf_counter()
    counts = ingest(folder, engine)
    return {"total": time.perf_counter() - start, "rows": sum(counts.values()) if counts else 0}


def _pg_database() -> str | None:
    try:
        name = f"spasticity_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name
    except psycopg.OperationalError:
        return None


def _drop(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _line(label: str, t: dict[str, float]) -> str:
    stages = "  ".join(f"{k} {v:6.2f}s" for k, v in t.items() if k not in ("rows", "total"))
    return (
        f"{label:<28} {int(t['rows']):>9,} rows  {t['total']:7.2f}s  {t['rows'] / t['total']:>10,.0f} rows/s  {stages}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=60_000, help="patients in the big submission")
    ap.add_argument("--naive-patients", type=int, default=3_000, help="patients for the naive baseline")
    ap.add_argument("--skip-naive", action="store_true")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="spasticity-bench-"))
    try:
        s = time.perf_counter()
        big = _generate(root / "big", args.patients)
        print(f"generated one trust-month in {time.perf_counter() - s:.1f}s; peak RSS {peak_mb():,.0f} MB")
        duck = pipeline(big, _settings(root / "duck"))
        print(_line("pipeline → DuckDB", duck) + f"  peak RSS {peak_mb():,.0f} MB")
        pg = _pg_database()
        if pg:
            try:
                pgt = pipeline(big, _settings(root / "pg", f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg}"))
                print(_line("pipeline → Postgres (COPY)", pgt) + f"  peak RSS {peak_mb():,.0f} MB")
            finally:
                _drop(pg)
        else:
            print("Postgres not reachable at 127.0.0.1:5432: skipped")
        if not args.skip_naive:
            small = _generate(root / "small", args.naive_patients)
            ours = pipeline(small, _settings(root / "duck-small"))
            base = naive(small, root)
            print(_line("pipeline → DuckDB (small)", ours))
            print(_line("naive pandas+pandera+to_sql", base))
            ratio = (base["total"] / base["rows"]) / (duck["total"] / duck["rows"])
            print(f"per-row speed-up of the pipeline over the naive stack: {ratio:,.0f}×")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
