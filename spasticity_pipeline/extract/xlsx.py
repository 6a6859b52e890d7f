"""Reading an Excel workbook's sheets as text tables, the way ``read.py`` reads CSV.

Workbooks from a trust are small (one month of one service), so openpyxl's streaming reader
is enough; each sheet becomes an Arrow string table with the same trimming and nulls as CSV.
Date cells become ISO dates; whole-number cells lose Excel's ``.0``.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa

from .read import CsvTable, UnreadableFile, clean


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def read_workbook(path: Path) -> dict[str, CsvTable]:
    """Every sheet of the workbook at ``path`` by name; ``UnreadableFile`` if it is not one."""
    from openpyxl import load_workbook  # imported here: only Excel dialects need it

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UnreadableFile(f"not a valid Excel workbook ({type(exc).__name__})") from None
    try:
        return {ws.title: _sheet(ws) for ws in wb.worksheets}
    finally:
        wb.close()


def _sheet(ws) -> CsvTable:
    rows = ws.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None:
        raise UnreadableFile(f"sheet {ws.title!r} is empty: it needs a header row")
    header = [str(h).strip() if h is not None else "" for h in header_row]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in header]
    blank_run = 0
    for row in rows:
        values = [_text(v) for v in row[:width]]
        if all(v is None or v.strip() == "" for v in values):
            blank_run += 1  # trailing empty rows are common in Excel; interior ones are kept
            continue
        for _ in range(blank_run):
            for col in columns:
                col.append(None)
        blank_run = 0
        values += [None] * (width - len(values))
        for col, v in zip(columns, values):
            col.append(v)
    table = pa.table({f"__c{i}": pa.array(col, pa.string()) for i, col in enumerate(columns)})
    return CsvTable(header=header, table=clean(table).rename_columns(header))
