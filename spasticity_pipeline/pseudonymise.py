"""Pseudonymisation (spec §4): what of a validated submission may reach the warehouse.

NHS numbers become keyed HMAC-SHA256 tokens, so one person has one token at every trust;
birth dates become year-month and age at referral; postcodes become outward code, LSOA and
IMD decile. The identifiers themselves are dropped here and nowhere later.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from .contract.fields import FILES, IDENTIFIER_FIELDS
from .validate.result import ValidationResult
from .validate.sql import measure_numeric

Tokeniser = Callable[[pa.Array], pa.Array]


def make_tokeniser(key: bytes) -> Tokeniser:
    """A tokeniser that hashes each distinct value once (≈ 50k per 1M rows) and joins back.

    HMAC-SHA256 keyed once and copied per value (``hmac`` keeps the keyed state, so a copy skips
    re-hashing the key pads)."""
    if not key:
        raise ValueError("the pseudonym key is empty")
    keyed = hmac.new(key, digestmod=hashlib.sha256)

    def token(value: str) -> str:
        h = keyed.copy()
        h.update(value.encode("utf-8"))
        return h.hexdigest()

    def tokenise(values: pa.Array) -> pa.Array:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        distinct = pc.unique(values).drop_null()
        tokens = pa.array([token(v) for v in distinct.to_pylist()], pa.string())
        return pc.take(tokens, pc.index_in(values, distinct))

    return tokenise


#: columns each staging table gains over its regional-v1 fields (spec §4; docs/architecture.md)
DERIVED = {
    "patients": (
        ("patient_token", "VARCHAR"),
        ("birth_year_month", "VARCHAR"),
        ("postcode_outward", "VARCHAR"),
        ("lsoa_code", "VARCHAR"),
        ("imd_decile", "INTEGER"),
    ),
    "referrals": (("patient_token", "VARCHAR"), ("age_at_referral", "INTEGER")),
    "contacts": (("patient_token", "VARCHAR"),),
    "outcome_measures": (("value_numeric", "DOUBLE"),),
}


def _selects() -> dict[str, str]:
    """One SELECT per table over the validator's loaded rows (registered as ``ld_<table>``)."""
    out = {}
    for spec in FILES:
        keep = [f'"{f.name}"' for f in spec.fields if f.name not in IDENTIFIER_FIELDS]
        t = spec.table
        if t == "patients":
            derived = (
                "p.patient_token, strftime(p.birth_date, '%Y-%m') AS birth_year_month, "
                "split_part(p.postcode, ' ', 1) AS postcode_outward, l.lsoa_code, l.imd_decile"
            )
            out[t] = (
                f"SELECT {', '.join('p.' + c for c in keep)}, {derived}, p.row_number "
                "FROM ld_patients p LEFT JOIN __lookup l ON l.postcode = p.postcode"
            )
        elif t == "referrals":
            age = (
                "year(r.referral_received_date) - year(p.birth_date) - CASE WHEN "
                "month(r.referral_received_date) * 100 + day(r.referral_received_date) < "
                "month(p.birth_date) * 100 + day(p.birth_date) THEN 1 ELSE 0 END"
            )
            cols = ", ".join("r." + c for c in keep)
            out[t] = (
                f"SELECT {cols}, r.patient_token, CAST({age} AS INTEGER) AS age_at_referral, r.row_number "
                "FROM ld_referrals r LEFT JOIN (SELECT DISTINCT ON (local_patient_id) local_patient_id, "
                "birth_date FROM ld_patients) p USING (local_patient_id)"
            )
        elif t == "contacts":
            out[t] = f"SELECT {', '.join(keep)}, patient_token, row_number FROM ld_contacts"
        elif t == "outcome_measures":
            out[t] = (
                f"SELECT {', '.join(keep)}, {measure_numeric('instrument', 'value')} AS value_numeric, "
                "row_number FROM ld_outcome_measures"
            )
        else:
            out[t] = f"SELECT {', '.join(keep)}, row_number FROM ld_{t}"
    return out


_SELECTS = _selects()


def to_staging(result: ValidationResult, postcode_lookup: pa.Table) -> dict[str, pa.Table]:
    """The loaded rows of an accepted submission as staging tables, identifiers removed."""
    if result.rejected:
        raise ValueError("a rejected submission has nothing to stage")
    con = duckdb.connect(config={"preserve_insertion_order": False})
    try:
        con.register("__lookup", postcode_lookup)
        for spec in FILES:
            con.register(f"ld_{spec.table}", result.files[spec.name].loaded)
        return {t: con.sql(q).to_arrow_table() for t, q in _SELECTS.items()}
    finally:
        con.close()
