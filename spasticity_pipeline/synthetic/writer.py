"""Writing a snapshot as a submission folder: canonical CSVs + manifest, or a trust's dialect,
and the submission-level (E1) faults."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..contract.fields import CANONICAL_FORMAT, FILES, SPEC_VERSION
from ..contract.submission import SubmissionStatus
from ..extract.dialect import load_dialect
from ..extract.encode import convert_submission
from ..extract.manifest import FileEntry, Manifest, read_manifest
from .snapshot import canonical

EXTRA_COLUMN = ("clinic_notes", "contacts.csv")
E1_KINDS = ("F01", "F02", "F03", "F04", "F05", "F06", "F07")


def _text(column: pd.Series) -> pa.Array:
    """A column as Arrow text, empty (None/NaN/NA) as null."""
    arr = pa.array(column.to_numpy(dtype=object), from_pandas=True)
    return arr if arr.type == pa.string() else arr.cast(pa.string())


def csv_bytes(frame: pd.DataFrame) -> bytes:
    table = pa.table({c: _text(frame[c]) for c in frame.columns}) if len(frame.columns) else pa.table({})
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return sink.getvalue().to_pybytes()


def generated_at(period: str, version: int = 1) -> str:
    """When the extract was made: early on the 4th of the next month, a resubmission later that day
    (fixed from the period, never the clock, so that a seed gives the same bytes)."""
    after = np.datetime64(period, "M") + 1
    return f"{after}-04T{8 + version:02d}:{17 * version % 60:02d}:00Z"


def write_canonical(
    folder: Path, tables: dict[str, pd.DataFrame], trust: str, period: str, extra_column: bool, version: int = 1
) -> Manifest:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, FileEntry | None] = {}
    for spec in FILES:
        extra = (EXTRA_COLUMN[0],) if extra_column and spec.name == EXTRA_COLUMN[1] else ()
        frame = tables[spec.name]
        if extra:
            frame = frame.assign(**{EXTRA_COLUMN[0]: "seen in joint clinic"})
        data = csv_bytes(canonical(frame, spec.name, extra))
        (folder / spec.name).write_bytes(data)
        # the generator knows each file's bytes and rows: no need to read them back
        files[spec.name] = FileEntry(sha256=hashlib.sha256(data).hexdigest(), rows=len(frame))
    manifest = Manifest(
        spec_version=SPEC_VERSION,
        trust_ods_code=trust,
        period=period,
        format=CANONICAL_FORMAT,
        generated_at=generated_at(period, version),
        files=files,
    )
    manifest.write(folder)
    return manifest


def to_dialect(folder: Path, dialect: str) -> None:
    """Rewrite a canonical folder in place as the trust's dialect."""
    tmp = folder.with_name(folder.name + ".canonical")
    folder.rename(tmp)
    convert_submission(tmp, folder, load_dialect(dialect))
    shutil.rmtree(tmp)


def _entry(manifest: Manifest, name: str) -> FileEntry:
    entry = manifest.entry(name)
    if entry is None:
        raise KeyError(f"the generated manifest lists no {name}")
    return entry


def _rewrite(folder: Path, name: str, data: bytes) -> None:
    """Replace a file and restamp its sha256 (the fault is in the data, not the manifest)."""
    (folder / name).write_bytes(data)
    manifest = read_manifest(folder)
    entry = _entry(manifest, name).model_copy(update={"sha256": hashlib.sha256(data).hexdigest()})
    manifest.model_copy(update={"files": {**manifest.files, name: entry}}).write(folder)


def break_submission(folder: Path, kind: str, tables: dict[str, pd.DataFrame]) -> dict:
    """Give a canonical submission one E1 fault; returns the expected ``validate --json``."""
    rows = {s.name: len(tables[s.name]) for s in FILES}
    rows_in = dict(rows)
    if kind == "F01":
        (folder / "manifest.json").write_text('{"spec_version": "regional-v1", "trust_ods_code": ', encoding="utf-8")
        rows_in = {}
    elif kind == "F02":
        read_manifest(folder).model_copy(update={"spec_version": "regional-v0"}).write(folder)
        rows_in = {}
    elif kind == "F03":
        (folder / "injections.csv").unlink()
        rows_in["injections.csv"] = 0
    elif kind == "F04":
        manifest = read_manifest(folder)
        wrong = FileEntry(sha256="0" * 64, rows=_entry(manifest, "goals.csv").rows)
        manifest.model_copy(update={"files": {**manifest.files, "goals.csv": wrong}}).write(folder)
        rows_in["goals.csv"] = 0
    elif kind == "F05":
        raw = (folder / "contacts.csv").read_bytes()
        width = raw.split(b"\n", 1)[0].count(b",") + 1
        data = raw + b",".join([b'"X"'] * (width + 1)) + b"\n"  # one field too many: ragged
        _rewrite(folder, "contacts.csv", data)
        rows_in["contacts.csv"] = 0
    elif kind == "F06":
        frame = canonical(tables["injections.csv"], "injections.csv").drop(columns=["guidance"])
        _rewrite(folder, "injections.csv", csv_bytes(frame))
    elif kind == "F07":
        frame = canonical(tables["outcome_measures.csv"], "outcome_measures.csv").assign(instrument="MAS_SCORE")
        _rewrite(folder, "outcome_measures.csv", csv_bytes(frame))
    files = {s.name: {"rows_in": rows_in.get(s.name, 0), "rows_loaded": 0, "rows_quarantined": 0} for s in FILES}
    return {"status": str(SubmissionStatus.REJECTED), "files": files, "findings": {kind: 1}}
