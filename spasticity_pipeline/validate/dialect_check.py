"""``spasticity dialect check``: is a dialect's mapping complete for a real extract?

It separates what the network engineer fixes in the **dialect** (or the export's layout) from
what the trust fixes in its **data**:

* **Mapping problems** (exit 1): a missing file or sheet, an unreadable file, a mapped column the
  export does not have (every unmapped regional-v1 column is already refused when the dialect
  loads), and faults too systematic to be the data's: a required column empty in every row,
  more than half of a column's values failing the same check (a wrong date format, the wrong
  column), and a **code gap** — a value no code map covers that is common: in at least
  ``CODE_GAP_MIN_ROWS`` rows and at least ``CODE_GAP_SHARE`` of the column's values.
* **Data faults** (exit 0, listed): everything else the validator's value checks find — a few
  invalid codes, malformed or impossible dates (``31/02/2026``, ``00/07/2026``), out-of-range
  numbers, over-long text, duplicated keys — with counts and the first rows (row, column,
  Excel cell, value as sent). Mapping them away would hide them, so they are reported, not
  failed on. Checks that need a parent row (R06, R07, R08 across files) are left out: a
  sample need not hold every parent.

Values are shown as the trust sent them, except where they look like an identifier: any value
in the NHS number, postcode or date-of-birth column, and anything shaped like an NHS number
or a postcode wherever it is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..contract.fields import FILES, FILES_BY_NAME, IDENTIFIER_FIELDS
from ..contract.rules import F07_SHARE
from ..extract.dialect import Column, Dialect
from ..extract.harmonise import Harmonised, SourceMap, harmonise
from .rows import every_failure
from .terms import dialect_terms

#: a column failing one check in more than this share of its values is a mapping problem
MAPPING_SHARE = F07_SHARE
#: a value no code map covers is a mapping gap when this common (share of the column's values) …
CODE_GAP_SHARE = 0.05
#: … and seen in at least this many rows; rarer invalid codes are data faults
CODE_GAP_MIN_ROWS = 2
#: locations listed per fault
FIRST_LOCATIONS = 3
MASK = "•••"
#: a dialect check knows no period: only the contract's earliest dates (R09) are checked
_NO_PERIOD_END = dt.date(9999, 12, 31)
_NHS_LIKE = re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{4}")
_POSTCODE_LIKE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE)


def masked(value: str, target: str) -> str:
    """``value`` as sent, or ``MASK`` when it may be an identifier."""
    if target in IDENTIFIER_FIELDS or _NHS_LIKE.search(value) or _POSTCODE_LIKE.search(value):
        return MASK
    return value


def shown(value: str | None, target: str) -> str:
    """A value for the report: quoted as sent, ``•••`` for what may be an identifier."""
    if value is None:
        return "(empty)"
    value = masked(value, target)
    return value if value == MASK else repr(value)


@dataclass
class Location:
    row: int  # source data row (1 = first under the header)
    column: str  # the trust's heading(s)
    cell: str  # where Excel shows it
    value: str  # as sent, or masked

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}, cell {self.cell}, value {self.value}"


@dataclass
class Fault:
    """A check that rows of one column fail: a data fault, or (``mapping``) a mapping problem."""

    rule: str
    table: str  # regional-v1 file
    source: str  # the trust's file or file[sheet]
    column: str  # the trust's heading
    message: str
    count: int
    first: list[Location]
    #: when the fault is one value (a code gap): that value, as shown
    value: str | None = None

    def __str__(self) -> str:
        value = f" {shown(self.value, '')}" if self.value is not None else ""
        return f"{self.rule} {self.source} {self.column}{value}: {self.count} row(s): {self.message}"


@dataclass
class ColumnReport:
    target: str
    mapping: str
    #: invalid code values (as sent, or ``MASK``) → rows
    unmapped_codes: dict[str, int] = field(default_factory=dict)
    #: dates not in the declared form, or not real dates
    unparsed_dates: int = 0


@dataclass
class TableReport:
    name: str
    source: str
    rows: int
    columns: list[ColumnReport]
    preview: list[dict[str, str | None]]


@dataclass
class DialectReport:
    dialect: str
    #: mapping problems as sentences (``F06 clients.csv: …``, ``mapping SPAS_…: …``)
    problems: list[str]
    tables: list[TableReport]
    extra_columns: dict[str, list[str]]
    faults: list[Fault] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The mapping is complete (data faults may remain: they are the trust's to fix)."""
        return not self.problems


def describe(col: Column) -> str:
    """A mapping in words: ``GENDER → codes(M→1, F→2, …)``."""
    if col.constant is not None:
        origin = f"constant {col.constant!r}"
    elif col.join:
        origin = f" {col.sep!r} + ".join(col.join).join(("join(", ")"))
    else:
        origin = col.source or ""
        if col.part is not None:
            origin += f" split on {col.sep!r}, part {col.part}"
    steps = [origin]
    if col.case:
        steps.append(col.case)
    if col.codes:
        listed = ", ".join(f"{k}→{v}" for k, v in list(col.codes.items())[:4])
        steps.append(f"codes({listed}{', …' if len(col.codes) > 4 else ''})")
    if col.date:
        steps.append(f"date {col.date}")
    return " → ".join(steps)


class _Sources:
    """Source values, rows and cells of the harmonised rows of one regional-v1 file."""

    def __init__(self, name: str, dialect: Dialect, harmonised: Harmonised) -> None:
        self.map: SourceMap = harmonised.sources[name]
        self.table = dialect.tables[name]
        self.data = harmonised.source_tables[self.map.label].table

    def location(self, row: int, target: str) -> Location:
        """``row`` is the harmonised row (1-based)."""
        src_row = int(self.map.rows[row - 1].as_py())
        col = self.table.column(target)
        heading = self.map.columns.get(target, target)
        letters = self.map.letters.get(target, "")
        cell = "+".join(f"{x}{src_row + 1}" for x in letters.split("+")) if letters else "-"
        if col.constant is not None:
            value: str | None = col.constant
        else:
            parts = [self.data.column(c)[src_row - 1].as_py() for c in col.source_columns]
            value = None if all(p is None for p in parts) else col.sep.join(p or "" for p in parts)
        return Location(src_row, heading, cell, shown(value, target))


def _non_empty(data: pa.Table, target: str) -> int:
    return data.num_rows - data.column(target).null_count


def _faults(
    name: str, failures: pa.Table, data: pa.Table, sources: _Sources
) -> tuple[list[Fault], list[Fault], dict[str, dict[str, int]], dict[str, int]]:
    """Group one file's failures by column and rule; split mapping problems from data faults.
    Also returns, per column, invalid codes (value → rows) and unreadable dates."""
    spec = FILES_BY_NAME[name]
    problems: list[Fault] = []
    faults: list[Fault] = []
    codes: dict[str, dict[str, int]] = {}
    dates: dict[str, int] = {}
    if not failures.num_rows:
        return problems, faults, codes, dates
    grouped = failures.group_by(["field", "rule_id", "message"], use_threads=False).aggregate(
        [("row", "count"), ("row", "list")]
    )
    for g in grouped.to_pylist():
        target, rule, message, rows = g["field"], g["rule_id"], g["message"], g["row_list"]
        f = spec.field(target)
        base = Fault(rule, name, sources.map.label, sources.map.columns.get(target, target), message, 0, [])
        if rule == "R02" and f.kind == "date":
            dates[target] = dates.get(target, 0) + len(rows)
        if rule == "R03" and f.kind == "code":
            by_value = _by_value(rows, target, data)
            codes[target] = {v: len(r) for v, r in by_value.items()}
            common = _common(by_value, _non_empty(data, target))
            for value, value_rows in by_value.items():
                fault = Fault(**{**base.__dict__, "count": len(value_rows), "value": value})
                fault.first = [sources.location(r, target) for r in value_rows[:FIRST_LOCATIONS]]
                fault.message = (
                    f"{len(value_rows)} of the column's {_non_empty(data, target)} values: a value the export uses "
                    "that no code map covers; add it to the dialect's codes for this column (or fix the export)"
                    if value in common
                    else message
                )
                (problems if value in common else faults).append(fault)
            continue
        base.count = len(rows)
        base.first = [sources.location(r, target) for r in rows[:FIRST_LOCATIONS]]
        denominator = data.num_rows if rule in ("R01", "R05") else _non_empty(data, target)
        if rule == "R01" and f.required and len(rows) == data.num_rows:
            base.message = "a required column empty in every row: is the dialect reading the right column?"
            problems.append(base)
        elif rule in ("R02", "R03", "R04", "R05", "R10") and len(rows) > MAPPING_SHARE * denominator:
            base.message = (
                f"{message}, in more than half of the {denominator} rows: a mapping fault (the column, its date "
                "format, its codes, or a combined export needing distinct), not the data's"
            )
            problems.append(base)
        else:
            faults.append(base)
    return problems, faults, codes, dates


def _by_value(rows: list[int], target: str, data: pa.Table) -> dict[str, list[int]]:
    """Rows (1-based) grouped by their harmonised value (identifier-like ones under ``MASK``)."""
    values = pc.take(data.column(target), pa.array([r - 1 for r in rows], pa.int64())).to_pylist()
    out: dict[str, list[int]] = {}
    for row, value in zip(rows, values):  # only the failing rows of one column
        out.setdefault(masked(value, target), []).append(row)
    return out


def _common(by_value: dict[str, list[int]], non_empty: int) -> set[str]:
    """The values frequent enough to be a code the export uses that no map covers."""
    return {
        v
        for v, rows in by_value.items()
        if v != MASK and len(rows) >= CODE_GAP_MIN_ROWS and len(rows) >= CODE_GAP_SHARE * non_empty
    }


def check_dialect(dialect: Dialect, sample: Path, preview_rows: int = 5) -> DialectReport:
    problems: list[str] = []

    def note(rule: str, file: str, message: str, **_: object) -> None:
        problems.append(f"{rule} {file}: {message}")

    harmonised = harmonise(sample, dialect, None, note)
    if harmonised is None:
        return DialectReport(dialect.name, problems, [], {})
    terms = dialect_terms(dialect, harmonised.sources)
    tables: list[TableReport] = []
    faults: list[Fault] = []
    con = duckdb.connect()
    try:
        for spec in FILES:
            name = spec.name
            table = dialect.tables[name]
            data = harmonised.tables[name].table
            failures = every_failure(con, spec, data.select(list(spec.columns)), _NO_PERIOD_END, terms)
            mapping, data_faults, codes, dates = _faults(name, failures, data, _Sources(name, dialect, harmonised))
            problems += [f"mapping {p}; first at {p.first[0]}" for p in mapping]
            faults += data_faults
            reports = [
                ColumnReport(t, describe(table.column(t)), codes.get(t, {}), dates.get(t, 0)) for t in spec.columns
            ]
            preview = [
                {k: None if v is None else masked(v, k) for k, v in row.items()}
                for row in data.slice(0, preview_rows).to_pylist()
            ]
            tables.append(TableReport(name, dialect.source_label(name), data.num_rows, reports, preview))
    finally:
        con.close()
    return DialectReport(dialect.name, problems, tables, harmonised.extra_columns, faults)


def format_report(report: DialectReport) -> str:
    """The report as plain text for the terminal."""
    if report.problems:
        head = f"Dialect {report.dialect}: the mapping needs attention ({len(report.problems)} problem(s); exit 1)"
    elif report.faults:
        head = (
            f"Dialect {report.dialect}: OK, the mapping is complete (exit 0); the sample's data needs attention: "
            f"{sum(f.count for f in report.faults)} row fault(s) for the trust to fix in its system"
        )
    else:
        head = f"Dialect {report.dialect}: OK"
    lines = [head]
    if report.problems:
        lines.append("\nMapping problems (fix the dialect or the export's layout):")
        lines += [f"  ! {p}" for p in report.problems]
    if report.faults:
        lines.append("\nData faults (the trust fixes these in its data; they do not stop the mapping):")
        for f in report.faults:
            lines.append(f"  - {f}")
            lines += [f"      {loc}" for loc in f.first]
    for t in report.tables:
        lines.append(f"\n{t.name}  ←  {t.source}  ({t.rows} rows)")
        width = max(len(c.target) for c in t.columns)
        for c in t.columns:
            notes = []
            if c.unmapped_codes:
                notes.append("not codes: " + ", ".join(f"{shown(v, '')}×{n}" for v, n in c.unmapped_codes.items()))
            if c.unparsed_dates:
                notes.append(f"{c.unparsed_dates} date(s) not real dates in the declared form")
            flag = "  ! " + "; ".join(notes) if notes else ""
            lines.append(f"  {c.target:<{width}}  ←  {c.mapping}{flag}")
        if t.preview:
            lines.append("  preview (identifiers masked):")
            lines += ["    " + ", ".join(f"{k}={v}" for k, v in row.items()) for row in t.preview]
    for label, cols in report.extra_columns.items():
        lines.append(f"\nColumns no mapping reads in {label} (dropped, W01): {', '.join(cols)}")
    return "\n".join(lines)
