"""The dbt project (``dbt_models/``) as Dagster assets, through dagster-dbt.

* staging and core models are in group ``warehouse``, marts in ``metrics``;
* every dbt source (the loader's ``raw.*`` and ``audit.*`` tables) is the one upstream asset
  ``loaded_submissions`` — the partitioned ingest asset — so the graph reads
  landing → ingest → staging → core → marts → reports;
* dbt tests are asset checks (dagster-dbt's default, ``enable_asset_checks``);
* the dbt target and its connection come from the warehouse URL (``SPASTICITY_WAREHOUSE_URL``
  through ``Settings``): ``dbt_env`` turns it into the variables ``dbt_models/profiles.yml`` reads.

The manifest is prepared on import (``ensure_manifest``): ``dbt parse`` (files only, no warehouse
connection) runs under ``dagster dev``, and otherwise when the manifest is missing — a fresh clone —
or older than any file of the project.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import using_dagster_dev
from sqlalchemy.engine import make_url

from ...settings import Settings, get_settings
from ...warehouse import open_warehouse
from ..resources import SpasticityResource

PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_models"
LOADED = dg.AssetKey("loaded_submissions")
#: dbt source names whose tables the ingest asset writes
LOADER_SOURCES = ("raw", "audit")
#: the profile's environment (dbt_models/profiles.yml)
TARGET_VAR = "SPASTICITY_DBT_TARGET"

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target=get_settings().dbt_target)


def dbt_env(settings: Settings) -> dict[str, str]:
    """The variables of ``dbt_models/profiles.yml`` for the warehouse of ``settings``.

    ``duckdb:///path`` → target ``duckdb`` with ``SPASTICITY_DUCKDB_PATH``;
    ``postgresql+psycopg://user:password@host:port/db`` → target ``postgres`` with
    ``SPASTICITY_PG_HOST``/``_PORT``/``_USER``/``_PASSWORD``/``_DBNAME``.
    """
    if settings.is_duckdb:
        return {TARGET_VAR: "duckdb", "SPASTICITY_DUCKDB_PATH": str(settings.duckdb_path)}
    url = make_url(settings.warehouse_url)
    if not url.drivername.startswith("postgresql"):
        raise ValueError(f"the dbt project runs on DuckDB or Postgres, not {url.drivername}")
    return {
        TARGET_VAR: "postgres",
        "SPASTICITY_PG_HOST": url.host or "localhost",
        "SPASTICITY_PG_PORT": str(url.port or 5432),
        "SPASTICITY_PG_USER": url.username or "postgres",
        "SPASTICITY_PG_PASSWORD": url.password or "",
        "SPASTICITY_PG_DBNAME": url.database or "postgres",
    }


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set, restored afterwards (dbt reads its profile from it)."""
    saved = {k: os.environ[k] for k in values if k in os.environ}
    os.environ.update(values)
    try:
        yield
    finally:
        for k in values:
            os.environ.pop(k, None)
        os.environ.update(saved)


def _project_files(project_dir: Path) -> Iterator[Path]:
    yield project_dir / "dbt_project.yml"
    for sub in ("models", "macros", "seeds", "tests"):
        yield from (p for p in (project_dir / sub).rglob("*") if p.is_file())


def manifest_is_stale(project: DbtProject) -> bool:
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    return any(p.stat().st_mtime > built for p in _project_files(Path(project.project_dir)))


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """A current ``manifest.json`` for ``project``, parsed here (``dbt parse`` reads files only, no
    warehouse) under ``dagster dev`` — what ``project.prepare_if_dev()`` would do, but in this
    process: dagster-dbt's preparer runs the ``dbt`` found on PATH, and ``spasticity ui`` starts
    ``dagster dev`` from the venv without it — and otherwise when the manifest is missing (a fresh
    clone: target/ is not versioned) or older than any file of the project."""
    if not (using_dagster_dev() or manifest_is_stale(project)):
        return project.manifest_path
    target = Path(project.project_dir) / project.target_path
    target.mkdir(parents=True, exist_ok=True)
    # several processes may import the definitions at once (test workers, dagster's code server):
    # one parses while the others wait, and the manifest appears whole (parsed aside, then renamed)
    with open(target / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if using_dagster_dev() or manifest_is_stale(project):
            from dbt.cli.main import dbtRunner

            env = dbt_env(get_settings())  # the profile's variables (the duckdb path has no default)
            if project.target:
                env[TARGET_VAR] = project.target
            aside = Path(tempfile.mkdtemp(prefix="parse-", dir=target))
            try:
                with environment(env):
                    res = dbtRunner().invoke(
                        [
                            "parse",
                            "--quiet",
                            "--project-dir",
                            str(project.project_dir),
                            "--profiles-dir",
                            str(project.profiles_dir),
                            "--target-path",
                            str(aside),
                        ]
                    )
                if not res.success:
                    raise RuntimeError(f"dbt parse of {project.project_dir} failed: {res.exception}")
                os.replace(aside / "manifest.json", project.manifest_path)
            finally:
                shutil.rmtree(aside, ignore_errors=True)
    return project.manifest_path


def dbt_executable() -> str:
    """dbt from this environment (the venv's ``bin/dbt``, which need not be on PATH)."""
    executable = Path(sys.executable).parent / "dbt"
    return str(executable) if executable.exists() else "dbt"


def run_dbt(settings: Settings, args: list[str], target_path: Path | None = None) -> str:
    """dbt in a subprocess against ``settings``' warehouse (tools and tests; the pipeline builds
    through the Dagster asset below). A subprocess, like dagster-dbt's, so no dbt connection
    outlives the call (DuckDB allows one writer). Returns dbt's output; raises on failure."""
    extra = ["--target-path", str(target_path), "--log-path", str(target_path)] if target_path else []
    res = subprocess.run(
        [dbt_executable(), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), *extra],
        env={**os.environ, **dbt_env(settings)},
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{res.stdout[-4000:]}")
    return res.stdout


class SpasticityDbtTranslator(DagsterDbtTranslator):
    """Groups by layer; the loader's tables are the ingest asset."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source" and dbt_resource_props["source_name"] in LOADER_SOURCES:
            return LOADED
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        schema = dbt_resource_props.get("config", {}).get("schema")
        return "metrics" if schema == "marts" else "warehouse"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:data-engineering"]


translator = SpasticityDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)


def code_fingerprint(project_dir: Path = PROJECT_DIR) -> str:
    """A hash of the project's macros and dbt_project.yml: the incremental models rebuild in full when
    it changes (dbt's own checksums cover models and seeds; macros/incremental.sql)."""
    digest = hashlib.sha256()
    for path in sorted([project_dir / "dbt_project.yml", *(project_dir / "macros").rglob("*.sql")]):
        digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class NightlyBuildConfig(dg.Config):
    """``full_refresh``: rebuild core and marts from scratch (``dbt build --full-refresh``) instead of
    the incremental nightly (docs/incremental.md)."""

    full_refresh: bool = False


def dbt_build_args(full_refresh: bool) -> list[str]:
    args = ["build", "--vars", json.dumps({"code_fingerprint": code_fingerprint()})]
    return [*args, "--full-refresh"] if full_refresh else args


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool="warehouse",
    retry_policy=dg.RetryPolicy(max_retries=1, delay=10),
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, spasticity: SpasticityResource, config: NightlyBuildConfig
):
    """``dbt build``: seeds, staging views, core and marts (incremental: docs/incremental.md), and
    every dbt test as a check."""
    settings = spasticity.settings
    env = dbt_env(settings)
    if dbt_project.target and dbt_project.target != env[TARGET_VAR]:
        raise dg.Failure(f"{TARGET_VAR}={dbt_project.target} but the warehouse URL is a {env[TARGET_VAR]} one")
    with open_warehouse(settings) as wh:
        wh.ensure_schema()  # the loader's tables exist even before the first submission
    # a subset run (say, marts only, from the UI) runs only tests whose every parent is selected:
    # dbt's default "eager" would also run relationship tests into models this run does not build
    env.setdefault("DBT_INDIRECT_SELECTION", os.environ.get("DBT_INDIRECT_SELECTION", "cautious"))
    with environment(env):
        yield from dbt.cli(dbt_build_args(config.full_refresh), context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
