"""Decoding a dialect submission into regional-v1 text tables, remembering where each value
came from so that findings point at the trust's own file, row and column.

All transforms are pyarrow compute kernels over whole columns. A value a transform cannot
read (a date in the wrong format, an unmapped code) passes through unchanged so that the
validator reports it (R02, R03) naming the source value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .dialect import Column, Dialect, Table
from .manifest import Manifest, not_listed, rows_differ, sha256_differs
from .read import CsvTable, UnreadableFile, delimiter_hint, read_csv_text, sha256_of
from .xlsx import read_workbook

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EXCEL_EPOCH_OFFSET = 25569  # Excel serial of 1970-01-01 (the 1900 system, after its leap-year bug)


@dataclass
class SourceMap:
    """Where a harmonised regional-v1 file came from."""

    label: str  # ``file`` or ``file[sheet]``
    #: harmonised row i (0-based) came from source data row ``rows[i]`` (1 = first data row)
    rows: pa.Array
    #: regional-v1 column → the source column(s) a trust knows it by
    columns: dict[str, str]
    #: Excel column letters of the source columns (for cell references in messages)
    letters: dict[str, str]


@dataclass
class Harmonised:
    tables: dict[str, CsvTable]
    sources: dict[str, SourceMap]
    #: rows read per source file (or sheet label), for the manifest's row counts
    source_rows: dict[str, int]
    #: source label → columns no mapping reads (W01: dropped, they may hold identifiers)
    extra_columns: dict[str, list[str]]
    #: source label → the file or sheet as read (``dialect check`` shows values as the trust sent them)
    source_tables: dict[str, CsvTable] = field(default_factory=dict)


Finding = Callable[..., None]  # _Findings.add


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- value transforms ---------------------------------------------------------------------


def _null_empty(arr: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def decode_date(arr: pa.Array, fmt: str) -> pa.Array:
    """Source date text → ``YYYY-MM-DD``; values not in the format pass through (R02 later)."""
    if fmt == "YYYY-MM-DD":
        return arr
    if fmt == "DD/MM/YYYY":
        return pc.replace_substring_regex(arr, r"^(\d{2})/(\d{2})/(\d{4})$", r"\3-\2-\1")
    if fmt == "YYYYMMDD":
        return pc.replace_substring_regex(arr, r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3")
    if fmt == "DD-Mon-YYYY":
        out = pc.replace_substring_regex(arr, r"^(\d)-", r"0\1-")
        for i, mon in enumerate(MONTHS, start=1):
            out = pc.replace_substring_regex(out, rf"^(\d{{2}})-(?i:{mon})-(\d{{4}})$", rf"\2-{i:02d}-\1")
        return out
    if fmt == "excel":  # serial numbers; real date cells were already read as ISO text
        serial = pc.match_substring_regex(arr, r"^\d{1,6}$")
        days = pc.subtract(
            pc.cast(pc.if_else(serial, arr, pa.scalar(None, pa.string())), pa.int32()), _EXCEL_EPOCH_OFFSET
        )
        dates = pc.cast(pc.cast(days, pa.int32()), pa.date32())
        iso = pc.strftime(pc.cast(dates, pa.timestamp("s")), format="%Y-%m-%d")
        return pc.if_else(serial, iso, arr)
    raise ValueError(f"unknown date format {fmt}")


def map_codes(arr: pa.Array, codes: dict[str, str]) -> pa.Array:
    """Source code → regional-v1 code; an unmapped value passes through (R03 names it)."""
    keys = pa.array(list(codes), pa.string())
    mapped = pc.take(pa.array(list(codes.values()), pa.string()), pc.index_in(arr, value_set=keys))
    return pc.coalesce(mapped, arr)


def split_part(arr: pa.Array, sep: str, part: int) -> pa.Array:
    s = re.escape(sep)
    pattern = rf"^(?:.*?{s}){{{part}}}(?P<v>.*?)(?:{s}|$)"
    return _null_empty(pc.struct_field(pc.extract_regex(arr, pattern), [0]))


def decode_column(col: Column, source: pa.Table) -> pa.Array:
    if col.constant is not None:
        return pa.array([col.constant] * source.num_rows, pa.string())
    if col.join is not None:
        parts = [source.column(c).combine_chunks() for c in col.join]
        # (null_handling="skip" drops all-null rows in pyarrow 26: replace, then null them)
        joined = pc.binary_join_element_wise(*parts, col.sep, null_handling="replace", null_replacement="")
        all_null = functools.reduce(pc.and_, [pc.is_null(p) for p in parts])
        value = pc.if_else(all_null, pa.scalar(None, pa.string()), joined)
    else:
        value = source.column(col.source)
        if col.part is not None:
            value = split_part(value, col.sep, col.part)
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if col.case == "upper":
        value = pc.utf8_upper(value)
    elif col.case == "lower":
        value = pc.utf8_lower(value)
    if col.codes:
        value = map_codes(value, col.codes)
    if col.date:
        value = decode_date(value, col.date)
    return value


# --- reading a dialect submission ---------------------------------------------------------


def _read_sources(folder: Path, dialect: Dialect, manifest: Manifest | None, add: Finding) -> dict[str, CsvTable]:
    """F03, F04 (sha256), F05 and F04 (rows) on the dialect's source files; returns each readable
    CSV or sheet by label. Without a manifest (``dialect check`` on a sample) F04 is skipped."""
    out: dict[str, CsvTable] = {}
    for name in dialect.source_files:
        path = folder / name
        if not path.is_file():
            add("F03", name, f"{name} is missing from the submission (dialect {dialect.name})")
            continue
        entry = manifest.entry(name) if manifest is not None else None
        if manifest is not None and entry is None:
            add("F04", name, not_listed(name, manifest))
            continue
        wanted = [t.sheet for t in dialect.tables.values() if t.file == name]
        sheets: dict[str | None, CsvTable]
        try:
            if manifest is not None and entry is not None and entry.sha256 != sha256_of(path):
                add("F04", name, sha256_differs(name, manifest), field="sha256")
                continue
            if dialect.type == "xlsx":
                sheets = {sheet: t for sheet, t in read_workbook(path, [s for s in wanted if s]).items()}
            else:
                sheets = {
                    None: read_csv_text(
                        path, delimiter=dialect.delimiter, quotechar=dialect.quotechar, encoding=dialect.encoding
                    )
                }
        except UnreadableFile as exc:
            add("F05", name, f"{name} cannot be read: {exc}", row_number=exc.row)
            continue
        missing = [s for s in dict.fromkeys(wanted) if s not in sheets]
        for sheet in missing:
            add("F03", name, f"{name} has no sheet {sheet!r}, which dialect {dialect.name} reads", field=sheet)
        if missing:
            continue
        counts: dict[str | None, int] = {s: t.num_rows for s, t in sheets.items() if s in wanted}
        actual: int | dict[str, int] = (
            counts[None] if dialect.type != "xlsx" else {s: n for s, n in counts.items() if s is not None}
        )
        if manifest is not None and entry is not None:
            differs = rows_differ(name, entry.rows, actual, manifest)
            if differs:
                add("F04", name, differs, field="rows")
                continue
        for sheet, table in sheets.items():
            out[f"{name}[{sheet}]" if sheet else name] = table
    return out


def _map_table(
    name: str, table: Table, source: CsvTable, dialect: Dialect, add: Finding
) -> tuple[CsvTable, SourceMap] | None:
    label = dialect.source_label(name)
    missing = [
        (target, src) for target, col in table.columns.items() for src in col.source_columns if src not in source.header
    ]
    if table.where_column and table.where_column not in source.header:
        missing.append(("(rows of " + name + ")", table.where_column))
    hint = delimiter_hint(source.header[0], dialect.delimiter) if len(source.header) == 1 and not table.sheet else ""
    for target, src in missing:
        add(
            "F06",
            label,
            f"dialect {dialect.name} maps {target} of {name} from column {src!r}, which {label} does not have{hint}",
            field=src,
        )
    if missing:
        return None
    data = source.table
    rows = pa.array(range(1, data.num_rows + 1), pa.int64())
    if table.where_column:
        where = data.column(table.where_column)
        keep = (
            pc.is_valid(where) if table.where_value is None else pc.fill_null(pc.equal(where, table.where_value), False)
        )
        data, rows = data.filter(keep), rows.filter(keep)
    arrays = {target: decode_column(table.column(target), data) for target in table.columns}
    mapped = pa.table(arrays)
    if table.distinct and mapped.num_rows:
        mapped, rows = _distinct(mapped, rows)
    mapped = mapped.select(list(table.columns))
    letters = {
        target: "+".join(column_letter(source.header.index(s)) for s in table.column(target).source_columns)
        for target in table.columns
        if table.column(target).source_columns
    }
    names = {target: "+".join(table.column(target).source_columns) or "(constant)" for target in table.columns}
    return CsvTable(header=list(mapped.column_names), table=mapped), SourceMap(label, rows, names, letters)


def _distinct(mapped: pa.Table, rows: pa.Array) -> tuple[pa.Table, pa.Array]:
    """Identical mapped rows (a parent repeated by a combined export) are read once, at their
    first source row."""
    with_rows = mapped.append_column("__src_row", rows)
    grouped = with_rows.group_by(mapped.column_names, use_threads=False).aggregate([("__src_row", "min")])
    grouped = grouped.sort_by("__src_row_min")
    return grouped.drop_columns(["__src_row_min"]), grouped.column("__src_row_min").combine_chunks()


def harmonise(folder: Path, dialect: Dialect, manifest: Manifest | None, add: Finding) -> Harmonised | None:
    """Decode the submission in ``folder``; ``None`` (with E1 findings added) if it does not
    match the dialect."""
    failures = 0

    def note(*args: Any, **kwargs: Any) -> None:
        nonlocal failures
        failures += 1
        add(*args, **kwargs)

    sources = _read_sources(folder, dialect, manifest, note)
    if failures:
        return None
    tables: dict[str, CsvTable] = {}
    maps: dict[str, SourceMap] = {}
    for name, table in dialect.tables.items():
        result = _map_table(name, table, sources[dialect.source_label(name)], dialect, note)
        if result:
            tables[name], maps[name] = result
    if failures:
        return None
    used: dict[str, set[str]] = {}
    for name, table in dialect.tables.items():
        cols = used.setdefault(dialect.source_label(name), set())
        cols.update(c for col in table.columns.values() for c in col.source_columns)
        if table.where_column:
            cols.add(table.where_column)
    extras = {label: [c for c in sources[label].header if c not in cols] for label, cols in used.items()}
    return Harmonised(
        tables,
        maps,
        {label: t.num_rows for label, t in sources.items()},
        {label: cols for label, cols in extras.items() if cols},
        sources,
    )


def to_source_positions(findings: pa.Table, sources: dict[str, SourceMap]) -> pa.Table:
    """Rewrite findings on harmonised rows to the trust's own file, row and column."""
    if not findings.num_rows:
        return findings
    parts = []
    for name in dict.fromkeys(findings.column("file").to_pylist()):
        part = findings.filter(pc.equal(findings.column("file"), name))
        src = sources.get(name)
        if src is None:
            parts.append(part)
            continue
        row = part.column("row_number")
        new_row = pc.take(src.rows, pc.subtract(pc.fill_null(row, 1), 1))
        new_row = pc.if_else(pc.is_valid(row), new_row, pa.scalar(None, pa.int64()))
        fields = part.column("field").to_pylist()
        message = part.column("message").to_pylist()
        rows = new_row.to_pylist()
        cells = [
            f" (cell {src.letters[f]}{r + 1})" if src.label.endswith("]") and r and f in src.letters else ""
            for f, r in zip(fields, rows)
        ]
        parts.append(
            pa.table(
                {
                    "file": pa.array([src.label] * part.num_rows, pa.string()),
                    "row_number": new_row,
                    "field": pa.array([src.columns.get(f, f) if f else f for f in fields], pa.string()),
                    "rule_id": part.column("rule_id"),
                    "severity": part.column("severity"),
                    "message": pa.array([m + c for m, c in zip(message, cells)], pa.string()),
                },
                schema=findings.schema,
            )
        )
    return pa.concat_tables(parts)
