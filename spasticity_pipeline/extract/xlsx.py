"""Reading an Excel workbook's sheets as text tables, the way ``read.py`` reads CSV.

A streaming reader written for files from outside: the zip's parts are checked before they are
unpacked (entries, encryption, compression ratio, declared sizes), XML is parsed by expat event
by event with no DTD or entities, and only the sheets asked for are read. A sheet must have
the contract's shape or it is F05: the header in row 1 within ``MAX_COLUMNS`` columns, no value
right of the header, rows in order, at most ``MAX_BLANK_ROWS`` empty rows inside the data.
Memory follows the values read, never a sheet's declared size: a cell at XFD1048576 costs
nothing. Values are what openpyxl would give (its number-format rules and date conversion),
then text like CSV: dates as ISO, whole numbers without Excel's ``.0``, trimmed, empty as null.
"""

from __future__ import annotations

import datetime as dt
import math
import posixpath
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element
from xml.parsers import expat

import pyarrow as pa
from defusedxml.ElementTree import fromstring

from .read import CsvTable, UnreadableFile, clean, repeated, unreadable_on_error

#: the widest header a sheet may have (Excel 2003's limit; regional-v1 files have ≤ 10 columns)
MAX_COLUMNS = 256
#: empty rows a sheet may hold inside its data (kept as empty rows, as Excel shows them)
MAX_BLANK_ROWS = 1000
MAX_ENTRIES = 1000
#: a part larger than this expanding more than MAX_RATIO times its compressed size is refused
MAX_RATIO, RATIO_FLOOR = 100, 1 << 20
#: parts parsed whole (workbook, relationships, styles) must be smaller than this
MAX_SMALL_PART = 16 << 20
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
_CHUNK = 1 << 16
_DAMAGED = "not a valid Excel workbook"
_NO_HEADER = "the header must be in row 1 of the sheet, which is empty"


def _local(name: str) -> str:
    """``{namespace}tag`` (ElementTree) or ``namespace tag`` (expat) → ``tag``."""
    return name.rpartition("}")[2].rpartition(" ")[2]


def column_index(letters: str) -> int:
    """``A`` → 1, ``XFD`` → 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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


# --- the zip and its small parts -------------------------------------------------------------


class _Package:
    """The workbook's zip: parts by name, each checked before it is unpacked."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise UnreadableFile(f"{_DAMAGED}: it holds {len(infos)} parts")
        self.parts = {i.filename: i for i in infos}

    def info(self, name: str) -> zipfile.ZipInfo:
        info = self.parts.get(name)
        if info is None:
            raise UnreadableFile(f"{_DAMAGED}: a part it refers to is missing")
        if info.flag_bits & 0x1:
            raise UnreadableFile("the workbook is encrypted; save it without a password")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableFile(
                f"{_DAMAGED}: a part expands more than {MAX_RATIO} times its compressed size (a possible zip bomb)"
            )
        return info

    def xml(self, name: str) -> Element:
        """A small part, parsed whole (no DTD, no entities)."""
        info = self.info(name)
        if info.file_size > MAX_SMALL_PART:
            raise UnreadableFile(f"{_DAMAGED}: a part that should be small is {info.file_size:,} bytes")
        return fromstring(self.zf.read(info), forbid_dtd=True)

    def stream(self, name: str, parser: Any) -> None:
        """Feed a part to an expat parser chunk by chunk (never more than it declares)."""
        info = self.info(name)
        left = info.file_size
        with self.zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                left -= len(chunk)
                if left < 0:
                    raise UnreadableFile(f"{_DAMAGED}: a part is larger than it declares")
                parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id → (type, part name) of ``part``'s relationships."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in self.parts:
            return {}
        out = {}
        for rel in self.xml(rels):
            if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            out[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
        return out


def _of_type(rels: dict[str, tuple[str, str]], kind: str) -> str | None:
    return next((path for t, path in rels.values() if t.endswith("/" + kind)), None)


def _parser(start: Callable, end: Callable, chars: Callable) -> Any:
    """An expat parser refusing DTDs and entities (billion laughs, external entities)."""
    p = expat.ParserCreate(namespace_separator=" ")
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def forbid(*_: Any) -> None:
        raise UnreadableFile(f"{_DAMAGED}: its XML declares a document type or entities")

    p.StartDoctypeDeclHandler = forbid
    p.EntityDeclHandler = forbid
    p.buffer_text = True
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
    return p


def _shared_strings(pkg: _Package, part: str | None) -> list[str]:
    """The shared string table (text of ``t`` elements, phonetic runs left out, as openpyxl)."""
    if part is None:
        return []
    strings: list[str] = []
    state: dict[str, Any] = {"parts": None, "rph": 0}

    def start(name: str, attrs: dict) -> None:
        tag = _local(name)
        if tag == "si":
            state["si"] = []
        elif tag == "rPh":
            state["rph"] += 1
        elif tag == "t" and not state["rph"] and "si" in state:
            state["parts"] = state["si"]

    def end(name: str) -> None:
        tag = _local(name)
        if tag == "t":
            state["parts"] = None
        elif tag == "rPh":
            state["rph"] -= 1
        elif tag == "si":
            strings.append("".join(state.pop("si")).replace("x005F_", ""))

    def chars(data: str) -> None:
        if state["parts"] is not None:
            state["parts"].append(data)

    pkg.stream(part, _parser(start, end, chars))
    return strings


def _date_styles(pkg: _Package, part: str | None) -> tuple[set[int], set[int]]:
    """Cell style indexes whose number format is a date, and a duration (openpyxl's rules)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    if part is None:
        return set(), set()
    root = pkg.xml(part)
    custom: dict[int, str] = {}
    xfs: list[int] = []
    for child in root:
        tag = _local(child.tag)
        if tag == "numFmts":
            custom.update({int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in child})
        elif tag == "cellXfs":
            xfs = [int(xf.get("numFmtId", "0")) for xf in child]
    formats = [custom.get(i, BUILTIN_FORMATS.get(i)) for i in xfs]
    return (
        {i for i, f in enumerate(formats) if is_date_format(f)},
        {i for i, f in enumerate(formats) if is_timedelta_format(f)},
    )


# --- a sheet ---------------------------------------------------------------------------------


class _Stop(Exception):
    """The sheet's data has been read: stop parsing (what follows is formatting)."""


class _Sheet:
    """expat handlers reading one sheet's cells into columns of text."""

    def __init__(self, strings: list[str], dates: set[int], durations: set[int], epoch: dt.datetime) -> None:
        self.strings, self.dates, self.durations, self.epoch = strings, dates, durations, epoch
        self.in_data = False
        self.row = 0  # Excel row number of the current row
        self.col = 0  # column (1 = A) of the current cell
        self.cells: dict[int, str] = {}
        self.kind, self.style = "n", 0
        self.v: list[str] | None = None
        self.inline: list[str] | None = None
        self.collect: list[str] | None = None
        self.phonetic = 0
        self.header: list[str] | None = None
        self.columns: list[list[str | None]] = []
        self.last_data_row = 1
        self.blank_rows = 0

    # expat callbacks
    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if not self.in_data:
            self.in_data = tag == "sheetData"
        elif tag == "c":
            self._start_cell(attrs)
        elif tag == "v":
            self.collect = self.v = []
        elif tag == "is":
            self.inline = []
        elif tag == "t" and self.inline is not None and not self.phonetic:
            self.collect = self.inline
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "row":
            self._start_row(attrs.get("r"))

    def end(self, name: str) -> None:
        if not self.in_data:
            return
        tag = _local(name)
        if tag in ("v", "t"):
            self.collect = None
        elif tag == "c":
            self._end_cell()
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "row":
            self._end_row()
        elif tag == "sheetData":
            raise _Stop

    def chars(self, data: str) -> None:
        if self.collect is not None:
            self.collect.append(data)

    # rows and cells
    def _start_row(self, r: str | None) -> None:
        row = self.row + 1 if r is None else _whole(r, "a row number")
        if row <= self.row or row > EXCEL_ROWS:
            raise UnreadableFile(f"{_DAMAGED}: its rows are out of order or beyond Excel's last row (row {row})")
        self.row, self.col, self.cells = row, 0, {}

    def _start_cell(self, attrs: dict[str, str]) -> None:
        ref = attrs.get("r")
        if ref is None:
            col = self.col + 1
        else:
            letters = ref.rstrip("0123456789")
            if not (letters.isascii() and letters.isalpha() and len(letters) <= 3):
                raise UnreadableFile(f"{_DAMAGED}: a cell reference in row {self.row} is malformed")
            col = column_index(letters)
        if col <= self.col or col > EXCEL_COLUMNS:
            raise UnreadableFile(f"{_DAMAGED}: cells out of order or beyond column XFD in row {self.row}")
        self.col = col
        self.kind = attrs.get("t", "n")
        style = attrs.get("s")
        self.style = _whole(style, "a style number") if style else 0
        self.v = self.inline = self.collect = None

    def _end_cell(self) -> None:
        text = _text(self._value())
        self.v = self.inline = self.collect = None
        if text is None or not text.strip():
            return
        if self.header is not None and self.col > len(self.header):
            if not self.header:
                raise UnreadableFile(_NO_HEADER)
            raise UnreadableFile(
                f"cell {self._ref()} holds a value right of the header, which ends at column "
                f"{column_letters(len(self.header))}",
                self.row - 1 or None,
            )
        self.cells[self.col] = text

    def _end_row(self) -> None:
        if self.header is None:  # the first row: the header if it is row 1
            self._set_header(self.cells if self.row == 1 else {})
            if self.row == 1:
                return
        if not self.cells:
            return
        if not self.header:
            raise UnreadableFile(_NO_HEADER)
        gap = self.row - self.last_data_row - 1
        if gap:
            self.blank_rows += gap
            if self.blank_rows > MAX_BLANK_ROWS:
                raise UnreadableFile(
                    f"more than {MAX_BLANK_ROWS:,} empty rows inside the data (rows "
                    f"{self.last_data_row + 1:,} to {self.row - 1:,} are empty and data follows in row {self.row:,})",
                    self.row - 1 or None,
                )
            for column in self.columns:
                column.extend([None] * gap)
        cells = self.cells
        for i, column in enumerate(self.columns, 1):
            column.append(cells.get(i))
        self.last_data_row = self.row

    def _set_header(self, names: dict[int, str]) -> None:
        width = max((c for c, n in names.items() if n.strip()), default=0)
        if width > MAX_COLUMNS:
            raise UnreadableFile(
                f"the header reaches column {column_letters(width)}: a sheet may have at most {MAX_COLUMNS} columns"
            )
        self.header = [names.get(c, "").strip() for c in range(1, width + 1)]
        self.columns = [[] for _ in self.header]

    def _ref(self) -> str:
        return f"{column_letters(self.col)}{self.row}"

    def _value(self) -> Any:
        """The cell's value as openpyxl reads it (``data_only``: a formula's cached value)."""
        kind = self.kind
        if kind == "inlineStr":
            return None if self.inline is None else "".join(self.inline)
        raw = "".join(self.v) if self.v else None
        if not raw:
            return None
        try:
            if kind == "n":
                number = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
                if isinstance(number, float) and not math.isfinite(number):
                    raise ValueError
                if self.style in self.dates:
                    return _excel_date(number, self.epoch, self.style in self.durations)
                return number
            if kind == "s":
                return self.strings[int(raw)]
            if kind == "b":
                return bool(int(raw))
            if kind == "d":
                from openpyxl.utils.datetime import from_ISO8601

                return from_ISO8601(raw)
        except (ValueError, IndexError, OverflowError):
            what = {"s": "a shared text that does not exist", "d": "an invalid date"}.get(kind, "an invalid number")
            msg = f"cell {self._ref()} holds {what} (the file is damaged)"
            raise UnreadableFile(msg, self.row - 1 or None) from None
        return raw  # str, e (an error such as #N/A) and unknown kinds: the text as written

    def table(self) -> CsvTable:
        if not self.header:
            raise UnreadableFile("the sheet is empty: it needs a header row (in row 1)")
        dupes = repeated([n for n in self.header if n])
        if dupes:
            raise UnreadableFile(f"the header repeats column(s): {', '.join(dupes)}")
        table = pa.table({f"__c{i}": pa.array(col, pa.string()) for i, col in enumerate(self.columns)})
        return CsvTable(header=self.header, table=clean(table).rename_columns(self.header))


def _whole(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UnreadableFile(f"{_DAMAGED}: {what} is not a whole number") from None


def _excel_date(number: float, epoch: dt.datetime, duration: bool) -> Any:
    from openpyxl.utils.datetime import from_excel

    try:
        return from_excel(number, epoch, timedelta=duration)
    except (OverflowError, ValueError):
        return "#VALUE!"  # openpyxl's reading of a date cell outside Excel's dates (R02 names it)


def _read_sheet(pkg: _Package, part: str, **kw: Any) -> CsvTable:
    sheet = _Sheet(**kw)
    try:
        pkg.stream(part, _parser(sheet.start, sheet.end, sheet.chars))
    except _Stop:
        pass
    except expat.ExpatError:
        raise UnreadableFile(f"{_DAMAGED}: the sheet's XML is damaged", sheet.row - 1 or None) from None
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise UnreadableFile(f"{_DAMAGED}: the sheet's compressed data is damaged") from None
    return sheet.table()


@unreadable_on_error
def read_workbook(path: Path, sheets: list[str] | None = None) -> dict[str, CsvTable]:
    """The sheets of the workbook at ``path`` by name (only ``sheets`` when given: sheets not
    asked for are never parsed); ``UnreadableFile`` if it is not a readable workbook."""
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UnreadableFile(
            f"{_DAMAGED} (.xlsx): it is not a zip archive — an old .xls file or a password-protected workbook?"
        ) from None
    with zf:
        pkg = _Package(zf)
        book = _of_type(pkg.relationships(""), "officeDocument") or "xl/workbook.xml"
        root = pkg.xml(book)
        rels = pkg.relationships(book)
        epoch = WINDOWS_EPOCH
        parts: dict[str, str] = {}
        for child in root:
            tag = _local(child.tag)
            if tag == "workbookPr" and child.get("date1904", "").lower() in ("1", "true"):
                epoch = MAC_EPOCH
            elif tag == "sheets":
                for sheet in child:
                    rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id" and k.startswith("{")), "")
                    if sheet.get("name") is not None and rid in rels:
                        parts[sheet.get("name", "")] = rels[rid][1]
        wanted = [s for s in (sheets if sheets is not None else parts) if s in parts]
        if not wanted:
            return {}
        strings = _shared_strings(pkg, _of_type(rels, "sharedStrings"))
        dates, durations = _date_styles(pkg, _of_type(rels, "styles"))
        out = {}
        for name in dict.fromkeys(wanted):
            try:
                out[name] = _read_sheet(
                    pkg, parts[name], strings=strings, dates=dates, durations=durations, epoch=epoch
                )
            except UnreadableFile as exc:
                raise UnreadableFile(f"sheet {name!r}: {exc}", exc.row) from None
        return out
