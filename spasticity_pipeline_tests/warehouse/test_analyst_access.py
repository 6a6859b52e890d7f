"""Analysts read core and marts; quarantine (raw identifiers) is closed to them (spec §7)."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from spasticity_pipeline.warehouse.postgres_engine import PostgresWarehouse, conninfo


@pytest.mark.postgres
def test_analyst_role_reads_marts_but_not_quarantine(pg_url):
    role = f"analyst_{uuid.uuid4().hex[:8]}"
    wh = PostgresWarehouse(pg_url)
    try:
        wh.ensure_schema()
        wh.execute("CREATE SCHEMA marts")
        wh.execute("CREATE TABLE marts.governance_metrics (metric_id VARCHAR, value DOUBLE PRECISION)")
        wh.execute("INSERT INTO marts.governance_metrics VALUES ('M01', 0.5)")
        wh.restrict_quarantine(role)
        with psycopg.connect(conninfo(pg_url), autocommit=True) as conn:
            conn.execute(f'SET ROLE "{role}"')
            assert conn.execute("SELECT value FROM marts.governance_metrics").fetchall() == [(0.5,)]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT * FROM quarantine.patients")
            conn.execute("RESET ROLE")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f'SET ROLE "{role}"')
                conn.execute("SELECT * FROM raw.patients")
    finally:
        wh.execute(f'DROP OWNED BY "{role}"')
        wh.close()
        with psycopg.connect(conninfo(pg_url), autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
