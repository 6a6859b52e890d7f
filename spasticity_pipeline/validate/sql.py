"""SQL fragments for typing and checking text values in DuckDB.

Each fragment guards DuckDB's lenient casts with a regex first: ``try_strptime`` accepts
``2026-2-5`` and ``TRY_CAST(… AS DOUBLE)`` accepts ``1e3`` or ``inf`` (DESIGN.md).
"""

from __future__ import annotations

from ..contract import codes

DATE_RE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
INT_RE = "[+-]?[0-9]+"
DECIMAL_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
POSTCODE_RE = "[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}"
#: a bad code value is echoed in a finding only when it cannot be an identifier
SAFE_VALUE_RE = "[A-Za-z_ +/.-]{1,30}|[0-9]{1,2}"


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def in_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def parse_date(col: str) -> str:
    return f"CASE WHEN regexp_full_match({col}, '{DATE_RE}') THEN try_strptime({col}, '%Y-%m-%d')::DATE END"


def is_int(col: str) -> str:
    return f"regexp_full_match({col}, '{INT_RE}')"


def is_decimal(col: str) -> str:
    return f"regexp_full_match({col}, '{DECIMAL_RE}')"


def normalise_postcode(col: str) -> str:
    """Remove all whitespace, upper-case, one space before the last three characters."""
    squashed = f"upper(regexp_replace({col}, '\\s', '', 'g'))"
    return (
        f"CASE WHEN length({squashed}) > 3 THEN left({squashed}, length({squashed}) - 3) "
        f"|| ' ' || right({squashed}, 3) ELSE {squashed} END"
    )


def normalise_nhs(col: str) -> str:
    """Only spaces may be removed from an NHS number (spec §10)."""
    return f"replace({col}, ' ', '')"


def nhs_valid(col: str) -> str:
    """Modulus 11: weights 10..2 on the first nine digits; 11 → 0; 10 → invalid."""
    n = normalise_nhs(col)
    digit = "(ord(substr({n}, {i}, 1)) - 48)"
    weighted = " + ".join(f"{11 - i} * {digit.format(n=n, i=i)}" for i in range(1, 10))
    check = f"(11 - (({weighted}) % 11))"
    return (
        f"(CASE WHEN regexp_full_match({n}, '[0-9]{{10}}') THEN "
        f"(CASE WHEN {check} = 11 THEN 0 WHEN {check} = 10 THEN -1 ELSE {check} END) "
        f"= {digit.format(n=n, i=10)} ELSE FALSE END)"
    )


def measure_is_integer_instrument(instrument_col: str) -> str:
    return f"{instrument_col} IN {in_list(tuple(codes.INSTRUMENT_RANGES))}"


def measure_out_of_range(instrument_col: str, value_col: str) -> str:
    """R10 for instrument values: an integer outside its range, or a MAS value outside its list."""
    ranges = " ".join(
        f"WHEN {lit(name)} THEN TRY_CAST({value_col} AS DOUBLE) NOT BETWEEN {lo} AND {hi}"
        for name, (lo, hi) in codes.INSTRUMENT_RANGES.items()
    )
    return (
        f"(CASE {instrument_col} WHEN 'MAS' THEN {value_col} NOT IN {in_list(codes.MAS_VALUES)} "
        f"{ranges} ELSE FALSE END)"
    )


def measure_numeric(instrument_col: str, value_col: str) -> str:
    mas = " ".join(f"WHEN {lit(k)} THEN {v}" for k, v in codes.MAS_ORDINAL.items())
    return (
        f"CASE WHEN {instrument_col} = 'MAS' THEN (CASE {value_col} {mas} END) ELSE TRY_CAST({value_col} AS DOUBLE) END"
    )
