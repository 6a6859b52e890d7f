"""Hostile and damaged files give F05 findings naming where the fault is, never a traceback
(issue 14 item 6): line ends, encodings, NUL bytes, unreadable files, damaged and oversized
workbooks."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from spasticity_pipeline.extract.dialect import load_dialect
from spasticity_pipeline.extract.encode import convert_submission
from spasticity_pipeline.extract.read import UnreadableFile, read_csv_bytes
from spasticity_pipeline.extract.xlsx import MAX_BLANK_ROWS, _text, read_workbook
from spasticity_pipeline.validate import validate_submission

from .conftest import write_submission
from .hostile import edit_member, minimal_xlsx, restamp, sheet_parts

XLSX = "spasticity_extract.xlsx"


def e1(result) -> list[tuple]:
    return [(f["rule_id"], f["file"], f["row_number"]) for f in result.findings.to_pylist() if f["severity"] == "E1"]


def message(result) -> str:
    [finding] = result.findings.to_pylist()
    return finding["message"]


@pytest.fixture
def sub(tmp_path, base) -> Path:
    return write_submission(tmp_path / "sub", base)


def _mutate(folder: Path, name: str, mutate) -> None:
    restamp(folder, name, mutate((folder / name).read_bytes()))


# --- CSV: line ends, encodings, NUL ---------------------------------------------------------


def test_cr_only_line_ends_are_f05(sub, ctx):
    _mutate(sub, "contacts.csv", lambda b: b.replace(b"\n", b"\r"))
    result = validate_submission(sub, ctx)
    assert e1(result) == [("F05", "contacts.csv", None)]
    assert "carriage return alone" in message(result) and "in the header" in message(result)


def test_a_lone_cr_inside_the_data_is_f05_with_its_row(sub, ctx):
    # contacts.csv: header, then six rows; the lone CR ends data row 3
    lines = (sub / "contacts.csv").read_bytes().split(b"\n")
    restamp(sub, "contacts.csv", b"\n".join(lines[:4]) + b"\r" + b"\n".join(lines[4:]))
    result = validate_submission(sub, ctx)
    assert e1(result) == [("F05", "contacts.csv", 3)]
    assert "in data row 3" in message(result)


def test_a_lone_cr_in_the_header_is_f05(sub, ctx):
    _mutate(sub, "contacts.csv", lambda b: b.replace(b"contact_id,", b"contact_id\r,", 1))
    assert e1(validate_submission(sub, ctx)) == [("F05", "contacts.csv", None)]


def test_crlf_files_and_a_cr_inside_a_quoted_value_are_fine(sub, ctx):
    _mutate(sub, "injections.csv", lambda b: b.replace(b"\n", b"\r\n").replace(b"biceps brachii", b'"biceps\rbrachii"'))
    result = validate_submission(sub, ctx)
    assert result.status == "accepted", e1(result)
    muscles = result.files["injections.csv"].loaded.column("muscle").to_pylist()
    assert "biceps\rbrachii" in muscles


def test_a_quoted_line_break_in_the_header_is_read_as_part_of_the_name(sub, ctx):
    # the header's record is read by the same parser as the data: no row is lost or gained
    _mutate(sub, "contacts.csv", lambda b: b.replace(b"contact_id,", b'"contact\r\n_id",', 1))
    assert e1(validate_submission(sub, ctx)) == [("F06", "contacts.csv", None)]


@pytest.mark.parametrize("where", ["value", "header", "end"])
def test_a_nul_byte_anywhere_is_f05(sub, ctx, where):
    def mutate(b: bytes) -> bytes:
        if where == "value":
            return b.replace(b"attended", b"atten\x00ded", 1)  # data row 1
        if where == "header":
            return b.replace(b"contact_id", b"contact_id\x00", 1)
        return b + b"\x00"

    _mutate(sub, "contacts.csv", mutate)
    result = validate_submission(sub, ctx)
    assert result.rejected
    assert [(f[0], f[1]) for f in e1(result)] == [("F05", "contacts.csv")]
    assert "NUL byte" in message(result)
    # a NUL after the last line is where a seventh record would start
    assert e1(result)[0][2] == {"value": 1, "header": None, "end": 7}[where]


def test_not_utf8_names_the_row(sub, ctx):
    _mutate(sub, "contacts.csv", lambda b: b.replace(b"C1b,", b"C1\xe9b,", 1))
    result = validate_submission(sub, ctx)
    row = e1(result)[0][2]
    lines = (sub / "contacts.csv").read_bytes().split(b"\n")
    assert row is not None and b"\xe9" in lines[row]
    assert f"in data row {row}" in message(result)


def test_utf16_is_named(sub, ctx):
    _mutate(sub, "goals.csv", lambda b: b.decode().encode("utf-16"))
    result = validate_submission(sub, ctx)
    assert e1(result) == [("F05", "goals.csv", None)]
    assert "UTF-16" in message(result)


def _insert_line(data: bytes, at: int, line: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join([*lines[:at], line, *lines[at:]])


@pytest.mark.parametrize(
    ("mutate", "row", "words"),
    [
        (lambda b: b.replace(b",RDR\n", b",RDR,X\n", 2), 1, "data row 1 has 9 fields but the header has 8"),
        (lambda b: _insert_line(b, 3, b"C9,R1"), 3, "data row 3 has 2 fields but the header has 8"),
        (lambda b: _insert_line(b, 2, b""), 2, "blank line (data row 2)"),
    ],
)
def test_ragged_records_and_blank_lines_name_the_row(sub, ctx, mutate, row, words):
    _mutate(sub, "contacts.csv", mutate)
    result = validate_submission(sub, ctx)
    assert e1(result) == [("F05", "contacts.csv", row)]
    assert words in message(result)


def test_an_unreadable_file_is_f05(sub, ctx, monkeypatch):
    real_open = Path.open

    def guarded(self, *args, **kwargs):
        if self.name == "goals.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)
    result = validate_submission(sub, ctx)
    assert e1(result) == [("F05", "goals.csv", None)]
    assert "permission denied" in message(result)


def test_messages_never_quote_the_file(sub, ctx):
    nhs = b"4010232137"
    _mutate(sub, "patients.csv", lambda b: b.replace(nhs, nhs + b",extra", 1))
    result = validate_submission(sub, ctx)
    assert e1(result)[0][0] == "F05" and nhs.decode() not in message(result)


def test_cp1252_dialect_faults_are_f05(tmp_path, base, ctx):
    canonical = write_submission(tmp_path / "c", base, trust="RYR")
    folder = convert_submission(canonical, tmp_path / "d", load_dialect("ryr-careflow-epr"))
    name = "SPAS_APPOINTMENTS.TXT"
    for mutate, words in [
        (lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r"), "carriage return"),
        (lambda b: b.replace(b"|", b"|\x00", 1), "NUL byte"),
        (lambda b: b.replace(b"|", b"|\x81", 1), "not cp1252"),  # a byte cp1252 leaves undefined
    ]:
        good = (folder / name).read_bytes()
        _mutate(folder, name, mutate)
        result = validate_submission(folder, ctx)
        assert e1(result) == [("F05", name, None)] and words in message(result)
        restamp(folder, name, good)
    assert not validate_submission(folder, ctx).rejected


# --- workbooks ------------------------------------------------------------------------------


@pytest.fixture
def ryy(tmp_path, base) -> Path:
    canonical = write_submission(tmp_path / "c", base, trust="RYY")
    return convert_submission(canonical, tmp_path / "ryy", load_dialect("ryy-community-xlsx"))


def _edit_sheet(folder: Path, sheet: str, edit, *, raw: bool = False) -> None:
    data = (folder / XLSX).read_bytes()
    restamp(folder, XLSX, edit_member(data, sheet_parts(data)[sheet], edit, raw=raw))


def _goals_f05(folder: Path, ctx) -> tuple[int | None, str]:
    result = validate_submission(folder, ctx)
    [(rule, file, row)] = e1(result)
    assert (rule, file) == ("F05", XLSX)
    return row, message(result)


def test_damaged_sheet_xml_is_f05(ryy, ctx):
    _edit_sheet(ryy, "Goals", lambda x: x[: len(x) // 2])
    _, words = _goals_f05(ryy, ctx)
    assert "sheet 'Goals'" in words and "XML is damaged" in words


def test_corrupt_deflate_data_is_f05(ryy, ctx):
    _edit_sheet(ryy, "Goals", lambda z: z[:20] + bytes(b ^ 0x55 for b in z[20:60]) + z[60:], raw=True)
    _, words = _goals_f05(ryy, ctx)
    assert "damaged" in words


def test_a_header_naming_a_column_twice_is_f05(ryy, ctx):
    _edit_sheet(ryy, "Goals", lambda x: x.replace(b"<t>Baseline</t>", b"<t>Goal ID</t>", 1))
    row, words = _goals_f05(ryy, ctx)
    assert row is None and "repeats column(s): Goal ID" in words


def test_a_nan_number_is_f05_naming_the_cell(ryy, ctx):
    _edit_sheet(ryy, "Goals", lambda x: x.replace(b"<v>-1</v>", b"<v>NaN</v>", 1))
    row, words = _goals_f05(ryy, ctx)
    assert row == 1 and "cell H2 holds an invalid number" in words


def test_a_value_right_of_the_header_is_f05_naming_the_cell(ryy, ctx):
    extra = b'<c r="M3" t="inlineStr"><is><t>x</t></is></c>'
    _edit_sheet(ryy, "Goals", lambda x: re.sub(rb'(<row r="3">.*?)</row>', rb"\1" + extra + b"</row>", x, count=1))
    row, words = _goals_f05(ryy, ctx)
    assert row == 2 and "cell M3 holds a value right of the header, which ends at column J" in words


def test_dtd_and_entities_are_refused(ryy, ctx):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    _edit_sheet(ryy, "Goals", lambda x: bomb + x[x.index(b"<worksheet") :])
    _, words = _goals_f05(ryy, ctx)
    assert "document type or entities" in words


def test_a_zip_bomb_part_is_refused_unopened(ryy, ctx):
    _edit_sheet(ryy, "Goals", lambda x: x.replace(b"</worksheet>", b"<!--" + b"a" * (8 << 20) + b"--></worksheet>"))
    _, words = _goals_f05(ryy, ctx)
    assert "zip bomb" in words


def test_sheets_the_dialect_does_not_read_are_not_opened(ryy, ctx):
    path = ryy / XLSX
    wb = load_workbook(path)
    wb.create_sheet("Notes")["A1"] = "anything"
    wb.save(path)
    data = edit_member(path.read_bytes(), sheet_parts(path.read_bytes())["Notes"], lambda x: x[:40])
    restamp(ryy, XLSX, data)
    assert not validate_submission(ryy, ctx).rejected


def _sheet_with(tmp_path: Path, cells: dict[tuple[int, int], object]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Goals"
    for (row, col), value in cells.items():
        ws.cell(row=row, column=col, value=value)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def test_a_cell_at_xfd_and_at_the_last_row_is_f05_in_bounded_memory(tmp_path):
    header = {(1, c): f"H{c}" for c in range(1, 10)}
    for cells, words in [
        ({**header, (2, 1): "a", (2, 16384): "far right"}, "cell XFD2 holds a value right of the header"),
        ({**header, (2, 1): "a", (1_048_576, 1): "far down"}, f"more than {MAX_BLANK_ROWS:,} empty rows"),
        ({(1, 1): "ID", (1, 16384): "far"}, "the header reaches column XFD"),
    ]:
        path = _sheet_with(tmp_path, cells)
        tracemalloc.start()
        with pytest.raises(UnreadableFile, match=words):
            read_workbook(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 20 << 20, f"{words}: {peak:,} bytes"


def test_short_gaps_inside_a_sheet_stay_empty_rows_and_trailing_ones_go(tmp_path):
    cells = {(1, 1): "ID", (1, 2): "Name", (2, 1): "a", (5, 2): "b", (9, 1): "  "}
    sheet = read_workbook(_sheet_with(tmp_path, cells))["Goals"]
    assert sheet.header == ["ID", "Name"]
    assert sheet.table.to_pydict() == {"ID": ["a", None, None, None], "Name": [None, None, None, "b"]}


def test_an_empty_first_row_is_f05(tmp_path):
    with pytest.raises(UnreadableFile, match="header must be in row 1"):
        read_workbook(_sheet_with(tmp_path, {(2, 1): "ID", (3, 1): "x"}))
    with pytest.raises(UnreadableFile, match="sheet is empty"):
        read_workbook(_sheet_with(tmp_path, {}))


def test_not_a_zip_and_a_missing_part_are_f05(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnreadableFile, match="not a zip archive"):
        read_workbook(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    path.write_bytes(buf.getvalue())
    with pytest.raises(UnreadableFile, match="missing"):
        read_workbook(path)


def _openpyxl_values(path: Path) -> dict[str, list[list[str | None]]]:
    """What the reader gave before it was rewritten: openpyxl's streaming reader, then text."""
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_values_are_read_as_openpyxl_reads_them(tmp_path, epoch_1904):
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = Workbook()
    if epoch_1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Mixed"
    values = [
        "text",
        "  padded  ",
        42,
        -7,
        50.5,
        1.0,
        1e20,
        4865626050,
        True,
        False,
        dt.date(2026, 2, 28),
        dt.datetime(2026, 3, 1, 14, 30),
        dt.time(9, 15),
        dt.datetime(1900, 1, 15),
        CellRichText("rich ", TextBlock(InlineFont(b=True), "bold")),
        "=1+1",
    ]
    ws.append([f"col{i}" for i in range(len(values))])
    ws.append(values)
    ws.append([None, "gap"])
    ws.cell(row=3, column=5).number_format = "dd/mm/yyyy"  # a date style on an empty cell
    ws.cell(row=4, column=3, value=45000).number_format = "yyyy-mm-dd"  # a serial shown as a date
    ws.cell(row=4, column=4, value=1.5).number_format = "[h]:mm:ss"  # a duration
    path = tmp_path / "mixed.xlsx"
    wb.save(path)
    ours = {
        name: [t.header] + [list(r.values()) for r in t.table.to_pylist()] for name, t in read_workbook(path).items()
    }
    theirs = _openpyxl_values(path)
    width = len(values)
    expected = {
        name: [[(v.strip() or None) if isinstance(v, str) else v for v in (r + [None] * width)[:width]] for r in rows]
        for name, rows in theirs.items()
    }
    expected["Mixed"][0] = [h or "" for h in expected["Mixed"][0]]
    assert ours == expected
    assert ours["Mixed"][1][10:14] == ["2026-02-28", "2026-03-01 14:30:00", "09:15:00", "1900-01-15"]


def test_the_generated_workbooks_read_as_before(ryy):
    path = ryy / XLSX
    before = _openpyxl_values(path)
    for name, table in read_workbook(path).items():
        width = len(table.header)
        rows = [(r + [None] * width)[:width] for r in before[name] if any(v is not None and v.strip() for v in r)]
        assert [table.header] + [list(r.values()) for r in table.table.to_pylist()] == [
            [(v.strip() or None) if v is not None else None for v in r] if i else r for i, r in enumerate(rows)
        ], name
    manifest = json.loads((ryy / "manifest.json").read_text())
    assert {s: t.num_rows for s, t in read_workbook(path).items()} == manifest["files"][XLSX]["rows"]


def test_the_csv_reader_only_raises_unreadable_file():
    for raw in [b"a,b\n\x00", b"\xff\xfe\x00a", b'a,"b\n', b"a,b\r1,2", b"a,a\n1,2\n", b"", b"\n\na"]:
        with pytest.raises(UnreadableFile):
            read_csv_bytes(raw)


def _book(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "book.xlsx"
    path.write_bytes(data)
    return path


def test_a_shared_string_out_of_range_is_f05_naming_the_cell(tmp_path):
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    good = rows + '<row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    assert read_workbook(_book(tmp_path, minimal_xlsx(good, ["<t>ID</t>", "<t>Name</t>"])))["Sheet1"].num_rows == 1
    bad = rows + '<row r="2"><c r="A2" t="s"><v>2</v></c></row>'
    with pytest.raises(UnreadableFile, match="cell A2 holds a shared text that does not exist") as exc:
        read_workbook(_book(tmp_path, minimal_xlsx(bad, ["<t>ID</t>", "<t>Name</t>"])))
    assert exc.value.row == 1


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ('<c r="A2"><v>nan</v></c>', "cell A2 holds an invalid number"),
        ('<c r="A2"><v>1e999</v></c>', "cell A2 holds an invalid number"),
        ('<c r="A2"><v>' + "9" * 5000 + "</v></c>", "cell A2 holds an invalid number"),
        ('<c r="A2" t="b"><v>yes</v></c>', "cell A2 holds an invalid number"),
        ('<c r="A2" t="d"><v>someday</v></c>', "cell A2 holds an invalid date"),
        ('<c r="A2" s="x"><v>1</v></c>', "a style number is not a whole number"),
        ('<c r="A2"/><c r="A2"/>', "cells out of order"),
        ('<c r="AAAA2"/>', "cell reference in row 2 is malformed"),
    ],
)
def test_damaged_cells_are_f05(tmp_path, cell, words):
    data = minimal_xlsx(f'<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row><row r="2">{cell}</row>')
    with pytest.raises(UnreadableFile, match=words):
        read_workbook(_book(tmp_path, data))


def test_rows_out_of_order_are_f05(tmp_path):
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row>'
    for rows in ['<row r="3"><c r="A3"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>', '<row r="1"/>']:
        with pytest.raises(UnreadableFile, match="rows are out of order"):
            read_workbook(_book(tmp_path, minimal_xlsx(header + rows)))


def test_shared_strings_and_styles_are_read_as_openpyxl_reads_them(tmp_path):
    shared = [
        "<t>ID</t>",
        "<r><t>ri</t></r><r><t>ch</t></r>",
        '<t>base</t><rPh sb="0" eb="1"><t>phonetic</t></rPh>',
        "<t>a_x005F_b</t>",
    ]
    styles = (
        '<numFmts count="1"><numFmt numFmtId="170" formatCode="dd&quot;/&quot;mm&quot;/&quot;yyyy"/></numFmts>'
        '<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3">'
        + "".join(f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0"/>' for i in (0, 170, 14))
        + "</cellXfs>"
    )
    cells = (
        '<c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>2</v></c><c r="C2" t="s"><v>3</v></c>'
        '<c r="D2" s="1"><v>46000</v></c><c r="E2" s="2"><v>46000.5</v></c><c r="F2" s="1"><v>99999999</v></c>'
        '<c r="G2" t="e"><v>#N/A</v></c><c r="H2" t="str"><f>A1</f><v>ID</v></c>'
    )
    header = "".join(f'<c r="{c}1" t="inlineStr"><is><t>{c}</t></is></c>' for c in "ABCDEFGH")
    path = _book(tmp_path, minimal_xlsx(f'<row r="1">{header}</row><row r="2">{cells}</row>', shared, styles))
    table = read_workbook(path)["Sheet1"]
    assert [table.header, list(table.table.to_pylist()[0].values())] == _openpyxl_values(path)["Sheet1"]
    assert list(table.table.to_pylist()[0].values()) == [
        "rich",
        "base",
        "a_b",
        "2025-12-09",
        "2025-12-09 12:00:00",
        "#VALUE!",
        "#N/A",
        "ID",
    ]


def test_pyarrow_is_handed_only_memory_arrow_allocated(monkeypatch):
    """The exit-time abort (exit −6, "terminate called without an active exception"): pyarrow's
    read-ahead threads must never hold a Python object, which they would need the GIL to read or
    release while the interpreter exits (see ``read.arrow_owned``; the repetition check is
    ``python -m spasticity_pipeline_tests.bench.exit_abort``)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    handed: list[object] = []
    real_reader, real_read = pa.BufferReader, pacsv.read_csv

    def reader(buf):
        handed.append(buf)
        return real_reader(buf)

    def read(source, *args, **kwargs):
        handed.append(source)
        return real_read(source, *args, **kwargs)

    monkeypatch.setattr(pa, "BufferReader", reader)
    monkeypatch.setattr(pacsv, "read_csv", read)
    for raw in [b"a,b\n1,2\n3,4\n", b"a,b\n1,2\n3,4,5\n", b'a,b\n1,"x\n\ny"\n']:  # fine, ragged (F05), blank in quotes
        with contextlib.suppress(UnreadableFile):
            read_csv_bytes(raw)
    buffers = [h for h in handed if isinstance(h, pa.Buffer)]
    sources = [h for h in handed if not isinstance(h, pa.Buffer)]
    assert len(buffers) == len(sources) == 4  # the quoted blank line is parsed twice
    assert all(b.is_mutable for b in buffers)  # allocated by Arrow (a buffer over bytes is read-only)
    assert all(isinstance(s, real_reader) for s in sources)
