"""``spasticity dialect check``: what a network engineer sees while writing a dialect.

For a sample of a trust's export (no manifest needed) it reports how each regional-v1 column
is made, which mapped source columns are missing, which source values no code map covers,
which dates do not parse, and a preview of harmonised rows with identifiers masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..contract.fields import FILES_BY_NAME, IDENTIFIER_FIELDS
from ..extract.dialect import Column, Dialect
from ..extract.harmonise import harmonise
from .sql import SAFE_VALUE_RE

_ISO = r"^\d{4}-\d{2}-\d{2}$"


@dataclass
class ColumnReport:
    target: str
    mapping: str
    unmapped_codes: dict[str, int] = field(default_factory=dict)
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
    problems: list[str]
    tables: list[TableReport]
    extra_columns: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return not self.problems and not any(
            c.unmapped_codes or c.unparsed_dates for t in self.tables for c in t.columns
        )


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
        shown = ", ".join(f"{k}→{v}" for k, v in list(col.codes.items())[:4])
        steps.append(f"codes({shown}{', …' if len(col.codes) > 4 else ''})")
    if col.date:
        steps.append(f"date {col.date}")
    return " → ".join(steps)


def _code_gaps(values: pa.Array, allowed: tuple[str, ...]) -> dict[str, int]:
    bad = values.filter(pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, pa.array(allowed, pa.string())))))
    if not len(bad):
        return {}
    gaps: dict[str, int] = {}
    for c in pc.value_counts(bad).to_pylist():  # distinct values: a handful
        shown = c["values"] if re.fullmatch(SAFE_VALUE_RE, c["values"]) else "(a value that may be an identifier)"
        gaps[shown] = gaps.get(shown, 0) + c["counts"]
    return gaps


def check_dialect(dialect: Dialect, sample: Path, preview_rows: int = 5) -> DialectReport:
    problems: list[str] = []

    def note(rule: str, file: str, message: str, **_: object) -> None:
        problems.append(f"{rule} {file}: {message}")

    harmonised = harmonise(sample, dialect, None, note)
    if harmonised is None:
        return DialectReport(dialect.name, problems, [], {})
    tables = []
    for name, table in dialect.tables.items():
        spec = FILES_BY_NAME[name]
        data = harmonised.tables[name].table
        reports = []
        for target in spec.columns:
            col = table.column(target)
            report = ColumnReport(target, describe(col))
            values = data.column(target).combine_chunks()
            f = spec.field(target)
            if f.codes:
                report.unmapped_codes = _code_gaps(values, f.codes)
            if f.kind == "date":
                report.unparsed_dates = int(
                    pc.sum(pc.and_(pc.is_valid(values), pc.invert(pc.match_substring_regex(values, _ISO)))).as_py() or 0
                )
            reports.append(report)
        preview = data.slice(0, preview_rows).to_pylist()
        for row in preview:
            for ident in IDENTIFIER_FIELDS:
                if ident in row and row[ident] is not None:
                    row[ident] = "•••"
        tables.append(TableReport(name, dialect.source_label(name), data.num_rows, reports, preview))
    return DialectReport(dialect.name, problems, tables, harmonised.extra_columns)


def format_report(report: DialectReport) -> str:
    """The report as plain text for the terminal."""
    lines = [f"Dialect {report.dialect}: {'OK' if report.ok else 'needs attention'}"]
    lines += [f"  ! {p}" for p in report.problems]
    for t in report.tables:
        lines.append(f"\n{t.name}  ←  {t.source}  ({t.rows} rows)")
        width = max(len(c.target) for c in t.columns)
        for c in t.columns:
            notes = []
            if c.unmapped_codes:
                notes.append("unmapped: " + ", ".join(f"{v!r}×{n}" for v, n in c.unmapped_codes.items()))
            if c.unparsed_dates:
                notes.append(f"{c.unparsed_dates} date(s) not in the format")
            flag = "  ! " + "; ".join(notes) if notes else ""
            lines.append(f"  {c.target:<{width}}  ←  {c.mapping}{flag}")
        if t.preview:
            lines.append("  preview (identifiers masked):")
            lines += ["    " + ", ".join(f"{k}={v}" for k, v in row.items()) for row in t.preview]
    for label, cols in report.extra_columns.items():
        lines.append(f"\nColumns no mapping reads in {label} (dropped, W01): {', '.join(cols)}")
    return "\n".join(lines)
