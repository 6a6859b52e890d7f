"""The Dagster instance the CLI and ``make ui`` share: ``$SPASTICITY_HOME/dagster``.

Local storage by default; run/event storage in Postgres when ``SPASTICITY_DAGSTER_PG_URL`` is
set. One pool, ``warehouse``, limited to one run step at a time: DuckDB has a single writer.
"""

from __future__ import annotations

import os
from pathlib import Path

from .settings import Settings

BASE = """# Written by spasticity (dagster_home.py); edit the code, not this file.
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
run_retries:
  enabled: true
  max_retries: 2
"""

POSTGRES = """storage:
  postgres:
    postgres_url:
      env: SPASTICITY_DAGSTER_PG_URL
"""


def dagster_yaml(settings: Settings) -> str:
    return BASE + (POSTGRES if settings.dagster_pg_url else "")


def _psycopg2_url(settings: Settings) -> None:
    """dagster-postgres speaks psycopg2; SQLAlchemy 2.1 reads ``postgresql://`` as psycopg 3."""
    url = settings.dagster_pg_url.get_secret_value() if settings.dagster_pg_url else ""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            os.environ["SPASTICITY_DAGSTER_PG_URL"] = "postgresql+psycopg2://" + url[len(prefix) :]
            return


def ensure_dagster_home(settings: Settings) -> Path:
    """Create the instance folder and its dagster.yaml; point DAGSTER_HOME at it."""
    _psycopg2_url(settings)
    home = Path(os.environ.get("DAGSTER_HOME") or settings.dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    text = dagster_yaml(settings)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
