"""Making damaged and hostile submissions from good ones (the hostile-file tests and the fuzz test)."""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree


def restamp(folder: Path, name: str, data: bytes, rows: int | dict | None = None) -> None:
    """Write ``data`` as ``name`` and put its sha256 (and ``rows`` when given) in the manifest, so
    the checks after F04 run on it."""
    (folder / name).write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][name]["sha256"] = hashlib.sha256(data).hexdigest()
    if rows is not None:
        manifest["files"][name]["rows"] = rows
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def sheet_parts(xlsx: bytes) -> dict[str, str]:
    """Sheet name → its part in the zip (``xl/worksheets/sheetN.xml``)."""
    zf = zipfile.ZipFile(io.BytesIO(xlsx))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iterfind("m:sheets/m:sheet", ns):
        target = targets[sheet.get(rid)]
        out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return out


def edit_member(xlsx: bytes, member: str, edit: Callable[[bytes], bytes], *, raw: bool = False) -> bytes:
    """The workbook with one zip member rewritten (``raw``: ``edit`` gets and returns the member's
    compressed bytes, to damage the deflate stream itself)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, edit(body) if info.filename == member and not raw else body)
    data = out.getvalue()
    if not raw:
        return data
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    body = data[start : start + info.compress_size]
    damaged = edit(body)
    assert len(damaged) == len(body), "a raw edit keeps the compressed size"
    return data[:start] + damaged + data[start + info.compress_size :]


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SML}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SML}.sharedStrings+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_SML}.styles+xml"/></Types>'
)


def minimal_xlsx(sheet_data: str, shared: list[str] | None = None, styles: str = "") -> bytes:
    """A hand-made workbook of one sheet ``Sheet1`` holding ``sheet_data`` (the ``<row>``
    elements), with a shared string table (``<si>`` bodies) and cell formats when given."""
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/styles" Target="/xl/styles.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{_MAIN}">' + "".join(f"<si>{s}</si>" for s in shared or []) + "</sst>",
        "xl/styles.xml": f'<styleSheet xmlns="{_MAIN}">{styles}</styleSheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    return out.getvalue()
