"""Writing regional-v1 data in a trust's dialect: the inverse of ``harmonise``.

The synthetic generator uses it to emit a trust's submission as its own system would, and the
round-trip tests check ``harmonise(encode(x)) == x``. Files that stack several tables
(``where_column``/``where_value``) are written row-stacked; the nested form (``distinct``) is
read-only.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .dialect import Column, Dialect
from .harmonise import _EXCEL_EPOCH_OFFSET, MONTHS
from .manifest import FileEntry, read_manifest


def encode_date(arr: pa.Array, fmt: str) -> pa.Array:
    """``YYYY-MM-DD`` → the dialect's format; other text passes through unchanged."""
    iso = r"^(\d{4})-(\d{2})-(\d{2})$"
    if fmt == "YYYY-MM-DD":
        return arr
    if fmt == "DD/MM/YYYY":
        return pc.replace_substring_regex(arr, iso, r"\3/\2/\1")
    if fmt == "YYYYMMDD":
        return pc.replace_substring_regex(arr, iso, r"\1\2\3")
    if fmt == "DD-Mon-YYYY":
        out = arr
        for i, mon in enumerate(MONTHS, start=1):
            out = pc.replace_substring_regex(out, rf"^(\d{{4}})-{i:02d}-(\d{{2}})$", rf"\2-{mon}-\1")
        return out
    if fmt == "excel":
        dates = pc.cast(pc.strptime(arr, format="%Y-%m-%d", unit="s", error_is_null=True), pa.date32())
        # strptime rolls an impossible day over (2026-02-31 → 2026-03-03): keep only exact dates,
        # so an impossible date stays text and is still R02 in the trust's workbook
        exact = pc.equal(pc.strftime(pc.cast(dates, pa.timestamp("s")), format="%Y-%m-%d"), arr)
        dates = pc.if_else(exact, dates, pa.scalar(None, pa.date32()))
        serial = pc.cast(pc.add(pc.cast(dates, pa.int32()), _EXCEL_EPOCH_OFFSET), pa.string())
        return pc.coalesce(serial, arr)
    raise ValueError(f"unknown date format {fmt}")


def _encode_value(col: Column, arr: pa.Array) -> pa.Array:
    if col.date:
        arr = encode_date(arr, col.date)
    if col.codes:
        inverse = {v: k for k, v in col.codes.items()}
        keys = pa.array(list(inverse), pa.string())
        mapped = pc.take(pa.array(list(inverse.values()), pa.string()), pc.index_in(arr, value_set=keys))
        arr = pc.coalesce(mapped, arr)
    return arr


def encode_table(name: str, data: pa.Table, dialect: Dialect) -> dict[str, pa.Array]:
    """Source columns (name → text array) holding regional-v1 ``data`` of file ``name``."""
    table = dialect.tables[name]
    out: dict[str, pa.Array] = {}
    parts: dict[str, dict[int, pa.Array]] = {}
    seps: dict[str, str] = {}
    for target, col in table.columns.items():
        if col.constant is not None:
            continue
        value = _encode_value(col, data.column(target).combine_chunks())
        if col.join is not None:
            pieces = pc.split_pattern(value, pattern=col.sep, max_splits=len(col.join) - 1)
            for i, src in enumerate(col.join):
                out[src] = _element(pieces, i)
        elif col.source is None:
            raise ValueError(f"{name}.{target}: a column needs source, join or constant")  # the model forbids it
        elif col.part is not None:
            parts.setdefault(col.source, {})[col.part] = value
            seps[col.source] = col.sep
        else:
            out[col.source] = value
    for src, pieces in parts.items():
        ordered = [pieces[i] for i in sorted(pieces)]
        out[src] = pc.binary_join_element_wise(*ordered, seps[src], null_handling="replace", null_replacement="")
    for extra in data.column_names:  # columns a trust should not send travel through (W01)
        if extra not in table.columns and extra not in out:
            out[extra] = data.column(extra).combine_chunks()
    if table.where_column and table.where_value is not None:
        out[table.where_column] = pa.array([table.where_value] * data.num_rows, pa.string())
    elif table.where_column and table.where_column not in out:
        raise ValueError(f"{name}: a nested (where_column without where_value) table cannot be written")
    return out


def _element(lists: pa.Array, i: int) -> pa.Array:
    """Element ``i`` of each list (null when shorter)."""
    lengths = pc.fill_null(pc.list_value_length(lists), 0)
    safe = pc.if_else(pc.greater(lengths, i), lists, pa.scalar([""] * (i + 1), lists.type))
    values = pc.list_element(safe, i)
    return pc.if_else(pc.greater(lengths, i), values, pa.scalar(None, pa.string()))


def encode_files(tables: dict[str, pa.Table], dialect: Dialect) -> dict[str, dict[str | None, pa.Table]]:
    """Source file → sheet (None for CSV) → text table, stacking tables that share a file."""
    files: dict[str, dict[str | None, list[dict[str, pa.Array]]]] = {}
    for name in dialect.tables:
        t = dialect.tables[name]
        files.setdefault(t.file, {}).setdefault(t.sheet, []).append(encode_table(name, tables[name], dialect))
    out: dict[str, dict[str | None, pa.Table]] = {}
    for file, sheets in files.items():
        out[file] = {}
        for sheet, blocks in sheets.items():
            columns = list(dict.fromkeys(c for b in blocks for c in b))
            stacked = [
                pa.table({c: b.get(c, pa.nulls(len(next(iter(b.values()))), pa.string())) for c in columns})
                for b in blocks
            ]
            out[file][sheet] = pa.concat_tables(stacked)
    return out


def _csv_bytes(table: pa.Table, dialect: Dialect) -> bytes:
    import pyarrow.csv as pacsv

    if dialect.quotechar != '"':
        raise ValueError("writing CSV dialects with a quote character other than '\"' is not supported")
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(delimiter=dialect.delimiter, quoting_style="needed"))
    text = buf.getvalue().decode("utf-8")
    return text.encode(dialect.encoding)


def _xlsx_bytes(sheets: dict[str | None, pa.Table], date_columns: set[str]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for sheet, table in sheets.items():
        ws = wb.create_sheet(sheet or "Sheet1")
        ws.append(table.column_names)
        columns = [table.column(c).to_pylist() for c in table.column_names]
        kinds = [c in date_columns for c in table.column_names]
        for row in zip(*columns):
            ws.append([_cell(v, is_date) for v, is_date in zip(row, kinds)])
    buf = io.BytesIO()
    wb.save(buf)
    return _reproducible_zip(buf.getvalue())


_FIXED_TIME = "2000-01-01T00:00:00Z"


def _reproducible_zip(data: bytes) -> bytes:
    """The same workbook gives the same bytes: fixed entry times and document timestamps
    (openpyxl stamps the save time), so a manifest's sha256 depends on content only."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + _FIXED_TIME.encode(), body)
            dst.writestr(
                zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0)),
                body,
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _cell(value: str | None, is_date: bool):
    """Excel users type numbers and dates, not text: write them as such."""
    if value is None:
        return None
    if is_date and _ISO.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if re.fullmatch(r"-?\d{1,9}", value) and not (len(value) > 1 and value.startswith("0")):
        return int(value)
    return value


def write_dialect_files(folder: Path, tables: dict[str, pa.Table], dialect: Dialect) -> dict[str, FileEntry]:
    """Write regional-v1 ``tables`` into ``folder`` in ``dialect``; returns the manifest's entries
    (known from what was written: nothing is read back)."""
    import hashlib

    folder.mkdir(parents=True, exist_ok=True)
    entries: dict[str, FileEntry] = {}
    date_columns = {
        c.source
        for t in dialect.tables.values()
        for c in t.columns.values()
        if isinstance(c, Column) and c.date and c.source and c.date != "excel"
    }
    for file, sheets in encode_files(tables, dialect).items():
        if dialect.type == "xlsx":
            data = _xlsx_bytes(sheets, date_columns)
            rows: int | dict = {s: t.num_rows for s, t in sheets.items()}
        else:
            data = _csv_bytes(sheets[None], dialect)
            rows = sheets[None].num_rows
        (folder / file).write_bytes(data)
        entries[file] = FileEntry(sha256=hashlib.sha256(data).hexdigest(), rows=rows)
    return entries


def convert_submission(canonical: Path, out: Path, dialect: Dialect) -> Path:
    """Rewrite a regional-v1 submission folder as the same submission in ``dialect``.

    Values are carried as sent (untrimmed text), so a fault in the canonical files is the same
    fault in the dialect's files; extra columns travel too.
    """
    import csv

    import pyarrow.csv as pacsv

    from ..contract.fields import FILES

    manifest = read_manifest(canonical)
    tables = {}
    for spec in FILES:
        path = canonical / spec.name
        header = next(csv.reader([path.read_text(encoding="utf-8-sig").split("\n", 1)[0].strip("\r")]))
        tables[spec.name] = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=True
            ),
        )
    files = write_dialect_files(out, tables, dialect)
    manifest.model_copy(update={"format": dialect.name, "files": files}).write(out)
    return out
