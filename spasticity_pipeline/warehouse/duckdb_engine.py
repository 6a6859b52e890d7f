"""The embedded warehouse: one DuckDB file, loaded from Arrow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .base import Warehouse


class DuckDBWarehouse(Warehouse):
    engine = "duckdb"

    def __init__(self, path: Path, read_only: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = duckdb.connect(str(path), read_only=read_only, config={"preserve_insertion_order": False})

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.con.execute(sql, list(params))

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> pa.Table:
        return self.con.sql(sql, params=list(params) or None).to_arrow_table()

    def insert_arrow(self, table_name: str, data: pa.Table) -> None:
        cols = ", ".join(f'"{c}"' for c in data.column_names)
        self.con.register("__incoming", data)
        try:
            self.con.execute(f"INSERT INTO {table_name} ({cols}) SELECT {cols} FROM __incoming")
        finally:
            self.con.unregister("__incoming")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def close(self) -> None:
        self.con.close()

    def publish_for_analysts(self, copy_to: Path, analyst_role: str) -> dict[str, str]:
        copy_to.parent.mkdir(parents=True, exist_ok=True)
        return {"path": str(self.publish_copy(copy_to))}

    def publish_copy(self, target: Path) -> Path:
        """A consistent copy for analysts to read while the pipeline keeps writing (DuckDB has
        one writer): written beside ``target`` and swapped in atomically."""
        tmp = target.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        self.con.execute("CHECKPOINT")
        self.con.execute(f"ATTACH '{tmp}' AS __published")
        try:
            self.con.execute(f'COPY FROM DATABASE "{self._db_name()}" TO __published')
        finally:
            self.con.execute("DETACH __published")
        tmp.replace(target)
        return target

    def _db_name(self) -> str:
        return self.con.sql("SELECT current_database()").fetchall()[0][0]
