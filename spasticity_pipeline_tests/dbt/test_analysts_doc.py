"""Every example query of docs/analysts.md runs on DuckDB and on Postgres and finds rows in the
fixture network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
QUERIES = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_doc_has_queries():
    assert len(QUERIES) >= 10


@pytest.mark.parametrize("sql", QUERIES, ids=[f"q{i + 1}" for i in range(len(QUERIES))])
def test_example_query_runs(wh, sql):
    assert wh.rows(sql)


def test_doc_names_every_metric_and_target_variable():
    text = DOC.read_text(encoding="utf-8")
    from spasticity_pipeline.contract.metrics import METRICS

    for m in METRICS:
        assert f"| {m.id} | {m.name}" in text, m.id
    for var in (
        "SPASTICITY_DBT_TARGET",
        "SPASTICITY_DUCKDB_PATH",
        "SPASTICITY_PG_HOST",
        "SPASTICITY_PG_PORT",
        "SPASTICITY_PG_USER",
        "SPASTICITY_PG_PASSWORD",
        "SPASTICITY_PG_DBNAME",
    ):
        assert var in text and var in (DOC.parents[1] / "dbt_models" / "profiles.yml").read_text(), var
