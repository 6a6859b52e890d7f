"""The dbt project (``dbt_models/``) as Dagster assets via dagster-dbt.

Staging and core models are in group ``warehouse``, marts in ``metrics``; every dbt source
(the loader's staging and audit tables) maps to the partitioned ingest asset
``loaded_submissions``, so the graph reads landing → ingest → staging → core → marts → reports.
dbt tests become asset checks.
"""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject,
                         dbt_assets)
from sqlalchemy.engine import make_url

from ...settings import Settings
from ...warehouse import open_warehouse
from ..resources import SpasticityResource

PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_models"
LOADED = dg.AssetKey("loaded_submissions")

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """``dagster dev`` re-parses on load (prepare_if_dev); a fresh clone, the CLI and the tests
    get the manifest parsed here once (dbt parse reads files only: no warehouse needed)."""
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        from dbt.cli.main import dbtRunner

        res = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(project.project_dir),
                                  "--profiles-dir", str(project.profiles_dir),
                                  "--target-path", str(project.target_path)])
        if not res.success:
            raise RuntimeError(f"dbt parse failed: {res.exception}")
    return project.manifest_path


def dbt_env(settings: Settings) -> dict[str, str]:
    """The profile's environment (dbt_models/profiles.yml) for the warehouse ``settings`` name."""
    if settings.is_duckdb:
        return {"SPASTICITY_DBT_TARGET": "duckdb", "SPASTICITY_DUCKDB_PATH": str(settings.duckdb_path)}
    u = make_url(settings.warehouse_url)
    return {"SPASTICITY_DBT_TARGET": "postgres", "SPASTICITY_PG_HOST": u.host or "127.0.0.1",
            "SPASTICITY_PG_PORT": str(u.port or 5432), "SPASTICITY_PG_USER": u.username or "postgres",
            "SPASTICITY_PG_PASSWORD": u.password or "", "SPASTICITY_PG_DBNAME": u.database or "spasticity"}


def dbt_executable() -> str:
    """dbt from this environment (the venv's ``bin/dbt``, which need not be on PATH)."""
    executable = Path(sys.executable).parent / "dbt"
    return str(executable) if executable.exists() else "dbt"


def run_dbt(settings: Settings, args: list[str], target_path: Path | None = None) -> str:
    """dbt in a subprocess against ``settings``' warehouse (tests, tools; the pipeline builds
    through the Dagster asset below). A subprocess, like dagster-dbt's, so no dbt connection
    outlives the call (DuckDB allows one writer). Returns dbt's output."""
    extra = ["--target-path", str(target_path)] if target_path else []
    res = subprocess.run([dbt_executable(), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir",
                          str(PROJECT_DIR), *extra], env={**os.environ, **dbt_env(settings)},
                         capture_output=True, text=True, check=False)
    if res.returncode:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{res.stdout[-4000:]}")
    return res.stdout


class SpasticityTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return LOADED
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        schema = dbt_resource_props.get("config", {}).get("schema")
        return "metrics" if schema == "marts" else "warehouse"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return ["team:data-engineering"]


translator = SpasticityTranslator(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))


@dbt_assets(manifest=ensure_manifest(), project=dbt_project, dagster_dbt_translator=translator, pool="warehouse",
            retry_policy=dg.RetryPolicy(max_retries=1, delay=10))
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, spasticity: SpasticityResource):
    """dbt build: staging views, core tables, marts and every dbt test."""
    settings = spasticity.settings
    with open_warehouse(settings) as wh:
        wh.ensure_schema()  # the sources exist even before the first submission
    os.environ.update(dbt_env(settings))
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
