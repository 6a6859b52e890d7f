"""A warehouse holding only ``marts.governance_metrics`` (rows given by the test) on which dbt builds
the SPC models and what they read — the ``metrics`` and ``metric_targets`` seeds and
``core.dim_metric`` — and nothing else, on DuckDB or on a fresh Postgres database."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
from psycopg.rows import dict_row

from spasticity_pipeline.defs.warehouse.dbt import dbt_env

from ..conftest import PG_ADMIN, make_settings
from .conftest import failures, run_dbt

COLUMNS = ("metric_id", "org_code", "period", "numerator", "denominator", "value")
DDL = (
    "CREATE TABLE marts.governance_metrics (metric_id VARCHAR(3), org_code VARCHAR(10), period VARCHAR(7), "
    "numerator BIGINT, denominator BIGINT, value DOUBLE PRECISION)"
)
SPC_MODELS = ["dim_metric", "metric_spc_points", "metric_spc"]

Rows = Callable[[str], list[dict[str, Any]]]


@dataclass
class SpcWarehouse:
    engine: str
    rows: Rows
    build_seconds: float  # dbt build of the SPC models and their tests, wall clock
    node_seconds: dict[str, float]  # each model's and test's own execution time in that build


def _plain(v: Any) -> Any:
    return float(v) if hasattr(v, "is_finite") else v  # Decimal → float


@contextmanager
def spc_warehouse(
    engine: str, work: Path, metrics: Iterable[tuple[str, str, str, int, int]], without_target: tuple[str, ...] = ()
) -> Iterator[SpcWarehouse]:
    """Fill marts.governance_metrics with ``(metric_id, org_code, period, numerator, denominator)``
    rows (value = numerator / denominator), seed, drop the targets of ``without_target`` (a metric
    the network set no target for), build the SPC models with their dbt tests, and yield the warehouse to
    query. Every dbt test must pass. Rows are bulk-loaded (Arrow into DuckDB, COPY into Postgres)."""
    rows = [(m, o, p, n, d, n / d) for m, o, p, n, d in metrics]
    if engine == "duckdb":
        path = work / "spc.duckdb"
        with duckdb.connect(str(path)) as con:
            con.execute("CREATE SCHEMA marts")
            con.execute(DDL)
            arrow_rows = pa.table({c: [r[i] for r in rows] for i, c in enumerate(COLUMNS)})  # noqa: F841 (read by name)
            con.execute("INSERT INTO marts.governance_metrics SELECT * FROM arrow_rows")
        url = f"duckdb:///{path}"
    else:
        name = f"spasticity_spc_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        conninfo = f"host=127.0.0.1 port=5432 user=postgres dbname={name}"
        with psycopg.connect(conninfo, autocommit=True) as con:
            con.execute("CREATE SCHEMA marts")
            con.execute(DDL)
            with con.cursor().copy(f"COPY marts.governance_metrics ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
    env = dbt_env(make_settings(work / "home", url))
    try:
        seeded = run_dbt(["seed", "--select", "metrics", "metric_targets"], env, work)
        assert not failures(seeded), failures(seeded)
        if without_target:
            ids = ", ".join(f"'{m}'" for m in without_target)
            _execute(engine, url, f"DELETE FROM core.metric_targets WHERE metric_id IN ({ids})")
        start = time.perf_counter()
        built = run_dbt(["build", "--select", *SPC_MODELS, "--indirect-selection", "cautious"], env, work)
        seconds = time.perf_counter() - start
        nodes = {r.node.name: r.execution_time for r in built.result}
        assert not failures(built), failures(built)
        assert {r.node.name for r in built.result if str(r.node.resource_type) == "model"} == set(SPC_MODELS)
        if engine == "duckdb":
            with duckdb.connect(str(path), read_only=True) as ro:

                def rows_of(sql: str) -> list[dict[str, Any]]:
                    cur = ro.execute(sql)
                    names = [d[0] for d in cur.description]
                    return [dict(zip(names, map(_plain, r))) for r in cur.fetchall()]

                yield SpcWarehouse(engine, rows_of, seconds, nodes)
        else:
            with psycopg.connect(conninfo, autocommit=True, row_factory=dict_row) as con:
                yield SpcWarehouse(
                    engine,
                    lambda sql: [{k: _plain(v) for k, v in r.items()} for r in con.execute(sql).fetchall()],
                    seconds,
                    nodes,
                )
    finally:
        if engine != "duckdb":
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _execute(engine: str, url: str, sql: str) -> None:
    if engine == "duckdb":
        with duckdb.connect(url.removeprefix("duckdb:///")) as con:
            con.execute(sql)
    else:
        dbname = url.rsplit("/", 1)[1]
        with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={dbname}", autocommit=True) as con:
            con.execute(sql)
