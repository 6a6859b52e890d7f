"""Row rules R01–R10 of one file as a single DuckDB query.

Each check is a *branch* (rule, field, condition). The branches are laid out in the spec's
rule order (R01, R02, R03, R04, R09, R10, R08, R05, R06, R07), fields in file order within a
rule, and one ``CASE`` picks each row's first failing branch: that is the row's one E2
finding. Parent facts (which keys exist, which loaded, the first usable date or contact
type per key) come from the parent's result table, so cascades follow the file order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ..contract.fields import FILES_BY_NAME, Field, FileSpec
from ..contract.rules import ROW_RULE_ORDER
from . import sql
from .sql import q
from .terms import REGIONAL_V1, Terms


@dataclass(frozen=True)
class Branch:
    rule_id: str
    field: str
    condition: str
    message: str
    #: echo the offending value in the message (codes only, and only when it is safe)
    show_value: bool = False
    #: the check reads the parent file's facts (``__par``): R06, R07 and R08 across files
    needs_parent: bool = False


def _d(name: str) -> str:
    """Column holding the parsed date of ``name``."""
    return q(f"__d_{name}")


def _num(name: str) -> str:
    return q(f"__n_{name}")


def _parent_col(name: str) -> str:
    return q(f"__p_{name}")


def _range_words(f: Field) -> str:
    if f.allowed is not None:
        return " or ".join(str(v) for v in f.allowed)
    low = f"more than {f.low:g}" if f.low_exclusive else f"{f.low:g}"
    return f"{low} to {f.high:g}" if not f.low_exclusive else f"{low} and at most {f.high:g}"


def _branches(spec: FileSpec, period_end: dt.date, terms: Terms = REGIONAL_V1) -> list[Branch]:
    """Every check of ``spec`` in rule order, then field order; messages in the trust's ``terms``."""
    by_rule: dict[str, list[Branch]] = {r: [] for r in ROW_RULE_ORDER}
    parent = spec.foreign_key.parent_file if spec.foreign_key else None

    def col(name: str) -> str:
        return terms.column(spec.name, name)

    for f in spec.fields:
        c, name = q(f.name), col(f.name)
        if f.required:
            by_rule["R01"].append(Branch("R01", f.name, f"{c} IS NULL", f"{name} is required but empty"))
        if f.name == "body_site":
            by_rule["R01"].append(
                Branch(
                    "R01",
                    f.name,
                    f"{c} IS NULL AND \"instrument\" = 'MAS'",
                    f"{name} is required when {col('instrument')} is MAS",
                )
            )
        if f.max_len:
            by_rule["R02"].append(
                Branch("R02", f.name, f"length({c}) > {f.max_len}", f"{name} is longer than {f.max_len} characters")
            )
        if f.kind == "date":
            by_rule["R02"].append(
                Branch(
                    "R02",
                    f.name,
                    f"{c} IS NOT NULL AND {_d(f.name)} IS NULL",
                    f"{name} is not a real date {terms.date_form(spec.name, f.name)}",
                )
            )
            by_rule["R09"].append(
                Branch(
                    "R09",
                    f.name,
                    f"{_d(f.name)} > DATE '{period_end}'",
                    f"{name} is after the end of the period ({period_end})",
                )
            )
            by_rule["R09"].append(
                Branch("R09", f.name, f"{_d(f.name)} < DATE '{f.date_floor}'", f"{name} is before {f.date_floor}")
            )
        elif f.kind in ("int", "decimal"):
            ok = sql.is_int(c) if f.kind == "int" else sql.is_decimal(c)
            noun = "a whole number" if f.kind == "int" else "a number"
            by_rule["R02"].append(Branch("R02", f.name, f"{c} IS NOT NULL AND NOT {ok}", f"{name} must be {noun}"))
            if f.allowed is not None:
                cond = f"{_num(f.name)} NOT IN ({', '.join(str(v) for v in f.allowed)})"
            else:
                low_op = "<=" if f.low_exclusive else "<"
                cond = f"({_num(f.name)} {low_op} {f.low} OR {_num(f.name)} > {f.high})"
            by_rule["R10"].append(Branch("R10", f.name, cond, f"{name} must be {_range_words(f)}"))
        elif f.kind == "code":
            by_rule["R03"].append(
                Branch(
                    "R03",
                    f.name,
                    f"{c} IS NOT NULL AND {c} NOT IN {sql.in_list(f.codes or ())}",
                    f"{name} {terms.code_words(spec.name, f.name)}",
                    show_value=True,
                )
            )
        elif f.kind == "postcode":
            by_rule["R03"].append(
                Branch(
                    "R03",
                    f.name,
                    f"{c} IS NOT NULL AND NOT regexp_full_match({sql.normalise_postcode(c)}, '{sql.POSTCODE_RE}')",
                    f"{'postcode' if name == f.name else name} is not a well-formed UK postcode",
                )
            )
        elif f.kind == "nhs_number":
            by_rule["R04"].append(
                Branch(
                    "R04",
                    f.name,
                    f"{c} IS NOT NULL AND NOT {sql.nhs_valid(c)}",
                    f"{'NHS number' if name == f.name else name} is not 10 digits or fails the modulus 11 check",
                )
            )
        elif f.kind == "measure_value":
            inst = q("instrument")
            by_rule["R02"].append(
                Branch(
                    "R02",
                    f.name,
                    f"{c} IS NOT NULL AND {sql.measure_is_integer_instrument(inst)} AND NOT {sql.is_int(c)}",
                    f"{name} must be a whole number for this {col('instrument')}",
                )
            )
            by_rule["R10"].append(
                Branch(
                    "R10",
                    f.name,
                    f"{c} IS NOT NULL AND {sql.measure_out_of_range(inst, c)}",
                    f"{name} is outside the allowed values for its {col('instrument')}",
                )
            )

    for order in spec.date_orders:
        other = _parent_col(order.other) if order.where == "parent" else _d(order.other)
        whose = (
            f"{terms.column(parent, order.other)} of the {terms.file(parent)} row it refers to"
            if order.where == "parent" and parent
            else col(order.other)
        )
        by_rule["R08"].append(
            Branch(
                "R08",
                order.column,
                f"{_d(order.column)} < {other}",
                f"{col(order.column)} is before {whose}",
                needs_parent=order.where == "parent",
            )
        )
    if spec.parent_must_be_injection:
        by_rule["R08"].append(
            Branch(
                "R08",
                spec.fk.column,
                f"{_parent_col('contact_type')} IS NOT NULL AND {_parent_col('contact_type')} <> 'injection'",
                f"the {terms.file(spec.fk.parent_file)} row it refers to is not an injection contact",
                needs_parent=True,
            )
        )
    for a, b in spec.pairs:
        for empty, filled in ((a, b), (b, a)):
            by_rule["R08"].append(
                Branch(
                    "R08",
                    empty,
                    f"{q(empty)} IS NULL AND {q(filled)} IS NOT NULL",
                    f"{col(a)} and {col(b)} must both be filled or both be empty",
                )
            )

    by_rule["R05"].append(
        Branch(
            "R05",
            spec.primary_key,
            "__dup.__k IS NOT NULL",
            f"{col(spec.primary_key)} appears more than once in the file",
        )
    )
    if parent:
        fk = q(spec.fk.column)
        by_rule["R06"].append(
            Branch(
                "R06",
                spec.fk.column,
                f"{fk} IS NOT NULL AND __par.__k IS NULL",
                f"{col(spec.fk.column)} matches no {terms.file(parent)} row",
                needs_parent=True,
            )
        )
        by_rule["R07"].append(
            Branch(
                "R07",
                spec.fk.column,
                "NOT __par.__any_loaded",
                f"the {terms.file(parent)} row it refers to was quarantined",
                needs_parent=True,
            )
        )
    return [b for r in ROW_RULE_ORDER for b in by_rule[r]]


def _parent_facts(spec: FileSpec) -> str | None:
    """SQL of one row per parent key: whether any copy loaded, and the first usable values."""
    if not spec.foreign_key:
        return None
    parent = FILES_BY_NAME[spec.fk.parent_file]
    pk = q(parent.primary_key)
    cols = ["bool_or(__b IS NULL) AS __any_loaded"]
    for order in spec.date_orders:
        if order.where == "parent":
            cols.append(
                f"arg_min({_d(order.other)}, __row) FILTER (WHERE {_d(order.other)} IS NOT NULL) "
                f"AS {_parent_col(order.other)}"
            )
    if spec.parent_must_be_injection:
        ok = f'"contact_type" IN {sql.in_list(parent.field("contact_type").codes or ())}'
        cols.append(f'arg_min("contact_type", __row) FILTER (WHERE {ok}) AS {_parent_col("contact_type")}')
    return f"SELECT {pk} AS __k, {', '.join(cols)} FROM {q('res_' + parent.table)} WHERE {pk} IS NOT NULL GROUP BY {pk}"


def _typed_select(spec: FileSpec) -> list[str]:
    """Expressions giving each field its warehouse type (only used on rows that load)."""
    out = []
    for f in spec.fields:
        c = q(f.name)
        if f.kind == "date":
            out.append(f"{_d(f.name)} AS {c}")
        elif f.kind == "int":
            out.append(f"CAST({_num(f.name)} AS INTEGER) AS {c}")
        elif f.kind == "decimal":
            out.append(f"{_num(f.name)} AS {c}")
        elif f.kind == "nhs_number":
            out.append(f"{sql.normalise_nhs(c)} AS {c}")
        elif f.kind == "postcode":
            out.append(f"{sql.normalise_postcode(c)} AS {c}")
        else:
            out.append(c)
    return out


def _parsed(spec: FileSpec) -> str:
    """``__src`` with each date, whole number and number parsed beside its text."""
    parsed = [f"{sql.parse_date(q(f.name))} AS {_d(f.name)}" for f in spec.fields if f.kind == "date"]
    parsed += [
        f"CASE WHEN {sql.is_int(q(f.name)) if f.kind == 'int' else sql.is_decimal(q(f.name))} "
        f"THEN TRY_CAST({q(f.name)} AS DOUBLE) END AS {_num(f.name)}"
        for f in spec.fields
        if f.kind in ("int", "decimal")
    ]
    return f"SELECT *, {', '.join(parsed) or 'NULL AS __none'} FROM __src"


def _branch_table(branches: list[Branch]) -> pa.Table:
    """Each branch's number (``__b``), rule, field and message, to join findings with."""
    return pa.table(
        {
            "__b": pa.array(range(len(branches)), pa.int64()),
            "rule_id": [b.rule_id for b in branches],
            "field": [b.field for b in branches],
            "message": [b.message for b in branches],
        }
    )


def _dup_join(spec: FileSpec) -> str:
    pk = q(spec.primary_key)
    return (
        f" LEFT JOIN (SELECT {pk} AS __k FROM __src WHERE {pk} IS NOT NULL GROUP BY {pk} "
        f"HAVING count(*) > 1) __dup ON s.{pk} = __dup.__k"
    )


def every_failure(
    con: duckdb.DuckDBPyConnection, spec: FileSpec, source: pa.Table, period_end: dt.date, terms: Terms = REGIONAL_V1
) -> pa.Table:
    """Every check each row fails, not only the first (``dialect check`` lists data faults by
    column). Checks that need the parent file (R06, R07, R08 across files) are left out: a sample
    need not hold every parent. Columns: ``row`` (1 = first row of ``source``), ``rule_id``,
    ``field``, ``message``."""
    branches = [b for b in _branches(spec, period_end, terms) if not b.needs_parent]
    empty = pa.table(
        {"row": pa.array([], pa.int64()), **{k: pa.array([], pa.string()) for k in ("rule_id", "field", "message")}}
    )
    if not branches or not source.num_rows:
        return empty
    con.register("__src", source.append_column("__row", pa.array(range(1, source.num_rows + 1), pa.int64())))
    con.register("__branches", _branch_table(branches))
    hits = ", ".join(f"CASE WHEN {b.condition} THEN {i} END" for i, b in enumerate(branches))
    try:
        return con.sql(
            f"SELECT f.__row AS row, b.rule_id, b.field, b.message FROM ("
            f"SELECT s.__row, unnest(list_filter([{hits}], lambda x: x IS NOT NULL)) AS __b "
            f"FROM ({_parsed(spec)}) s{_dup_join(spec)}) f JOIN __branches b USING (__b) ORDER BY f.__b, f.__row"
        ).to_arrow_table()
    finally:
        con.unregister("__src")
        con.unregister("__branches")


@dataclass
class FileRows:
    loaded: pa.Table
    quarantined: pa.Table
    findings: pa.Table


def check_file(
    con: duckdb.DuckDBPyConnection, spec: FileSpec, source: pa.Table, period_end: dt.date, terms: Terms = REGIONAL_V1
) -> FileRows:
    """Run R01–R10 over ``source`` (the file's regional-v1 columns as trimmed text).

    Leaves ``res_<table>`` in ``con`` (raw columns, parsed dates, ``__row``, ``__b``) for the
    file's children, and ``ld_<table>`` (typed loaded rows) for the warnings.
    """
    t = spec.table
    branches = _branches(spec, period_end, terms)
    con.register("__src", source.append_column("__row", pa.array(range(1, source.num_rows + 1), pa.int64())))
    joins = _dup_join(spec)
    facts = _parent_facts(spec)
    if facts:
        joins += f" LEFT JOIN ({facts}) __par ON s.{q(spec.fk.column)} = __par.__k"
    case = " ".join(f"WHEN {b.condition} THEN {i}" for i, b in enumerate(branches))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {q('res_' + t)} AS "
        f"SELECT s.*, CASE {case} END AS __b FROM ({_parsed(spec)}) s{joins}"
    )
    con.unregister("__src")

    con.register("__branches", _branch_table(branches))
    shown = " ".join(f"WHEN {i} THEN {q(b.field)}" for i, b in enumerate(branches) if b.show_value)
    bad_value = f"CASE r.__b {shown} END" if shown else "NULL"
    cols = ", ".join(f"r.{q(f.name)}" for f in spec.fields)
    findings = con.sql(
        f"SELECT {sql.lit(spec.name)} AS file, r.__row AS row_number, b.field, b.rule_id, 'E2' AS severity, "
        f"CASE WHEN regexp_full_match({bad_value}, '{sql.SAFE_VALUE_RE}') "
        f"THEN b.message || ' (found ''' || {bad_value} || ''')' ELSE b.message END AS message "
        f"FROM {q('res_' + t)} r JOIN __branches b USING (__b) ORDER BY r.__row"
    ).to_arrow_table()
    quarantined = con.sql(
        f"SELECT {cols}, r.__row AS row_number, b.rule_id, b.field "
        f"FROM {q('res_' + t)} r JOIN __branches b USING (__b) ORDER BY r.__row"
    ).to_arrow_table()
    con.unregister("__branches")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {q('ld_' + t)} AS SELECT {', '.join(_typed_select(spec))}, "
        f"__row AS row_number FROM {q('res_' + t)} WHERE __b IS NULL"
    )
    return FileRows(loaded=None, quarantined=quarantined, findings=findings)  # loaded fetched later
