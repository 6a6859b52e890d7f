"""Hypothesis strategies that damage real submissions the way the world does: byte flips,
truncation, NUL/CR/quote insertions, re-encodings, line-end changes, damaged workbook parts and
cells, deep and mistyped manifest JSON. Each draws a description (shown when a case fails) and
returns the damaged bytes."""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable

from hypothesis import strategies as st

Mutate = Callable[[bytes], bytes]

INSERTS = [b"\x00", b"\r", b"\n", b"\r\n", b'"', b",", b"|", b"\xff", b"\xe9", b"\xc3", b"\xef\xbb\xbf", b"\t", b" "]
ENCODINGS = ["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "utf-8-sig", "cp437"]


def _at(data: bytes, fraction: float) -> int:
    return min(int(fraction * len(data)), len(data))


@st.composite
def byte_damage(draw) -> tuple[str, Mutate]:
    """Damage anywhere in a file's bytes."""
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "line", "ends", "encode", "quote"]))
    f = draw(st.floats(0, 1))
    if kind == "flip":
        flips = draw(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=4))

        def flip(data: bytes) -> bytes:
            out = bytearray(data)
            for g, b in flips:
                if out:
                    out[min(int(g * len(out)), len(out) - 1)] = b
            return bytes(out)

        return f"flip {flips}", flip
    if kind == "truncate":
        return f"truncate at {f:.3f}", lambda d: d[: _at(d, f)]
    if kind == "insert":
        what = draw(st.one_of(st.sampled_from(INSERTS), st.binary(min_size=1, max_size=8)))
        return f"insert {what!r} at {f:.3f}", lambda d: d[: _at(d, f)] + what + d[_at(d, f) :]
    if kind == "delete":
        n = draw(st.integers(1, 64))
        return f"delete {n} bytes at {f:.3f}", lambda d: d[: _at(d, f)] + d[_at(d, f) + n :]
    if kind == "line":
        op = draw(st.sampled_from(["drop", "duplicate", "blank", "swap"]))

        def line(data: bytes) -> bytes:
            lines = data.split(b"\n")
            i = min(int(f * len(lines)), len(lines) - 1)
            if op == "drop":
                del lines[i]
            elif op == "duplicate":
                lines.insert(i, lines[i])
            elif op == "blank":
                lines.insert(i, b"")
            elif i + 1 < len(lines):
                lines[i], lines[i + 1] = lines[i + 1], lines[i]
            return b"\n".join(lines)

        return f"{op} line at {f:.3f}", line
    if kind == "ends":
        op = draw(st.sampled_from(["crlf", "cr", "some-cr", "no-final", "trailing-blank"]))

        def ends(data: bytes) -> bytes:
            if op == "crlf":
                return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            if op == "cr":
                return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
            if op == "some-cr":
                head, tail = data[: _at(data, f)], data[_at(data, f) :]
                return head + tail.replace(b"\n", b"\r", 2)
            if op == "no-final":
                return data.rstrip(b"\r\n")
            return data + b"\n\n"

        return f"line ends {op}", ends
    if kind == "encode":
        source = draw(st.sampled_from(["utf-8", "cp1252"]))
        target = draw(st.sampled_from(ENCODINGS))
        return f"re-encode {source} → {target}", lambda d: d.decode(source, "replace").encode(target, "replace")
    n = draw(st.integers(1, 3))
    return f"{n} quote(s) at {f:.3f}", lambda d: d[: _at(d, f)] + b'"' * n + d[_at(d, f) :]


# --- workbooks ----------------------------------------------------------------------------------

VALUES = ["NaN", "nan", "inf", "-inf", "1e999", "9" * 5000, "", "abc", "1.5", "-0", "1e-999", "0x10", "1_000"]
REFS = ["XFD{r}", "A1048576", "A0", "ZZZZ{r}", "", "1A", "B{r}B", "AAA{r}", "A{r}"]
KINDS = ["s", "b", "d", "e", "str", "n", "inlineStr", "bogus"]


#: what opening a workbook an earlier step already broke raises (that step's damage then stands)
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OSError, IndexError)


def _members(data: bytes) -> dict[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    return {i.filename: zf.read(i) for i in zf.infolist()}


def _or_unchanged(mutate: Mutate) -> Mutate:
    def safe(data: bytes) -> bytes:
        try:
            return mutate(data)
        except _BROKEN:
            return data

    return safe


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


def _nth(pattern: bytes, data: bytes, f: float) -> re.Match | None:
    found = list(re.finditer(pattern, data))
    return found[min(int(f * len(found)), len(found) - 1)] if found else None


@st.composite
def workbook_damage(draw) -> tuple[str, Mutate]:
    """Damage inside an xlsx: a part's XML bytes, a cell's value, reference or type, rows far
    away, a dropped or compressed-corrupt part, or the zip's own bytes."""
    kind = draw(st.sampled_from(["part", "value", "ref", "type", "far", "drop", "deflate", "zip", "dtd"]))
    f = draw(st.floats(0, 1))
    g = draw(st.floats(0, 1))
    if kind == "zip":
        what, mutate = draw(byte_damage())
        return f"zip bytes: {what}", mutate
    if kind == "deflate":
        flips = draw(st.lists(st.integers(0, 255), min_size=1, max_size=8))

        def deflate(data: bytes) -> bytes:
            zf = zipfile.ZipFile(io.BytesIO(data))
            info = zf.infolist()[min(int(f * len(zf.infolist())), len(zf.infolist()) - 1)]
            start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            out = bytearray(data)
            for i, b in enumerate(flips):
                pos = start + int(g * max(info.compress_size - len(flips), 0)) + i
                if pos < start + info.compress_size:
                    out[pos] = b
            return bytes(out)

        return f"deflate data of part {f:.2f} damaged at {g:.2f}: {flips}", _or_unchanged(deflate)

    def on_member(edit: Callable[[bytes], bytes], sheets_only: bool = True) -> Mutate:
        def apply(data: bytes) -> bytes:
            members = _members(data)
            names = [n for n in members if n.startswith("xl/worksheets/") or not sheets_only]
            name = names[min(int(f * len(names)), len(names) - 1)]
            if kind == "drop":
                del members[name]
            else:
                members[name] = edit(members[name])
            return _zip(members)

        return _or_unchanged(apply)

    if kind == "part":
        what, mutate = draw(byte_damage())
        any_part = draw(st.booleans())
        return f"{'any' if any_part else 'sheet'} part {f:.2f}: {what}", on_member(mutate, sheets_only=not any_part)
    if kind == "drop":
        return f"drop part {f:.2f}", on_member(lambda b: b, sheets_only=draw(st.booleans()))
    if kind == "dtd":
        dtd = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        return "a DTD with entities", on_member(lambda x: dtd + x[x.find(b"<worksheet") :])
    if kind == "value":
        value = draw(st.sampled_from(VALUES)).encode()

        def value_edit(x: bytes) -> bytes:
            m = _nth(rb"<v>[^<]*</v>", x, g)
            return x if m is None else x[: m.start()] + b"<v>" + value + b"</v>" + x[m.end() :]

        return f"cell value {g:.2f} of sheet {f:.2f} → {value[:20]!r}", on_member(value_edit)
    if kind == "ref":
        ref = draw(st.sampled_from(REFS))

        def ref_edit(x: bytes) -> bytes:
            m = _nth(rb'<c r="[A-Z]+([0-9]+)"', x, g)
            if m is None:
                return x
            new = ref.format(r=m.group(1).decode()).encode()
            return x[: m.start()] + b'<c r="' + new + b'"' + x[m.end() :]

        return f"cell ref {g:.2f} of sheet {f:.2f} → {ref!r}", on_member(ref_edit)
    if kind == "type":
        t = draw(st.sampled_from(KINDS)).encode()

        def type_edit(x: bytes) -> bytes:
            m = _nth(rb' t="[a-zA-Z]+"', x, g)
            return x if m is None else x[: m.start()] + b' t="' + t + b'"' + x[m.end() :]

        return f"cell type {g:.2f} of sheet {f:.2f} → {t!r}", on_member(type_edit)
    row = draw(st.sampled_from([1_048_576, 1_048_577, 5000, 3]))
    col = draw(st.sampled_from(["A", "XFD", "IW", "K"]))
    cell = f'<row r="{row}"><c r="{col}{row}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    far = on_member(lambda x: x.replace(b"</sheetData>", cell + b"</sheetData>"))
    return f"a cell at {col}{row} in sheet {f:.2f}", far


# --- manifests ----------------------------------------------------------------------------------

KEYS = ["spec_version", "trust_ods_code", "period", "format", "generated_at", "files"]
#: odd JSON values, as JSON text (a 5,000-digit number cannot pass through Python's int → str)
ODD = [
    "[]",
    "{}",
    '["regional-v1"]',
    '{"a": 1}',
    "0",
    "-1",
    "1.5",
    "null",
    "true",
    "1" + "0" * 5000,
    "1e400",
    '""',
    '"0000-01"',
    '"9999-12"',
    '"2026-00"',
    '"\\u0662\\u0660\\u0662\\u0666-\\u0660\\u0669"',
    '"2026-09\\n"',
    '"' + "x" * 100_000 + '"',
    "NaN",
    "Infinity",
]
_SLOT = "\u0000slot\u0000"


@st.composite
def manifest_damage(draw) -> tuple[str, Mutate]:
    """Deep, mistyped or huge JSON in the manifest (its shape, not just its bytes)."""
    kind = draw(st.sampled_from(["deep", "key", "entry", "field", "bytes"]))
    if kind == "bytes":
        what, mutate = draw(byte_damage())
        return f"manifest bytes: {what}", mutate
    key = draw(st.sampled_from(KEYS))
    value = draw(st.sampled_from(ODD))
    depth = draw(st.sampled_from([10, 999, 1_001, 5_000, 100_000]))
    field = draw(st.sampled_from(["sha256", "rows"]))
    f = draw(st.floats(0, 1))
    if kind == "deep":
        value = "[" * depth + "]" * depth

    def mutate(data: bytes) -> bytes:
        try:
            m = json.loads(data)
        except (ValueError, RecursionError):  # an earlier step broke the JSON: that damage stands
            return data
        if not isinstance(m, dict):
            return data
        files = m.get("files")
        if kind in ("deep", "key") or not isinstance(files, dict) or not files:
            m[key] = _SLOT
        else:
            name = list(files)[min(int(f * len(files)), len(files) - 1)]
            if kind == "field" and isinstance(files[name], dict):
                files[name][field] = _SLOT
            else:
                files[name] = _SLOT
        return json.dumps(m).replace(json.dumps(_SLOT), value).encode()

    what = {"deep": f"{key} nested {depth} deep", "key": f"{key} = {value[:30]}"}.get(
        kind, f"files entry {f:.2f}{'' if kind == 'entry' else '.' + field} = {value[:30]}"
    )
    return what, mutate
