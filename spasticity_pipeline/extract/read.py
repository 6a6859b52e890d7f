"""Reading a submission's CSV files into Arrow string tables (the manifest: ``manifest.py``).

Every value is read as text (typing is validation's job: a bad date must become an R02
finding, not a parse failure), trimmed, and empty values become null (spec §10).

Whatever goes wrong reading a trust's file is F05, never a traceback: the public readers raise
only ``UnreadableFile`` (see ``unreadable_on_error``), whose message names where the fault is
(row, cell) but never a value from the file.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import hashlib
import io
import logging
import re
import traceback
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar
from xml.parsers.expat import ExpatError

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

log = logging.getLogger(__name__)

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_LONE_CR = re.compile(rb"\r(?!\n)")


class UnreadableFile(Exception):
    """F05: the file cannot be read. The message names no data value; ``row`` is the data row
    the fault is in (1 = first data row) when one is known, ``None`` for the file or its header."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


def _why(exc: BaseException) -> str:
    """Words for a failure the readers did not foresee, from its type only: an exception's own
    text may quote the file (a cell value, a line)."""
    if isinstance(exc, PermissionError):
        return "permission denied: the file cannot be opened"
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError)):
        return "the file is damaged (its compressed data cannot be unpacked)"
    if isinstance(exc, ExpatError) or type(exc).__name__ == "ParseError":
        return "the file is damaged (its XML is not well-formed)"
    if isinstance(exc, OSError):
        return f"the file cannot be read ({exc.strerror or type(exc).__name__})"
    if isinstance(exc, MemoryError):
        return "the file is too large to read"
    return f"the file cannot be read ({type(exc).__name__})"


#: what a damaged or hostile file raises inside the libraries we read with
_DAMAGE = (
    OSError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    ExpatError,
    SyntaxError,  # xml.etree's ParseError
    ValueError,  # UnicodeError, int()/float() of bad text, defusedxml's refusals
    IndexError,
    KeyError,
    csv.Error,
    pa.ArrowException,
    MemoryError,
    RecursionError,
)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def unreadable_on_error(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """The readers' boundary: any failure reading a trust's file becomes ``UnreadableFile`` (F05)
    with a safe message. Logged by type and place only (never the exception's text)."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return func(*args, **kwargs)
        except UnreadableFile:
            raise
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            # a damaged file is the trust's to fix; anything else may be ours: say so loudly
            level = logging.INFO if isinstance(exc, _DAMAGE) else logging.ERROR
            name, kind = func.__name__, type(exc).__name__
            log.log(level, "%s: %s at %s:%s, reported as F05", name, kind, where.filename, where.lineno)
            raise UnreadableFile(_why(exc)) from None

    return wrapper


@unreadable_on_error
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


def repeated(names: list[str]) -> list[str]:
    """Header names given more than once (a table cannot have two columns of one name)."""
    seen: set[str] = set()
    return sorted({n for n in names if n in seen or seen.add(n)})  # type: ignore[func-returns-value]


def _where(row: int) -> str:
    return "in the header" if row == 0 else f"in data row {row}"


def _row_at(raw: bytes, pos: int, delimiter: str, quotechar: str) -> int:
    """The record holding byte ``pos`` (0 = the header, 1 = the first data row), counted as the
    CSV reader counts records (quoted line breaks do not end one). Only on the error path."""
    text = raw[:pos].decode("utf-8", errors="replace").replace("\0", " ")
    n = -1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    with contextlib.suppress(csv.Error):
        for _ in reader:
            n += 1
    # a fault at the very start of a line belongs to that line, which the prefix does not hold yet
    return max(n, 0) + (1 if text.endswith(("\n", "\r")) else 0)


def _first_outside_quotes(raw: bytes, pattern: re.Pattern[bytes], quotechar: str) -> int | None:
    """Where ``pattern`` first occurs outside a quoted value (quote characters before it are even)."""
    q = quotechar.encode()
    quotes, last = 0, 0
    for m in pattern.finditer(raw):
        quotes += raw.count(q, last, m.start())
        last = m.start()
        if quotes % 2 == 0:
            return m.start()
    return None


def _check_bytes(raw: bytes, delimiter: str, quotechar: str) -> None:
    """F05 faults visible in the raw bytes: NUL bytes, line ends of a lone CR (outside quoted
    values), an unclosed quote. Each costs one pass at memory speed on a good file."""
    nul = raw.find(b"\0")
    if nul >= 0:
        row = _row_at(raw, nul, delimiter, quotechar)
        raise UnreadableFile(
            f"the file contains a NUL byte (character 0) {_where(row)}; save it again as plain text",
            row or None,
        )
    if b"\r" in raw and _LONE_CR.search(raw):
        pos = _first_outside_quotes(raw, _LONE_CR, quotechar)
        if pos is not None:
            row = _row_at(raw, pos, delimiter, quotechar)
            raise UnreadableFile(
                f"a line ends with a carriage return alone (CR, without LF) {_where(row)}; "
                "save the file with LF or CRLF line ends",
                row or None,
            )
    if raw.count(quotechar.encode()) % 2:
        raise UnreadableFile("broken quoting: a quoted value is never closed")


def _not_encoded(raw: bytes, encoding: str, delimiter: str, quotechar: str) -> UnreadableFile:
    if raw.startswith(_UTF16_BOMS) and not encoding.lower().startswith("utf-16"):
        return UnreadableFile(f"the file is UTF-16 encoded; it must be {encoding}")
    try:
        codecs.decode(raw, encoding)
    except UnicodeDecodeError as exc:
        row = _row_at(raw, exc.start, delimiter, quotechar)
        return UnreadableFile(
            f"the file is not {encoding} encoded: the first bad character is {_where(row)}", row or None
        )
    return UnreadableFile(f"the file is not {encoding} encoded")


def _header(raw: bytes, delimiter: str = ",", quotechar: str = '"') -> tuple[list[str], list[str]]:
    """The header's names as written and trimmed."""
    head = raw[:65536]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte char cut at the boundary is fine
        if exc.start < len(head) - 4:
            raise _not_encoded(raw, "UTF-8", delimiter, quotechar) from None
        text = head[: exc.start].decode("utf-8")
    if not text.strip():
        raise UnreadableFile("the file is empty: it needs at least a header row")
    if text[0] in "\r\n":
        raise UnreadableFile("the file starts with a blank line; the first line must be the header")
    row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar))
    names = [name.strip() for name in row]
    dupes = repeated(names)
    if dupes:
        raise UnreadableFile(f"the header repeats column(s): {', '.join(dupes)}")
    return row, names


def arrow_owned(raw: bytes) -> pa.Buffer:
    """``raw`` copied into memory Arrow allocated (one memcpy).

    pyarrow reads ahead on its own threads. Given a Python object (an ``io.BytesIO``, or a
    buffer over ``bytes``) a pool thread must take the GIL to read or release it, and if that
    happens while the interpreter exits — a parse error (F05) returns with read-ahead still in
    flight — CPython ends the thread with ``pthread_exit``, whose unwind through a ``noexcept``
    frame is ``std::terminate``: "terminate called without an active exception", exit −6. Memory
    Arrow owns needs no GIL."""
    buf = pa.allocate_buffer(len(raw))
    pa.FixedSizeBufferWriter(buf).write(raw)
    return buf


def _parse(data: pa.Buffer, header: list[str], ignore_empty_lines: bool, delimiter: str, quotechar: str) -> pa.Table:
    """pyarrow reads the header row itself (its parser honours quoted line breaks there too);
    every column as text."""
    return pacsv.read_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, quote_char=quotechar, newlines_in_values=True, ignore_empty_lines=ignore_empty_lines
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in header},
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


def _bad_record(raw: bytes, width: int, delimiter: str, quotechar: str, otherwise: str) -> UnreadableFile:
    """Name the first record that is blank or has a field count other than the header's (the
    error path: read again, record by record)."""
    text = raw.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    try:
        next(reader, None)
        for row, fields in enumerate(reader, 1):
            if not fields:
                return UnreadableFile(f"the file contains a blank line (data row {row})", row)
            if len(fields) != width:
                return UnreadableFile(
                    f"data row {row} has {len(fields)} fields but the header has {width}: check quoting and delimiters",
                    row,
                )
    except csv.Error:  # e.g. a field over the csv module's size limit: no row to name
        pass
    return UnreadableFile(otherwise)


@unreadable_on_error
def read_csv_bytes(raw: bytes, *, delimiter: str = ",", quotechar: str = '"') -> CsvTable:
    """Parse UTF-8 CSV bytes as trimmed text; raise ``UnreadableFile`` for F05 faults."""
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    if raw.startswith(_UTF16_BOMS):
        raise _not_encoded(raw, "UTF-8", delimiter, quotechar)
    _check_bytes(raw, delimiter, quotechar)
    header, names = _header(raw, delimiter, quotechar)
    data = arrow_owned(raw)
    try:
        table = _parse(data, header, False, delimiter, quotechar)
    except pa.ArrowInvalid as exc:  # its text quotes the offending line: never shown
        if "invalid UTF8" in str(exc):
            raise _not_encoded(raw, "UTF-8", delimiter, quotechar) from None
        bad = _bad_record(
            raw, len(names), delimiter, quotechar, "the file could not be parsed as CSV (check quoting and delimiters)"
        )
        hint = delimiter_hint(raw[:4096].split(b"\n", 1)[0].decode("utf-8", "replace"), delimiter)
        raise UnreadableFile(f"{bad}{hint}", bad.row) from None
    # a blank line parses as an all-null record; re-parse to tell it from a row of empties
    if table.column_names != header:  # a header longer than the part of the file read for it
        raise UnreadableFile("the header could not be read (check quoting and delimiters in the first line)")
    if (b"\n\n" in raw or b"\n\r\n" in raw) and _parse(
        data, header, True, delimiter, quotechar
    ).num_rows != table.num_rows:
        raise _bad_record(raw, len(names), delimiter, quotechar, "the file contains a blank line")
    return CsvTable(header=names, table=clean(table.rename_columns(names)))


@unreadable_on_error
def read_csv_text(path: Path, *, delimiter: str = ",", quotechar: str = '"', encoding: str = "utf-8") -> CsvTable:
    """Read a CSV file as trimmed text (re-encoding to UTF-8 first when it is not UTF-8)."""
    raw = path.read_bytes()
    if encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
        if raw.startswith(_UTF16_BOMS):
            raise _not_encoded(raw, encoding, delimiter, quotechar)
        try:
            raw = raw.decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            raise _not_encoded(raw, encoding, delimiter, quotechar) from None
    return read_csv_bytes(raw, delimiter=delimiter, quotechar=quotechar)


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
