"""Every finding of a submission as a CSV a trust data manager sorts and filters in Excel: one row
per finding, in the trust's own terms (its file and sheet, the data row, its column heading, the
Excel cell, the rule, the message and how to fix it). The one writer: ``spasticity validate
--findings-csv``, the portal and the feedback reports all use it.

Built column-wise in Arrow (a broken extract can have a finding on each of 100,000 rows). Messages
never hold identifiers (the validator's rule); text a spreadsheet would run as a formula is
neutralised; the file has a UTF-8 byte-order mark so that Excel reads it as UTF-8.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..contract.fields import FILES, MANIFEST_NAME
from ..contract.rules import RULES
from .suppression import safe_text

COLUMNS = ("file", "sheet", "row", "column", "cell", "rule", "severity", "message", "how_to_fix")
_SEVERITY_ORDER = {"E1": 0, "E2": 1, "W": 2}
_FILE_ORDER = {MANIFEST_NAME: -1, **{s.name: i for i, s in enumerate(FILES)}}
_BOM = "\ufeff".encode()


def _rank(values: pa.ChunkedArray | pa.Array, order: dict[str, int]) -> pa.Array:
    keys = pa.array(list(order), pa.string())
    ranks = pc.take(pa.array(list(order.values()), pa.int32()), pc.index_in(values, value_set=keys))
    return pc.fill_null(ranks, len(order))


def ordered(findings: pa.Table, labels: dict[str, str] | None = None) -> pa.Table:
    """Most severe first, then the files in parent-to-child order (file-level findings first),
    then row and rule. ``labels`` maps a dialect's file labels to the regional-v1 file."""
    files = {**_FILE_ORDER, **{label: _FILE_ORDER[name] for label, name in (labels or {}).items()}}
    keyed = (
        findings.append_column("__sev", _rank(findings.column("severity"), _SEVERITY_ORDER))
        .append_column("__file", _rank(findings.column("file"), files))
        .append_column("__row", pc.fill_null(findings.column("row_number"), 0))
    )
    keys = [(k, "ascending") for k in ("__sev", "__file", "file", "__row", "rule_id")]
    return findings.take(pc.sort_indices(keyed, sort_keys=keys))


def _per_value(values: pa.Array | pa.ChunkedArray, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``fn`` over the distinct values only (findings repeat a few files, fields and messages)."""
    encoded = pc.dictionary_encode(values)
    encoded = encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded
    return pc.take(fn(encoded.dictionary), encoded.indices)


def _cells(findings: pa.Table, cells: dict[str, dict[str, str]]) -> pa.Array:
    """``H4`` (``A4+B4`` for joined columns): the column's letters and the Excel row (data row + 1,
    below the header). Without known letters, a cell a message names (``(cell H4)``) is used."""
    pairs = pa.array([f"{file}\x00{col}" for file, cols in cells.items() for col in cols], pa.string())
    letters = pa.array([letter for cols in cells.values() for letter in cols.values()], pa.string())
    file, field, row = (findings.column(c).combine_chunks() for c in ("file", "field", "row_number"))
    key = pc.binary_join_element_wise(file, field, "\x00")
    found = _per_value(key, lambda k: pc.take(letters, pc.index_in(k, value_set=pairs)))
    excel_row = pc.cast(pc.add(row, 1), pa.string())
    known = pc.binary_join_element_wise(found, excel_row, "")
    if pc.any(pc.fill_null(pc.match_substring(found, "+"), False)).as_py():
        # "A+B" → "A4+B4": each letter group gets the row
        parts = pc.split_pattern(found, "+")
        flat = pc.binary_join_element_wise(
            pc.list_flatten(parts), pc.take(excel_row, pc.list_parent_indices(parts)), ""
        )
        joined = pc.binary_join(pa.ListArray.from_arrays(parts.offsets, flat), "+")
        known = pc.if_else(pc.is_null(found), pa.scalar(None, pa.string()), joined)
    named = _per_value(
        findings.column("message"),
        lambda m: pc.struct_field(pc.extract_regex(m, r"\(cell (?P<cell>[A-Z]+[0-9]+)\)$"), [0]),
    )
    return pc.coalesce(known, named)


def findings_table(
    findings: pa.Table, cells: dict[str, dict[str, str]] | None = None, labels: dict[str, str] | None = None
) -> pa.Table:
    """The CSV's columns (``COLUMNS``) for ``findings`` (``validate.result.FINDINGS_SCHEMA``);
    ``cells`` and ``labels`` as in ``ValidationResult`` (cell letters, dialect file labels)."""
    f = ordered(findings, labels)
    split = r"^(?P<file>.*?)(?:\[(?P<sheet>[^\]]*)\])?$"
    sheet = _per_value(f.column("file"), lambda v: pc.struct_field(pc.extract_regex(v, split), [1]))
    rules = pa.array(list(RULES), pa.string())
    fixes = pa.array([r.fix for r in RULES.values()], pa.string())
    table = pa.table(
        {
            "file": _per_value(f.column("file"), lambda v: pc.struct_field(pc.extract_regex(v, split), [0])),
            "sheet": pc.if_else(pc.equal(sheet, ""), pa.scalar(None, pa.string()), sheet),
            "row": f.column("row_number"),
            "column": f.column("field"),
            "cell": _cells(f, cells or {}),
            "rule": f.column("rule_id"),
            "severity": f.column("severity"),
            "message": f.column("message"),
            "how_to_fix": pc.take(fixes, pc.index_in(f.column("rule_id"), value_set=rules)),
        }
    )
    return pa.table(
        [_per_value(c, safe_text) if pa.types.is_string(c.type) else c for c in table.columns], names=list(COLUMNS)
    )


def write_findings_csv(
    findings: pa.Table,
    path: Path,
    cells: dict[str, dict[str, str]] | None = None,
    labels: dict[str, str] | None = None,
) -> int:
    """Write every finding to ``path`` (one row each); returns how many."""
    table = findings_table(findings, cells, labels)
    path.parent.mkdir(parents=True, exist_ok=True)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(_BOM + sink.getvalue().to_pybytes())
    tmp.replace(path)
    return table.num_rows
