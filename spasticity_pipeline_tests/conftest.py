"""Fixtures shared by the whole suite: a home per test and a real Postgres database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from spasticity_pipeline.settings import Settings

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
LOOKUP_CSV = "postcode,lsoa_code,imd_decile\nTN1 2AB,E01000001,5\nBN1 1AA,E01000002,2\n"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh Postgres database for one test (the server runs in CI: this never skips)."""
    name = f"spasticity_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(home: Path, warehouse_url: str | None = None, lookup: Path | None = None) -> Settings:
    """Settings for a test home; the lookup is the two-postcode one of the rule tests."""
    home.mkdir(parents=True, exist_ok=True)
    if lookup is None:
        lookup = home / "postcode_lookup.csv"
        lookup.write_text(LOOKUP_CSV, encoding="utf-8")
    return Settings(
        home=home,
        warehouse_url=warehouse_url or f"duckdb:///{home / 'warehouse.duckdb'}",
        postcode_lookup=lookup,
        pseudonym_key="test-key",
    )


@pytest.fixture
def env_settings(tmp_path, monkeypatch) -> Settings:
    """A test home that the environment points at (for code that reads ``get_settings()``)."""
    s = make_settings(tmp_path / "home")
    monkeypatch.setenv("SPASTICITY_HOME", str(s.home))
    monkeypatch.setenv("SPASTICITY_POSTCODE_LOOKUP", str(s.postcode_lookup))
    monkeypatch.setenv("SPASTICITY_PSEUDONYM_KEY", "test-key")
    monkeypatch.delenv("SPASTICITY_WAREHOUSE_URL", raising=False)
    return s


#: test modules that run dbt, a browser or whole networks: `make test-fast` leaves them out
#: (`make test` runs everything); single slow tests elsewhere carry @pytest.mark.slow themselves
SLOW_PATHS = ("dbt/test_", "ui/", "portal/test_browser.py")
FAST_DBT_MODULES = ("dbt/test_project.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        rel = item.path.relative_to(root).as_posix()
        if rel.startswith(SLOW_PATHS) and rel not in FAST_DBT_MODULES:
            item.add_marker(pytest.mark.slow)
