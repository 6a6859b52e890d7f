"""The Dagster instance: local storage by default, dagster-postgres when configured."""

from __future__ import annotations

import dagster as dg
import pytest
import yaml

from spasticity_pipeline.dagster_home import ensure_dagster_home

from ..conftest import make_settings


@dg.op
def hello() -> int:
    return 1


@dg.job
def tiny():
    hello()


def test_default_instance_is_local_with_one_warehouse_writer(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("SPASTICITY_DAGSTER_PG_URL", raising=False)
    home = ensure_dagster_home(make_settings(tmp_path / "h"))
    conf = yaml.safe_load((home / "dagster.yaml").read_text())
    assert conf["concurrency"]["pools"]["default_limit"] == 1 and conf["run_retries"]["enabled"]
    assert "storage" not in conf
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"


@pytest.mark.postgres
def test_postgres_run_storage_when_configured(tmp_path, monkeypatch, pg_url):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("SPASTICITY_DAGSTER_PG_URL", pg_url)  # psycopg 3 URL: translated for dagster-postgres
    home = ensure_dagster_home(make_settings(tmp_path / "h"))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = tiny.execute_in_process(instance=instance)
        assert result.success
        assert [r.run_id for r in instance.get_runs()] == [result.run_id]
