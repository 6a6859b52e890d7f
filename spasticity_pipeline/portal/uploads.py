"""Receiving an upload safely, writing its manifest, and the pre-flight check in the background.

An upload is staged in ``$SPASTICITY_HOME/portal/uploads/<id>/``:
``submission/`` (the files and the manifest.json the portal writes — what ``landing.submit``
copies), ``result.json`` (status and counts per file), ``findings.parquet`` and ``feedback/``
(the HTML and CSV report of ``reporting.feedback.write_feedback``).

Nothing uploaded is executed or rendered: names are checked against the files a submission may
hold, zips are read entry by entry with limits (no paths, links, nesting, encryption, bombs),
and files are only ever parsed as data by the validator.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import stat
import uuid
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from .. import landing
from ..config import ConfigError, registry
from ..contract.fields import CANONICAL_FORMAT, FILES
from ..contract.rules import RULES
from ..extract.dialect import Dialect, load_dialect
from ..extract.manifest import FormatFiles, Manifest, manifest_for
from ..validate.result import FINDINGS_SCHEMA
from .config import MAX_ZIP_ENTRIES, MAX_ZIP_RATIO, PortalConfig
from .db import PortalDB, now_iso
from .status import contact_history

log = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".csv", ".xlsx", ".zip")
PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
#: the zip ratio check applies to entries larger than this (tiny files compress oddly well)
_RATIO_FLOOR = 1 << 20
_CHUNK = 1 << 16


class UploadRefused(ValueError):
    """The upload cannot be taken; the message tells the user why and what to do instead."""


#: the years a submission's period may name (the dataset starts in this century)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def period_problem(period: str, today: dt.date) -> str | None:
    """Why ``period`` cannot be uploaded for, or None: a ``YYYY-MM`` month from 2000 up to the
    current month (spec §10 allows the current month; a later one is refused, as is year 0)."""
    if not PERIOD.fullmatch(period or ""):
        return "choose the period (month) the extract is for"
    year = int(period[:4])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"choose the period (month) the extract is for: {period} is not a month from {FIRST_YEAR} on"
    if period > f"{today.year:04d}-{today.month:02d}":
        return f"choose the period (month) the extract is for: {period} has not happened yet"
    return None


# -- what a trust may upload --------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    name: str  # regional-v1 or a dialect name
    files: tuple[str, ...]
    dialect: Dialect | None = None

    @property
    def label(self) -> str:
        return (
            "regional-v1 (the eight CSV files)"
            if self.dialect is None
            else f"{self.name} ({self.dialect.system or 'registered dialect'})"
        )


def formats_for(trust: str) -> list[Format]:
    out = [Format(CANONICAL_FORMAT, tuple(s.name for s in FILES))]
    t = registry().trust(trust)
    for name in t.dialects if t else ():
        try:
            d = load_dialect(name)
        except ConfigError:
            log.exception("dialect %s of %s does not load", name, trust)
            continue
        out.append(Format(name, d.source_files, d))
    return out


def _allowed_names(formats: list[Format]) -> dict[str, str]:
    """Lower-cased file name → the name a format expects (so ``patients.CSV`` is taken)."""
    return {n.lower(): n for f in formats for n in f.files}


def clean_name(raw: str, allowed: dict[str, str], where: str = "") -> str:
    """The expected file name for an uploaded (or zipped) name, or ``UploadRefused``."""
    raw = raw or ""
    if "\x00" in raw or raw != raw.strip() or not raw:
        raise UploadRefused(f"{where}a file has an empty or invalid name")
    if (
        "/" in raw
        or "\\" in raw
        or PurePosixPath(raw).is_absolute()
        or PureWindowsPath(raw).is_absolute()
        or PureWindowsPath(raw).drive
    ):
        raise UploadRefused(f"{where}{raw!r} has a folder path: upload the files themselves, not folders")
    if raw in (".", "..") or raw.startswith("."):
        raise UploadRefused(f"{where}{raw!r} is not a submission file")
    name = allowed.get(raw.lower())
    if name is None:
        if not raw.lower().endswith(ALLOWED_EXTENSIONS):
            raise UploadRefused(
                f"{where}{raw!r}: only .csv, .xlsx and .zip files can be uploaded "
                "(or the files of your registered dialect)"
            )
        raise UploadRefused(
            f"{where}{raw!r} is not one of the files of a submission; expected: "
            + ", ".join(sorted(set(allowed.values())))
        )
    return name


# -- zips -------------------------------------------------------------------------------------


def check_zip(zf: zipfile.ZipFile, cfg: PortalConfig, label: str, *, flat: bool) -> list[zipfile.ZipInfo]:
    """Refuse a zip (or workbook) that could hurt: too many entries, links, encryption, paths
    leaving the folder and (``flat``) any folder at all, or a size bomb."""
    infos = zf.infolist()
    if len(infos) > (MAX_ZIP_ENTRIES if flat else 10 * MAX_ZIP_ENTRIES):
        raise UploadRefused(f"{label} holds {len(infos)} entries: too many for a submission")
    total = 0
    for info in infos:
        name = info.filename
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadRefused(f"{label} contains a symbolic link ({name!r}); links are not accepted")
        if info.flag_bits & 0x1:
            raise UploadRefused(f"{label} is encrypted; upload a zip without a password")
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or PureWindowsPath(name).drive or ".." in parts:
            raise UploadRefused(
                f"{label} contains an entry with an unsafe path ({name!r}): paths may not be absolute or go up a folder"
            )
        if flat and (info.is_dir() or len(parts) != 1):
            raise UploadRefused(
                f"{label} contains folders ({name!r}): zip the submission's files themselves, not a folder holding them"
            )
        total += info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise UploadRefused(
                f"{label}: {name!r} expands more than {MAX_ZIP_RATIO} times its compressed "
                "size, which is refused as a possible zip bomb"
            )
    if total > cfg.max_unzipped_bytes:
        raise UploadRefused(
            f"{label} expands to {total // (1024 * 1024)} MB; the limit is "
            f"{cfg.max_unzipped_bytes // (1024 * 1024)} MB uncompressed"
        )
    return infos


def _copy_limited(src: IO[bytes], dst: IO[bytes], limit: int, label: str) -> int:
    """Copy at most ``limit`` bytes (the sizes a zip declares are not trusted)."""
    n = 0
    while chunk := src.read(_CHUNK):
        n += len(chunk)
        if n > limit:
            raise UploadRefused(f"{label} is larger than it declares or than the limit allows")
        dst.write(chunk)
    return n


#: what goes wrong reading a damaged or hostile zip (UploadRefused, a ValueError, is re-raised first)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError, zlib.error)


def _check_workbook(path: Path, cfg: PortalConfig, label: str) -> None:
    """A workbook is a zip of XML: the same bomb limits, and no DTDs (entity expansion attacks;
    openpyxl also parses through defusedxml)."""
    try:
        with zipfile.ZipFile(path) as zf:
            for info in check_zip(zf, cfg, label, flat=False):
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as fh:
                        head = fh.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise UploadRefused(
                            f"{label} contains XML with a document type declaration, which "
                            "workbooks do not need; save it again from Excel"
                        )
    except UploadRefused:
        raise
    except _ZIP_ERRORS:
        pass  # not a readable workbook: the validator reports it (F05) without unpacking anything


def store_files(
    uploaded: list[tuple[str, IO[bytes]]], folder: Path, formats: list[Format], cfg: PortalConfig
) -> list[str]:
    """Write the uploaded files (unpacking zips) into ``folder``; returns the names stored."""
    allowed = _allowed_names(formats)
    folder.mkdir(parents=True, exist_ok=False)
    stored: list[str] = []
    budget = cfg.max_unzipped_bytes

    def put(name: str, src: IO[bytes], label: str) -> None:
        nonlocal budget
        if name in stored:
            raise UploadRefused(f"{name} was uploaded twice")
        with open(folder / name, "xb") as dst:
            budget -= _copy_limited(src, dst, budget, label)
        stored.append(name)
        if name.lower().endswith(".xlsx"):
            _check_workbook(folder / name, cfg, label)

    for raw, fh in uploaded:
        if raw.lower().endswith(".zip") and raw.lower() not in allowed:
            clean_name_zip(raw)
            try:
                with zipfile.ZipFile(fh) as zf:
                    for info in check_zip(zf, cfg, repr(raw), flat=True):
                        name = clean_name(info.filename, allowed, where=f"In {raw!r}: ")
                        with zf.open(info) as src:
                            put(name, src, f"{raw!r} entry {info.filename!r}")
            except UploadRefused:
                raise
            except _ZIP_ERRORS:
                raise UploadRefused(f"{raw!r} is not a valid zip file, or is damaged") from None
        else:
            put(clean_name(raw, allowed), fh, repr(raw))
    if not stored:
        raise UploadRefused("no files were uploaded: choose the submission's files or one zip holding them")
    return stored


def clean_name_zip(raw: str) -> None:
    if "/" in raw or "\\" in raw or "\x00" in raw or raw.startswith("."):
        raise UploadRefused(f"{raw!r} is not a valid file name")


def pick_format(names: list[str], formats: list[Format]) -> Format:
    """The format whose files the upload holds (most in common; missing ones are F03 later)."""
    best = max(formats, key=lambda f: len(set(names) & set(f.files)))
    extra = sorted(set(names) - set(best.files))
    if extra:
        raise UploadRefused(
            f"{', '.join(extra)} do(es) not belong with {', '.join(sorted(set(names) - set(extra)))}: "
            f"a {best.name} submission holds {', '.join(best.files)}"
        )
    return best


# -- the manifest (spec §1, §10): the one writer, as `spasticity manifest` uses ----------------


def write_manifest(folder: Path, trust: str, period: str, fmt: Format) -> Manifest:
    manifest, _, _ = manifest_for(
        folder, trust, period, FormatFiles(fmt.name, fmt.files, fmt.dialect), generated_by="spasticity portal"
    )
    manifest.write(folder)
    return manifest


# -- uploads: records, background pre-flight, confirmation ---------------------------------------


class Uploads:
    def __init__(self, cfg: PortalConfig, db: PortalDB, workers: int = 2) -> None:
        self.cfg, self.db = cfg, db
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preflight")
        # checks that were running when the portal stopped will never finish
        db.run(
            "UPDATE uploads SET state = 'failed', error = 'the portal restarted during the check; upload again' "
            "WHERE state = 'validating'"
        )
        db.run("UPDATE uploads SET state = 'validated' WHERE state = 'landing'")

    def folder(self, upload_id: str) -> Path:
        if not UPLOAD_ID.fullmatch(upload_id):
            raise ValueError("not an upload id")
        return self.cfg.uploads / upload_id

    def get(self, upload_id: str) -> dict[str, Any] | None:
        if not UPLOAD_ID.fullmatch(upload_id or ""):
            return None
        return self.db.one("SELECT * FROM uploads WHERE id = ?", (upload_id,))

    def for_trust(self, trust: str | None) -> list[dict[str, Any]]:
        if trust is None:
            return self.db.all("SELECT * FROM uploads ORDER BY created_at DESC")
        return self.db.all("SELECT * FROM uploads WHERE trust = ? ORDER BY created_at DESC", (trust,))

    def by_submission(self, submission_id: str) -> dict[str, Any] | None:
        return self.db.one("SELECT * FROM uploads WHERE submission_id = ?", (submission_id,))

    def create(self, trust: str, user_id: int, period: str, uploaded: list[tuple[str, IO[bytes]]]) -> str:
        """Store the files, write the manifest and start the pre-flight check; returns the id."""
        problem = period_problem(period, dt.date.today())
        if problem:
            raise UploadRefused(problem)
        upload_id = uuid.uuid4().hex
        root = self.folder(upload_id)
        try:
            formats = formats_for(trust)
            names = store_files(uploaded, root / "submission", formats, self.cfg)
            fmt = pick_format(names, formats)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        self.db.run(
            "INSERT INTO uploads (id, trust, user_id, period, format, created_at, state, stage) "
            "VALUES (?, ?, ?, ?, ?, ?, 'validating', 'queued')",
            (upload_id, trust, user_id, period, fmt.name, now_iso()),
        )
        self.pool.submit(self._preflight, upload_id, trust, period, fmt)
        return upload_id

    def _stage(self, upload_id: str, stage: str) -> None:
        self.db.run("UPDATE uploads SET stage = ? WHERE id = ?", (stage, upload_id))

    def _preflight(self, upload_id: str, trust: str, period: str, fmt: Format) -> None:
        from ..flow import build_context
        from ..reporting.feedback import write_feedback
        from ..validate import validate_submission

        root = self.folder(upload_id)
        try:
            self._stage(upload_id, "Counting rows and writing the manifest")
            write_manifest(root / "submission", trust, period, fmt)
            self._stage(upload_id, "Checking the files and every row against regional-v1")
            ctx = build_context(self.cfg.settings)
            ctx.contact_history = contact_history(self.cfg.settings)
            result = validate_submission(root / "submission", ctx)
            self._stage(upload_id, "Writing the feedback report")
            summary = result.to_json()
            summary["source_labels"] = {name: label for label, name in result.file_labels.items()}
            summary["n_warnings"] = result.n_warnings
            summary["rows_in"], summary["rows_loaded"] = result.rows_in, result.rows_loaded
            summary["rows_quarantined"] = result.rows_quarantined
            (root / "result.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
            pq.write_table(result.findings, root / "findings.parquet")
            record = {
                "submission_id": upload_id,
                "trust_ods_code": trust,
                "period": period,
                "format": fmt.name,
                "received_at": "(pre-flight check, not submitted)",
                "status": result.status,
                "superseded": False,
                "rows_in": result.rows_in,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "n_warnings": result.n_warnings,
            }
            write_feedback(record, result.findings, root / "feedback", result.cells, result.file_labels)
            self.db.run(
                "UPDATE uploads SET state = 'validated', stage = 'done', status = ? WHERE id = ?",
                (result.status, upload_id),
            )
        except Exception as exc:  # noqa: BLE001 - shown to the user as "could not be checked"
            log.exception("pre-flight check of upload %s failed", upload_id)
            self.db.run(
                "UPDATE uploads SET state = 'failed', stage = 'failed', error = ? WHERE id = ?",
                (f"the check could not run ({type(exc).__name__}); the network team can see the log", upload_id),
            )

    def result(self, upload_id: str) -> dict[str, Any] | None:
        path = self.folder(upload_id) / "result.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def findings(self, upload_id: str) -> pa.Table:
        path = self.folder(upload_id) / "findings.parquet"
        return pq.read_table(path) if path.is_file() else FINDINGS_SCHEMA.empty_table()

    def feedback_file(self, upload_id: str, kind: str) -> Path | None:
        path = self.folder(upload_id) / "feedback" / f"{upload_id}.{kind}"
        return path if path.is_file() else None

    def confirm(self, upload_id: str, trust: str) -> landing.LandedSubmission:
        """Land an accepted pre-flight (once, however often the button is pressed)."""
        claimed = self.db.run(
            "UPDATE uploads SET state = 'landing' WHERE id = ? AND trust = ? AND state = 'validated' "
            "AND status IN ('accepted', 'accepted_with_warnings')",
            (upload_id, trust),
        )
        if not claimed:
            raise UploadRefused(
                "this upload cannot be submitted: it was rejected, is still being checked, "
                "or has been submitted already"
            )
        row = self.get(upload_id)
        assert row is not None
        try:
            landed = landing.submit(self.folder(upload_id) / "submission", self.cfg.settings, trust, row["period"])
        except BaseException:
            self.db.run("UPDATE uploads SET state = 'validated' WHERE id = ?", (upload_id,))
            raise
        self.db.run(
            "UPDATE uploads SET state = 'landed', submission_id = ?, landed_at = ? WHERE id = ?",
            (landed.submission_id, landed.received_at.isoformat(), upload_id),
        )
        return landed


def how_to_fix(rule_id: str) -> str:
    rule = RULES.get(rule_id)
    return rule.fix if rule else ""


_SEVERITY_ORDER = {"E1": 0, "E2": 1, "W": 2}
_FILE_ORDER = {"manifest.json": -1, **{s.name: i for i, s in enumerate(FILES)}}


def finding_rows(findings: pa.Table, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` findings, most severe first, then in the files' parent-to-child order
    (so a patient's finding comes before the rows it cascades to), each with "how to fix".
    Sorted in Arrow: a broken extract can have a finding on every one of 100,000 rows."""
    import pyarrow.compute as pc

    def rank(column: str, order: dict[str, int]) -> pa.Array:
        keys = pa.array(list(order), pa.string())
        ranks = pc.take(pa.array(list(order.values()), pa.int32()), pc.index_in(findings.column(column), keys))
        return pc.fill_null(ranks, len(order))

    keyed = (
        findings.append_column("__sev", rank("severity", _SEVERITY_ORDER))
        .append_column("__file", rank("file", _FILE_ORDER))
        .append_column("__row", pc.fill_null(findings.column("row_number"), 0))
    )  # file-level findings first
    idx = pc.sort_indices(keyed, sort_keys=[(k, "ascending") for k in ("__sev", "__file", "file", "__row", "rule_id")])
    rows = findings.take(idx[:limit]).to_pylist()
    return [
        {**r, "how_to_fix": how_to_fix(r["rule_id"]), "what": RULES[r["rule_id"]].what if r["rule_id"] in RULES else ""}
        for r in rows
    ]
