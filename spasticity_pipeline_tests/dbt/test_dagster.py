"""The dbt project as Dagster assets: groups, the ingest asset upstream of every source, dbt tests
as asset checks, the environment from the warehouse URL, the manifest on a fresh clone, and one
real materialisation of the asset on a DuckDB warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtProject

from spasticity_pipeline.defs.resources import SpasticityResource
from spasticity_pipeline.defs.warehouse import defs
from spasticity_pipeline.defs.warehouse.dbt import (
    LOADED,
    PROJECT_DIR,
    dbt_env,
    dbt_resource,
    ensure_manifest,
    environment,
    manifest_is_stale,
    warehouse_models,
)
from spasticity_pipeline.settings import Settings

from . import fixtures


def _settings(url: str, home: Path = Path("/tmp")) -> Settings:
    return Settings(home=home, warehouse_url=url, postcode_lookup=home / "lookup.csv", pseudonym_key="k")


def test_groups_keys_and_the_ingest_asset_upstream():
    specs = {s.key: s for s in warehouse_models.specs}
    groups = {k.path[0]: s.group_name for k, s in specs.items()}
    assert groups == {"staging": "warehouse", "core": "warehouse", "marts": "metrics", "dbt_state": "warehouse"}
    # the reporting and quality domains depend on these keys
    for name in ("governance_metrics", "population_profile", "goal_attainment", "data_quality"):
        assert dg.AssetKey(["marts", name]) in specs
    external = {d.asset_key for s in specs.values() for d in s.deps} - set(specs)
    assert external == {LOADED}
    # every staging view reads the loader's tables, i.e. depends on loaded_submissions
    for key, spec in specs.items():
        if key.path[0] == "staging":
            assert LOADED in {d.asset_key for d in spec.deps}, key


def test_dbt_tests_are_asset_checks():
    checks = {(c.asset_key, c.name) for c in warehouse_models.check_specs}
    assert len(checks) > 150
    names = {n for k, n in checks if k == dg.AssetKey(["marts", "governance_metrics"])}
    assert "governance_region_is_sum_of_trusts" in names
    assert any(n.startswith("unique_key_governance_metrics") for n in names)
    assert any(k == dg.AssetKey(["core", "fct_referral"]) and n.startswith("relationships_") for k, n in checks)


def test_definitions_load_with_the_dbt_resource():
    """The domain brings the dbt resource; the shared ``spasticity`` one comes from definitions.py."""
    assert "dbt" in defs.resources
    spasticity = SpasticityResource(home="/tmp", warehouse_url="duckdb:///tmp/w.duckdb", postcode_lookup="/tmp/l")
    merged = dg.Definitions.merge(defs, dg.Definitions(resources={"spasticity": spasticity}))
    assert dg.AssetKey(["marts", "governance_metrics"]) in set(merged.resolve_all_asset_keys())
    merged.resolve_implicit_global_asset_job_def()  # resources satisfied


def test_dbt_env_from_the_warehouse_url(tmp_path):
    assert dbt_env(_settings(f"duckdb:///{tmp_path}/w.duckdb")) == {
        "SPASTICITY_DBT_TARGET": "duckdb",
        "SPASTICITY_DUCKDB_PATH": f"{tmp_path}/w.duckdb",
    }
    assert dbt_env(_settings("postgresql+psycopg://analyst:s%40cret@db.example:5433/network")) == {
        "SPASTICITY_DBT_TARGET": "postgres",
        "SPASTICITY_PG_HOST": "db.example",
        "SPASTICITY_PG_PORT": "5433",
        "SPASTICITY_PG_USER": "analyst",
        "SPASTICITY_PG_PASSWORD": "s@cret",
        "SPASTICITY_PG_DBNAME": "network",
    }
    assert dbt_env(_settings("postgresql+psycopg://postgres@127.0.0.1/spasticity"))["SPASTICITY_PG_PASSWORD"] == ""
    with pytest.raises(ValueError, match="DuckDB or Postgres"):
        dbt_env(_settings("mysql://u@h/db"))


def test_environment_is_restored():
    os.environ.pop("SPASTICITY_PG_HOST", None)
    with environment({"SPASTICITY_PG_HOST": "x"}):
        assert os.environ["SPASTICITY_PG_HOST"] == "x"
    assert "SPASTICITY_PG_HOST" not in os.environ


def test_manifest_is_parsed_on_a_fresh_clone_and_under_dagster_dev(tmp_path, monkeypatch):
    """No manifest (target/ is not versioned) and ``dagster dev`` started without the venv on PATH
    or the profile's variables: ensure_manifest parses in-process, without a warehouse."""
    monkeypatch.setenv("DAGSTER_IS_DEV_CLI", "1")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.delenv("SPASTICITY_DUCKDB_PATH", raising=False)
    monkeypatch.delenv("SPASTICITY_DBT_TARGET", raising=False)
    project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target_path=tmp_path / "target")
    assert manifest_is_stale(project)
    path = ensure_manifest(project)
    assert path.exists() and path.parent == tmp_path / "target"
    assert not manifest_is_stale(project)
    assert "SPASTICITY_DUCKDB_PATH" not in os.environ  # the profile's variables were restored


def test_materialising_the_dbt_assets_builds_the_warehouse(tmp_path):
    """The Dagster asset end to end — dbt build through DbtCliResource against the warehouse of the
    ``spasticity`` resource, dbt tests as asset checks — on a selection (the full build is tested
    through dbtRunner on both engines)."""
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    fixtures.create_sources(
        con.execute,
        lambda t, cols, rows: con.executemany(
            f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows
        ),
        "duckdb",
    )
    con.close()
    spasticity = SpasticityResource(
        home=str(tmp_path), warehouse_url=f"duckdb:///{path}", postcode_lookup=str(tmp_path / "lookup.csv")
    )
    selection = [
        dg.AssetKey(["staging", "stg_submissions"]),
        dg.AssetKey(["dbt_state", "submission_snapshot"]),
        dg.AssetKey(["core", "current_submissions"]),
        dg.AssetKey(["core", "organisations"]),
        dg.AssetKey(["core", "dim_organisation"]),
    ]
    result = dg.materialize(
        [warehouse_models],
        selection=selection,
        instance=dg.DagsterInstance.ephemeral(),
        resources={"dbt": dbt_resource(), "spasticity": spasticity},
    )
    assert result.success
    assert {e.asset_key for e in result.get_asset_materialization_events()} == set(selection)
    checks = result.get_asset_check_evaluations()
    assert {c.asset_key for c in checks} == set(selection)
    assert all(c.passed for c in checks), [c.check_name for c in checks if not c.passed]
    with duckdb.connect(str(path), read_only=True) as ro:
        assert ro.sql("SELECT count(*) FROM core.current_submissions").fetchall() == [(5,)]
