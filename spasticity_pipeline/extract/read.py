"""Reading a submission's CSV files into Arrow string tables (the manifest: ``manifest.py``).

Every value is read as text (typing is validation's job: a bad date must become an R02
finding, not a parse failure), trimmed, and empty values become null (spec §10).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

_BOM = b"\xef\xbb\xbf"


class UnreadableFile(Exception):
    """F05: the file cannot be read as regional-v1 CSV. The message names no data value."""


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class CsvTable:
    """A CSV file read as text: ``table`` has one string column per header name."""

    header: list[str]
    table: pa.Table

    @property
    def num_rows(self) -> int:
        return self.table.num_rows


def _header(raw: bytes, delimiter: str = ",", quotechar: str = '"') -> list[str]:
    head = raw[:65536]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte char cut at the boundary is fine
        if exc.start < len(head) - 4:
            raise UnreadableFile("the file is not UTF-8 encoded") from None
        text = head[: exc.start].decode("utf-8")
    if not text.strip():
        raise UnreadableFile("the file is empty: it needs at least a header row")
    if text[0] in "\r\n":
        raise UnreadableFile("the file starts with a blank line; the first line must be the header")
    row = next(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quotechar))
    names = [name.strip() for name in row]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise UnreadableFile(f"the header repeats column(s): {', '.join(dupes)}")
    return names


def _parse(raw: bytes, names: list[str], ignore_empty_lines: bool, delimiter: str, quotechar: str) -> pa.Table:
    return pacsv.read_csv(
        io.BytesIO(raw),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, quote_char=quotechar, newlines_in_values=True, ignore_empty_lines=ignore_empty_lines
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def clean(table: pa.Table) -> pa.Table:
    """Trim every value and turn empty strings into nulls (vectorised)."""
    cols = []
    for col in table.columns:
        trimmed = pc.utf8_trim_whitespace(col)
        cols.append(pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed))
    return pa.table(cols, names=table.column_names)


def read_csv_bytes(raw: bytes, *, delimiter: str = ",", quotechar: str = '"') -> CsvTable:
    """Parse UTF-8 CSV bytes as trimmed text; raise ``UnreadableFile`` for F05 faults."""
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    names = _header(raw, delimiter, quotechar)
    if raw.count(quotechar.encode()) % 2:
        raise UnreadableFile("broken quoting: a quoted value is never closed")
    try:
        table = _parse(raw, names, False, delimiter, quotechar)
    except pa.ArrowInvalid as exc:
        hint = delimiter_hint(raw[:4096].split(b"\n", 1)[0].decode("utf-8", "replace"), delimiter)
        raise UnreadableFile(_describe_parse_error(str(exc)) + hint) from None
    # a blank line parses as an all-null record; re-parse to tell it from a row of empties
    if (b"\n\n" in raw or b"\n\r\n" in raw) and _parse(
        raw, names, True, delimiter, quotechar
    ).num_rows != table.num_rows:
        raise UnreadableFile("the file contains a blank line")
    return CsvTable(header=names, table=clean(table))


def read_csv_text(path: Path, *, delimiter: str = ",", quotechar: str = '"', encoding: str = "utf-8") -> CsvTable:
    """Read a CSV file as trimmed text (re-encoding to UTF-8 first when it is not UTF-8)."""
    raw = path.read_bytes()
    if encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
        try:
            raw = raw.decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableFile(f"the file is not {encoding} encoded") from None
    return read_csv_bytes(raw, delimiter=delimiter, quotechar=quotechar)


def _describe_parse_error(message: str) -> str:
    """Turn pyarrow's parse error into words without echoing the offending line (it may hold
    identifiers)."""
    if "invalid UTF8" in message:
        return "the file is not UTF-8 encoded"
    if "Expected" in message and "columns" in message:
        counts = message.split(":")[1] if ":" in message else ""
        return f"a record has a different number of fields from the header ({counts.strip()})"
    return "the file could not be parsed as CSV (check quoting and delimiters)"


_DELIMITERS = {",": "','", ";": "';'", "|": "'|'", "\t": "a tab"}


def delimiter_hint(header_line: str, declared: str) -> str:
    """``; the header seems to be separated by ';', not ','`` when another common delimiter
    splits the header line into more columns than the declared one does, else ``""``."""
    counts = {d: header_line.count(d) for d in _DELIMITERS if d != declared}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] <= header_line.count(declared):
        return ""
    name = _DELIMITERS.get(declared, repr(declared))
    return f"; the header seems to be separated by {_DELIMITERS[best]}, not {name}"
