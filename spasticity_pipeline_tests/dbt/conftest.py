"""Build the fixture warehouse once per engine per session: hand-made source tables (fixtures.py),
then ``dbt build`` (seeds, models and every dbt test) through dbtRunner with the environment
``dbt_env`` derives from the warehouse URL, exactly as the Dagster asset does."""

from __future__ import annotations

import datetime as dt
import decimal
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import duckdb
import psycopg
import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult
from psycopg.rows import dict_row

from spasticity_pipeline.defs.warehouse.dbt import PROJECT_DIR, dbt_env
from spasticity_pipeline.settings import Settings

from . import fixtures

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@dataclass
class Warehouse:
    engine: str
    rows: Callable[[str], list[dict[str, Any]]]
    subs: list[fixtures.Submission]
    build: dbtRunnerResult
    seconds: float
    env: dict[str, str]

    def one(self, sql: str) -> dict[str, Any]:
        got = self.rows(sql)
        assert len(got) == 1, (sql, got)
        return got[0]

    def scalar(self, sql: str) -> Any:
        return next(iter(self.one(sql).values()))


def run_dbt(args: list[str], env: dict[str, str], work: Path) -> dbtRunnerResult:
    """dbt from this process, with its artefacts under ``work`` (the project's target/ is left alone)."""
    with mock.patch.dict(os.environ, env):
        try:
            return dbtRunner().invoke(
                [
                    *args,
                    "--project-dir",
                    str(PROJECT_DIR),
                    "--profiles-dir",
                    str(PROJECT_DIR),
                    "--target-path",
                    str(work / "target"),
                    "--log-path",
                    str(work / "logs"),
                    "--quiet",
                ]
            )
        finally:
            _release_duckdb()


def _release_duckdb() -> None:
    """dbt-duckdb keeps its database open in the process after a run; close it so the test (and
    the next run) can open the file (DuckDB allows one configuration per file and process)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def failures(res: dbtRunnerResult) -> list[str]:
    if res.result is None:
        return [f"dbt did not run: {res.exception}"]
    return [
        f"{r.node.unique_id}: {r.status} {r.message}" for r in res.result if str(r.status) not in ("success", "pass")
    ]


def _plain(v: Any) -> Any:
    if isinstance(v, decimal.Decimal):
        return float(v)
    return v


def _settings(home: Path, url: str) -> Settings:
    return Settings(home=home, warehouse_url=url, postcode_lookup=home / "lookup.csv", pseudonym_key="test")


@pytest.fixture(scope="session")
def duck(tmp_path_factory) -> Iterator[Warehouse]:
    home = tmp_path_factory.mktemp("duck")
    path = home / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    subs = fixtures.create_sources(
        con.execute,
        lambda t, cols, rows: con.executemany(
            f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows
        ),
        "duckdb",
    )
    con.close()
    env = dbt_env(_settings(home, f"duckdb:///{path}"))
    start = time.perf_counter()
    res = run_dbt(["build"], env, home)
    seconds = time.perf_counter() - start
    reader = duckdb.connect(str(path), read_only=True)

    def rows(sql: str) -> list[dict[str, Any]]:
        cur = reader.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, map(_plain, r))) for r in cur.fetchall()]

    yield Warehouse("duckdb", rows, subs, res, seconds, env)
    reader.close()


@pytest.fixture(scope="session")
def pg(tmp_path_factory) -> Iterator[Warehouse]:
    home = tmp_path_factory.mktemp("pg")
    name = f"spasticity_dbt_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    conn = psycopg.connect(
        f"host=127.0.0.1 port=5432 user=postgres dbname={name}", autocommit=True, row_factory=dict_row
    )
    try:
        subs = fixtures.create_sources(
            conn.execute,
            lambda t, cols, rows: conn.cursor().executemany(
                f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})", rows
            ),
            "postgres",
            findings_dataset_file=True,
        )
        env = dbt_env(_settings(home, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"))
        start = time.perf_counter()
        res = run_dbt(["build"], env, home)
        seconds = time.perf_counter() - start

        def rows(sql: str) -> list[dict[str, Any]]:
            return [{k: _plain(v) for k, v in r.items()} for r in conn.execute(sql).fetchall()]

        yield Warehouse("postgres", rows, subs, res, seconds, env)
    finally:
        conn.close()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ENGINES = [pytest.param("duck", id="duckdb"), pytest.param("pg", id="postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def wh(request) -> Warehouse:
    """The built fixture warehouse, once on DuckDB and once on Postgres."""
    return request.getfixturevalue(request.param)


def as_date(v: Any) -> dt.date:
    return v.date() if isinstance(v, dt.datetime) else v
