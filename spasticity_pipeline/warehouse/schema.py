"""Warehouse tables written by the loader (docs/architecture.md, "Warehouse tables").

Derived from the contract so a field added to the spec reaches every layer from one place.
"""

from __future__ import annotations

from ..contract.fields import FILES, IDENTIFIER_FIELDS, FileSpec
from ..pseudonymise import DERIVED

SCHEMAS = ("audit", "quarantine", "raw")

#: columns every loaded row carries, in front of its own
ROW_PREFIX = (("submission_id", "VARCHAR"), ("trust_ods_code", "VARCHAR"), ("period", "VARCHAR"))

AUDIT_SUBMISSIONS = (
    ("submission_id", "VARCHAR"),
    ("trust_ods_code", "VARCHAR"),
    ("period", "VARCHAR"),
    ("format", "VARCHAR"),
    ("received_at", "TIMESTAMP"),
    ("processed_at", "TIMESTAMP"),
    ("status", "VARCHAR"),
    ("superseded", "BOOLEAN"),
    ("rows_in", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
    ("n_warnings", "BIGINT"),
)
AUDIT_FINDINGS = (
    ("submission_id", "VARCHAR"),
    ("file", "VARCHAR"),
    ("row_number", "BIGINT"),
    ("field", "VARCHAR"),
    ("rule_id", "VARCHAR"),
    ("severity", "VARCHAR"),
    ("message", "VARCHAR"),
    # the regional-v1 file the finding belongs to (``file`` is the trust's own file for a dialect)
    ("dataset_file", "VARCHAR"),
)
#: per submission and file, for the data-quality mart and the engineers' metadata
AUDIT_FILES = (
    ("submission_id", "VARCHAR"),
    ("file", "VARCHAR"),
    ("rows_in", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
)

_KIND_TYPE = {"date": "DATE", "int": "INTEGER", "decimal": "DOUBLE"}


def raw_columns(spec: FileSpec) -> tuple[tuple[str, str], ...]:
    own = tuple((f.name, _KIND_TYPE.get(f.kind, "VARCHAR")) for f in spec.fields if f.name not in IDENTIFIER_FIELDS)
    return ROW_PREFIX + own + DERIVED.get(spec.table, ()) + (("row_number", "BIGINT"),)


def quarantine_columns(spec: FileSpec) -> tuple[tuple[str, str], ...]:
    own = tuple((f.name, "VARCHAR") for f in spec.fields)
    return ROW_PREFIX + own + (("row_number", "BIGINT"), ("rule_id", "VARCHAR"), ("field", "VARCHAR"))


def tables() -> dict[str, tuple[tuple[str, str], ...]]:
    """Every loader-owned table, ``schema.name`` → columns."""
    out = {"audit.submissions": AUDIT_SUBMISSIONS, "audit.findings": AUDIT_FINDINGS, "audit.files": AUDIT_FILES}
    for spec in FILES:
        out[f"quarantine.{spec.table}"] = quarantine_columns(spec)
        out[f"raw.{spec.table}"] = raw_columns(spec)
    return out


def ddl(engine: str) -> list[str]:
    """CREATE statements for ``engine`` (``duckdb`` or ``postgres``), idempotent."""
    double = "DOUBLE PRECISION" if engine == "postgres" else "DOUBLE"
    out = [f"CREATE SCHEMA IF NOT EXISTS {s}" for s in SCHEMAS]
    for name, cols in tables().items():
        body = ", ".join(f'"{c}" {double if t == "DOUBLE" else t}' for c, t in cols)
        pk = ", PRIMARY KEY (submission_id)" if name == "audit.submissions" else ""
        out.append(f"CREATE TABLE IF NOT EXISTS {name} ({body}{pk})")
    return out
