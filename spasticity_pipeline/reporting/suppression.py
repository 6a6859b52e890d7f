"""Small-number suppression for anything published outside the network (spec §8).

Counts 1–7 are shown as ``*``; every other count is rounded to the nearest 5 (0 stays 0); a
percentage is suppressed when its numerator or denominator is, and is otherwise computed from
the *rounded* figures, so a published percentage never reveals an exact count.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SUPPRESSED = "*"
#: counts from 1 to this value are never published
MAX_SUPPRESSED = 7
ROUND_TO = 5
#: leading characters that make a spreadsheet read a CSV cell as a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def suppress_counts(counts: pd.Series) -> pd.Series:
    """Published text of each count: ``*`` for 1–7, else rounded to the nearest 5."""
    values = pd.to_numeric(counts, errors="raise").astype("Int64")
    rounded = ((values.astype("Float64") / ROUND_TO).round() * ROUND_TO).astype("Int64")
    hidden = values.between(1, MAX_SUPPRESSED)
    out = rounded.astype("string")
    out[hidden.fillna(False)] = SUPPRESSED
    return out


def suppress_ratio(
    numerator: pd.Series, denominator: pd.Series, decimals: int = 1
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Published numerator, denominator and percentage (from the rounded figures)."""
    num, den = suppress_counts(numerator), suppress_counts(denominator)
    hidden = (num == SUPPRESSED) | (den == SUPPRESSED)
    n = pd.to_numeric(num.where(~hidden), errors="coerce")
    d = pd.to_numeric(den.where(~hidden), errors="coerce")
    pct = (100 * n / d.where(d > 0)).round(decimals)
    text = pct.map(lambda v: "" if pd.isna(v) else f"{v:.{decimals}f}").astype("string")
    text[hidden] = SUPPRESSED
    return num, den, text


def safe_csv_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell made safe; vectorised per column."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            s = out[col].astype("string")
            risky = s.str.startswith(FORMULA_PREFIXES).fillna(False)
            out[col] = s.where(~risky, "'" + s)
    return out


def safe_text(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``safe_csv_cell`` for an Arrow text column (vectorised)."""
    risky = pc.fill_null(pc.match_substring_regex(values, "^[" + re.escape("".join(FORMULA_PREFIXES)) + "]"), False)
    return pc.if_else(risky, pc.binary_join_element_wise(pa.scalar("'"), values, ""), values)
