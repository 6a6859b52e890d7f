"""The production warehouse: PostgreSQL, bulk-loaded with ``COPY``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy.engine import make_url

from .base import Warehouse


def conninfo(url: str) -> str:
    """A libpq connection string from a SQLAlchemy URL (``postgresql+psycopg://…``)."""
    u = make_url(url)
    parts = {
        "host": u.host or "127.0.0.1",
        "port": u.port or 5432,
        "user": u.username,
        "password": u.password,
        "dbname": u.database,
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v not in (None, ""))


class PostgresWarehouse(Warehouse):
    engine = "postgres"

    def __init__(self, url: str) -> None:
        try:
            self.conn = psycopg.connect(conninfo(url), autocommit=True)
        except psycopg.OperationalError as exc:
            u = make_url(url)
            raise ConnectionError(
                f"cannot connect to the Postgres warehouse {u.host}:{u.port or 5432}/{u.database}: "
                f"{str(exc).strip().splitlines()[-1]}"
            ) from None

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.conn.execute(self._sql(sql), params or None)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> pa.Table:
        cur = self.conn.execute(self._sql(sql), params or None)
        if cur.description is None:  # a statement that returns no rows
            return pa.table({})
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
        return (
            pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
            if rows
            else pa.table({n: pa.array([], pa.string()) for n in names})
        )

    def insert_arrow(self, table_name: str, data: pa.Table) -> None:
        buf = io.BytesIO()
        # combine first: pyarrow 26 writes NUL bytes for tables of many (partly empty) chunks
        pacsv.write_csv(data.combine_chunks(), buf, pacsv.WriteOptions(include_header=False))
        cols = ", ".join(f'"{c}"' for c in data.column_names)
        with self.conn.cursor().copy(f"COPY {table_name} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getbuffer())

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def close(self) -> None:
        self.conn.close()

    def publish_for_analysts(self, copy_to: Path, analyst_role: str) -> dict[str, str]:
        self.restrict_quarantine(analyst_role)  # analysts read Postgres itself: no copy
        return {"analyst_role": analyst_role, "reads": "core, marts"}

    def restrict_quarantine(self, analyst_role: str) -> None:
        """An analysts' role that reads ``core`` and ``marts`` and nothing else (spec §7)."""
        exists = self.scalar("SELECT count(*) FROM pg_roles WHERE rolname = ?", (analyst_role,))
        if not exists:
            self.execute(f'CREATE ROLE "{analyst_role}" NOLOGIN')
        self.execute("REVOKE ALL ON SCHEMA quarantine FROM PUBLIC")
        self.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA quarantine FROM "{analyst_role}"')
        for s in ("core", "marts"):
            self.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")
            self.execute(f'GRANT USAGE ON SCHEMA {s} TO "{analyst_role}"')
            self.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO "{analyst_role}"')
            self.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO "{analyst_role}"')
