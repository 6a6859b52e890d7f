"""The curated warehouse's loader side: audit, quarantine and raw tables (spec §7; dbt's staging views read raw)."""

from __future__ import annotations

import re

from ..settings import Settings
from .base import SubmissionRef, Warehouse


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be opened: not built yet (reading), in use by another process
    (DuckDB has one writer), or unreachable. The message says which and what to do."""


def _locked_by(message: str) -> str:
    """``(PID 1234)`` from DuckDB's lock error, when it names one."""
    match = re.search(r"PID (\d+)", message)
    return f" (process {match.group(1)})" if match else ""


def open_warehouse(settings: Settings, read_only: bool = False, published: bool = False) -> Warehouse:
    """The warehouse ``SPASTICITY_WAREHOUSE_URL`` names (embedded DuckDB by default);
    ``WarehouseUnavailable`` when it cannot be opened.

    ``published``: read the analysts' copy that the nightly swaps in (``settings.published_duckdb``)
    instead of the live DuckDB file, so a long-lived reader (the portal) never blocks the pipeline's
    one writer; on Postgres readers share the warehouse itself."""
    if settings.is_duckdb:
        import duckdb

        from .duckdb_engine import DuckDBWarehouse

        path = settings.published_duckdb if published else settings.duckdb_path
        read_only = read_only or published
        if read_only and not path.exists():
            raise WarehouseUnavailable(
                f"there is no warehouse at {path} yet: `spasticity run` (or `spasticity demo`) builds it"
            )
        try:
            return DuckDBWarehouse(path, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseUnavailable(
                    f"the warehouse {path} is in use by another process{_locked_by(str(exc))} (a running "
                    "`spasticity run`, `spasticity demo` or Dagster UI run): try again when it has finished"
                ) from None
            raise WarehouseUnavailable(f"the warehouse {path} cannot be opened: {str(exc).splitlines()[0]}") from None
    if settings.warehouse_url.startswith("postgresql"):
        from .postgres_engine import PostgresWarehouse

        try:
            return PostgresWarehouse(settings.warehouse_url)
        except ConnectionError as exc:
            raise WarehouseUnavailable(str(exc)) from None
    raise ValueError("SPASTICITY_WAREHOUSE_URL must start with duckdb:/// or postgresql+psycopg://")


def ensure_available(settings: Settings) -> None:
    """Raise ``WarehouseUnavailable`` now, rather than deep inside a run, when the warehouse is
    locked by another process or unreachable (an embedded warehouse not built yet is fine)."""
    if settings.is_duckdb and not settings.duckdb_path.exists():
        return
    open_warehouse(settings).close()


__all__ = ["open_warehouse", "ensure_available", "Warehouse", "SubmissionRef", "WarehouseUnavailable"]
