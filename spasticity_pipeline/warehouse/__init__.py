"""The curated warehouse's loader side: audit, quarantine and raw tables (spec §7; dbt's staging views read raw)."""

from __future__ import annotations

from ..settings import Settings
from .base import SubmissionRef, Warehouse


def open_warehouse(settings: Settings, read_only: bool = False) -> Warehouse:
    """The warehouse ``SPASTICITY_WAREHOUSE_URL`` names (embedded DuckDB by default)."""
    if settings.is_duckdb:
        from .duckdb_engine import DuckDBWarehouse

        return DuckDBWarehouse(settings.duckdb_path, read_only=read_only)
    if settings.warehouse_url.startswith("postgresql"):
        from .postgres_engine import PostgresWarehouse

        return PostgresWarehouse(settings.warehouse_url)
    raise ValueError("SPASTICITY_WAREHOUSE_URL must start with duckdb:/// or postgresql+psycopg://")


__all__ = ["open_warehouse", "Warehouse", "SubmissionRef"]
