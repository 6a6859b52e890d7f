"""The naive baseline the benchmark compares with: the usual pandas + pandera + ``to_sql`` stack.

It does the same work as the pipeline — read every file, check each row against the regional-v1
rules, drop what fails, hash NHS numbers, load what passes — the way it is usually first written:
pandas' default CSV parser, pandera schemas validated lazily (element-wise checks for the NHS
number and dates), ``DataFrame.to_sql`` into the warehouse. Used only by the benchmark.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from spasticity_pipeline.contract.fields import FILES, Field, FileSpec


def _nhs_ok(value: str) -> bool:
    digits = value.replace(" ", "")
    if len(digits) != 10 or not digits.isdigit():
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _date_ok(value: str) -> bool:
    try:
        pd.Timestamp.strptime(value, "%Y-%m-%d")
        return True
    except ValueError:
        return False


def _column(f: Field) -> pa.Column:
    checks: list[pa.Check] = []
    if f.codes:
        checks.append(pa.Check.isin(list(f.codes)))
    if f.max_len:
        checks.append(pa.Check.str_length(max_value=f.max_len))
    if f.kind == "nhs_number":
        checks.append(pa.Check(_nhs_ok, element_wise=True))
    if f.kind == "date":
        checks.append(pa.Check(_date_ok, element_wise=True))
    if f.kind in ("int", "decimal"):
        checks.append(pa.Check(lambda v: pd.to_numeric(v, errors="coerce").notna()))
    return pa.Column(str, checks=checks, nullable=not f.required, required=True)


def schema(spec: FileSpec) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {f.name: _column(f) for f in spec.fields}, unique=[spec.primary_key], report_duplicates="all"
    )


def ingest(folder: Path, engine, key: bytes = b"bench") -> dict[str, int]:
    """Validate and load one submission the naive way; returns rows loaded per file."""
    loaded: dict[str, int] = {}
    for spec in FILES:
        df = pd.read_csv(folder / spec.name, dtype=str, keep_default_na=False).replace("", None)
        try:
            schema(spec).validate(df, lazy=True)
            bad = set()
        except SchemaErrors as exc:
            bad = set(exc.failure_cases["index"].dropna().astype(int))
        good = df.drop(index=list(bad))
        if spec.name == "patients.csv":
            good = good.assign(
                patient_token=[
                    hmac.new(key, n.replace(" ", "").encode(), hashlib.sha256).hexdigest() for n in good["nhs_number"]
                ]
            ).drop(columns=["nhs_number", "postcode", "birth_date"])
        good.to_sql(f"naive_{spec.table}", engine, if_exists="append", index=False, chunksize=10_000)
        loaded[spec.name] = len(good)
    return loaded
