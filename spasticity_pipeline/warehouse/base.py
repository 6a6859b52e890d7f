"""Engine-neutral warehouse operations; the engines provide connections and bulk loads."""

from __future__ import annotations

import datetime as dt
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..contract.fields import FILES
from ..contract.submission import LOADED_SQL, SubmissionRef
from ..validate.context import HISTORY_SCHEMA
from ..validate.result import ValidationResult
from . import schema

log = logging.getLogger(__name__)


def with_prefix(table: pa.Table, sub: SubmissionRef) -> pa.Table:
    n = table.num_rows
    prefix = {"submission_id": sub.submission_id, "trust_ods_code": sub.trust, "period": sub.period}
    for i, (name, value) in enumerate(prefix.items()):
        table = table.add_column(i, name, pa.array([value] * n, pa.string()) if n else pa.array([], pa.string()))
    return table


class Warehouse(ABC):
    engine: str

    # -- what each engine provides -------------------------------------------------------------
    @abstractmethod
    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None: ...

    @abstractmethod
    def query(self, sql: str, params: tuple[Any, ...] = ()) -> pa.Table: ...

    @abstractmethod
    def insert_arrow(self, table_name: str, data: pa.Table) -> None:
        """Bulk-append ``data`` (columns by name) to ``table_name``."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def publish_for_analysts(self, copy_to: Path, analyst_role: str) -> dict[str, str]:
        """Let analysts read ``core`` and ``marts`` (never ``quarantine``) without blocking the
        pipeline: DuckDB writes a read-only copy to ``copy_to``; Postgres grants ``analyst_role``.
        Returns what was done, for the run's metadata."""

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- shared behaviour ----------------------------------------------------------------------
    def ensure_schema(self) -> None:
        for stmt in schema.ddl(self.engine):
            self.execute(stmt)

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        t = self.query(sql, params)
        return t.column(0)[0].as_py() if t.num_rows else None

    def is_processed(self, submission_id: str) -> bool:
        return bool(self.scalar("SELECT count(*) FROM audit.submissions WHERE submission_id = ?", (submission_id,)))

    def submissions(self) -> pa.Table:
        return self.query("SELECT * FROM audit.submissions ORDER BY received_at, submission_id")

    def findings(self, submission_id: str) -> pa.Table:
        return self.query(
            "SELECT file, row_number, field, rule_id, severity, message FROM audit.findings "
            "WHERE submission_id = ? ORDER BY file, row_number NULLS FIRST, rule_id",
            (submission_id,),
        )

    def contact_history(self, trust: str, period: str) -> pa.Table:
        """W05's history: contacts of the trust's current submissions for other periods."""
        t = self.query(
            "SELECT c.contact_id, c.period, c.patient_token, c.contact_date, c.contact_type, c.attendance "
            "FROM raw.contacts c JOIN audit.submissions s USING (submission_id) "
            f"WHERE s.trust_ods_code = ? AND s.status IN ({LOADED_SQL}) AND NOT s.superseded AND c.period <> ? "
            "AND c.contact_type = 'injection' AND c.attendance = 'attended'",
            (trust, period),
        )
        return t.cast(HISTORY_SCHEMA) if t.num_rows else HISTORY_SCHEMA.empty_table()

    def _audit_row(self, sub: SubmissionRef, result: ValidationResult, superseded: bool) -> None:
        self.execute(
            "INSERT INTO audit.submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sub.submission_id,
                sub.trust,
                sub.period,
                result.format or "unknown",
                sub.received_at.replace(tzinfo=None),
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                result.status,
                superseded,
                result.rows_in,
                result.rows_loaded,
                result.rows_quarantined,
                result.n_warnings,
            ),
        )
        findings = result.findings
        if findings.num_rows:
            sid = pa.array([sub.submission_id] * findings.num_rows, pa.string())
            dataset = findings.column("file")
            if result.file_labels:  # a dialect's own file names → the regional-v1 file
                labels = pa.array(list(result.file_labels), pa.string())
                canonical = pc.take(
                    pa.array(list(result.file_labels.values()), pa.string()), pc.index_in(dataset, value_set=labels)
                )
                dataset = pc.coalesce(canonical, dataset)
            self.insert_arrow(
                "audit.findings", findings.add_column(0, "submission_id", sid).append_column("dataset_file", dataset)
            )
        files = pa.table(
            {
                "submission_id": [sub.submission_id] * len(result.files),
                "file": list(result.files),
                "rows_in": [f.rows_in for f in result.files.values()],
                "rows_loaded": [f.rows_loaded for f in result.files.values()],
                "rows_quarantined": [f.rows_quarantined for f in result.files.values()],
            }
        )
        if files.num_rows:
            self.insert_arrow("audit.files", files)

    def _forget(self, submission_id: str) -> None:
        """Remove every row of a submission (a forced re-run starts clean)."""
        for name, cols in schema.tables().items():
            if cols[0][0] == "submission_id":
                self.execute(f"DELETE FROM {name} WHERE submission_id = ?", (submission_id,))

    def record_rejected(self, sub: SubmissionRef, result: ValidationResult) -> None:
        """A rejected submission: its audit row and E1 findings; it supersedes nothing."""
        with self.transaction():
            self._forget(sub.submission_id)
            self._audit_row(sub, result, superseded=False)

    def load_submission(self, sub: SubmissionRef, result: ValidationResult, staging: dict[str, pa.Table]) -> bool:
        """Load an accepted submission in one transaction; returns whether it is current.

        "Latest" is by ``received_at``: an earlier-received submission processed after a later
        one is recorded as superseded at once.
        """
        with self.transaction():
            self._forget(sub.submission_id)
            later = self.scalar(
                "SELECT count(*) FROM audit.submissions WHERE trust_ods_code = ? AND period = ? "
                f"AND status IN ({LOADED_SQL}) AND received_at > ?",
                (sub.trust, sub.period, sub.received_at.replace(tzinfo=None)),
            )
            current = not later
            if current:
                self.execute(
                    "UPDATE audit.submissions SET superseded = TRUE WHERE trust_ods_code = ? AND period = ? "
                    f"AND status IN ({LOADED_SQL}) AND NOT superseded",
                    (sub.trust, sub.period),
                )
            self._audit_row(sub, result, superseded=not current)
            for spec in FILES:
                q = result.files[spec.name].quarantined
                if q is not None and q.num_rows:
                    self.insert_arrow(f"quarantine.{spec.table}", with_prefix(q, sub))
                s = staging[spec.table]
                if s.num_rows:
                    self.insert_arrow(f"raw.{spec.table}", with_prefix(s, sub))
        return current
