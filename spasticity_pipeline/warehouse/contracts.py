"""Pandera schemas of the raw tables: the typed contract at the loader's boundary.

The row rules have already run; these schemas guard what the loader writes against a bug
upstream (an identifier column slipping through, a required field null, a code outside its
list, a token that is not a token). A failure blocks the load.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pyarrow

from ..contract.fields import FILES, FileSpec
from .schema import raw_columns

_TOKEN = r"^[0-9a-f]{64}$"


def _column(spec: FileSpec, name: str) -> pa.Column:
    if name in spec.columns:
        f = spec.field(name)
        checks = [pa.Check.isin(list(f.codes))] if f.codes else []
        if f.low is not None and f.high is not None and f.kind in ("int", "decimal"):
            checks.append(pa.Check.in_range(f.low, f.high, include_min=not f.low_exclusive))
        return pa.Column(checks=checks, nullable=not f.required, unique=name == spec.primary_key)
    if name == "patient_token":
        return pa.Column(checks=[pa.Check.str_matches(_TOKEN)], nullable=spec.table != "patients")
    if name == "imd_decile":
        return pa.Column(checks=[pa.Check.in_range(1, 10)], nullable=True)
    return pa.Column(nullable=True)


def staging_schema(spec: FileSpec) -> pa.DataFrameSchema:
    cols = [c for c, _ in raw_columns(spec) if c not in ("submission_id", "trust_ods_code", "period")]
    return pa.DataFrameSchema({c: _column(spec, c) for c in cols}, strict=True, name=f"raw.{spec.table}")


SCHEMAS = {spec.table: staging_schema(spec) for spec in FILES}


def check_staging(tables: dict[str, pyarrow.Table]) -> dict[str, str]:
    """Failures per table (empty when all pass); messages name columns and checks, not values."""
    failures = {}
    for table, schema in SCHEMAS.items():
        df = tables[table].to_pandas(types_mapper=pd.ArrowDtype)
        try:
            schema.validate(df, lazy=True)
        except pa.errors.SchemaErrors as exc:
            cases = exc.failure_cases
            # an unexpected column is named by its header (never a value): it may be an identifier
            unexpected = cases["check"].astype(str) == "column_in_schema"
            labels = ("unexpected column " + cases["failure_case"].astype(str)).where(
                unexpected, cases["column"].astype(str) + ": " + cases["check"].astype(str)
            )
            failures[table] = "; ".join(sorted(set(labels)))
    return failures
