"""Validating one submission folder: E1 checks in the spec's order, then the row rules and
warnings. Writes nothing; the caller decides whether to land or load the result.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from .. import periods
from ..config import ConfigError
from ..contract.fields import CANONICAL_FORMAT, FILES, SPEC_VERSION
from ..contract.rules import F07_SHARE
from ..contract.submission import SubmissionStatus
from ..extract.dialect import load_dialect
from ..extract.harmonise import SourceMap, column_letter, harmonise, to_source_positions
from ..extract.manifest import (
    IDENTITY_KEYS,
    Manifest,
    ManifestProblems,
    not_listed,
    read_manifest,
    rows_differ,
    sha256_differs,
)
from ..extract.read import CsvTable, UnreadableFile, delimiter_hint, read_csv_text, sha256_of
from .context import ValidationContext
from .result import FINDINGS_SCHEMA, FileOutcome, ValidationResult
from .rows import check_file
from .terms import REGIONAL_V1, Terms, dialect_terms
from .warnings import check_warnings

log = logging.getLogger(__name__)


class _Findings:
    """Collects findings as columns (there are few at submission level)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        rule_id: str,
        file: str,
        message: str,
        field: str | None = None,
        row_number: int | None = None,
        severity: str = "E1",
    ) -> None:
        self.rows.append(
            {
                "file": file,
                "row_number": row_number,
                "field": field,
                "rule_id": rule_id,
                "severity": severity,
                "message": message,
            }
        )

    def table(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows, schema=FINDINGS_SCHEMA)

    def __bool__(self) -> bool:
        return bool(self.rows)


def _check_manifest_fields(values: dict[str, str], ctx: ValidationContext, out: _Findings) -> None:
    """F02: trust, period and spec_version/format against the registry (``values`` holds the
    keys whose values are text; a key of another type is already an F02 finding)."""
    trust = None
    if "trust_ods_code" in values:
        trust = ctx.registry.trust(values["trust_ods_code"])
        if trust is None:
            out.add(
                "F02",
                "manifest.json",
                "trust_ods_code is not a trust in the network's registry",
                field="trust_ods_code",
            )
    period = values.get("period")
    if period is None:
        pass
    elif not periods.is_period(period):
        out.add("F02", "manifest.json", "period must be YYYY-MM with a month from 01 to 12", field="period")
    elif periods.is_future(period, ctx.today):
        out.add("F02", "manifest.json", f"period {period} is in the future", field="period")
    elif period < ctx.registry.first_period:
        out.add(
            "F02",
            "manifest.json",
            f"period {period} is before the network's first period, {ctx.registry.first_period}",
            field="period",
        )
    elif period in ctx.registry.locked_periods:
        out.add("F02", "manifest.json", f"period {period} is locked: the network has closed it", field="period")
    if "spec_version" in values and values["spec_version"] != SPEC_VERSION:
        out.add("F02", "manifest.json", f"spec_version must be {SPEC_VERSION}", field="spec_version")
    if "format" not in values:
        return
    fmt = values["format"]
    allowed = {CANONICAL_FORMAT, *(trust.dialects if trust else ())}
    if fmt not in allowed:
        out.add(
            "F02",
            "manifest.json",
            "format is neither regional-v1 nor a dialect registered for this trust",
            field="format",
        )
    elif fmt != CANONICAL_FORMAT:
        try:
            load_dialect(fmt)
        except ConfigError:
            log.exception("dialect %s is registered but its file does not load", fmt)
            out.add(
                "F02",
                "manifest.json",
                f"dialect {fmt!r} is registered but its definition does not load; the network team has been alerted",
                field="format",
            )


def _read_files(folder: Path, manifest: Manifest, out: _Findings) -> tuple[dict[str, CsvTable], dict[str, int]]:
    """F03, F04 (sha256), F05, F04 (rows), F06 per file; a file's later checks are skipped once
    one fails. Returns the readable, complete files and every readable file's record count."""
    tables: dict[str, CsvTable] = {}
    rows_in: dict[str, int] = {}
    for spec in FILES:
        path = folder / spec.name
        if not path.is_file():
            out.add("F03", spec.name, f"{spec.name} is missing from the submission")
            continue
        entry = manifest.entry(spec.name)
        if entry is None:
            out.add("F04", spec.name, not_listed(spec.name, manifest))
            continue
        try:
            if entry.sha256 != sha256_of(path):
                out.add("F04", spec.name, sha256_differs(spec.name, manifest), field="sha256")
                continue
            csv = read_csv_text(path)
        except UnreadableFile as exc:
            out.add("F05", spec.name, f"{spec.name} cannot be read: {exc}", row_number=exc.row)
            continue
        rows_in[spec.name] = csv.num_rows
        differs = rows_differ(spec.name, entry.rows, csv.num_rows, manifest)
        if differs:
            out.add("F04", spec.name, differs, field="rows")
            continue
        missing = [c for c in spec.columns if c not in csv.header]
        hint = delimiter_hint(csv.header[0], ",") if len(csv.header) == 1 else ""
        for col in missing:
            out.add("F06", spec.name, f"required column {col} is missing from the header{hint}", field=col)
        if not missing:
            tables[spec.name] = csv
    return tables, rows_in


def _rejected(
    folder: Path, manifest: dict[str, Any] | None, out: _Findings, rows_in: dict[str, int] | None = None
) -> ValidationResult:
    files = {s.name: FileOutcome(s.name, rows_in=(rows_in or {}).get(s.name, 0)) for s in FILES}
    return ValidationResult(
        folder=folder, status=SubmissionStatus.REJECTED, manifest=manifest, files=files, findings=out.table()
    )


def _extra_columns(extras: dict[str, list[str]], out: _Findings) -> None:
    """W01: one finding per file, however many extra columns."""
    for label, cols in extras.items():
        out.add(
            "W01",
            label,
            f"{len(cols)} unknown column(s) dropped before loading: {', '.join(cols)}",
            field=",".join(cols),
            severity="W",
        )


def _check_landed_as(manifest: Manifest, landed_as: tuple[str, str], out: _Findings) -> None:
    """F02 when the manifest's trust or period is not the landing folder's: the path decides the
    partition, so a mismatch would file rows under the wrong trust or month (docs/decisions.md)."""
    trust, period = landed_as
    if (manifest.trust_ods_code, manifest.period) != (trust, period):
        out.add(
            "F02",
            "manifest.json",
            f"the manifest is for {manifest.trust_ods_code} {manifest.period} but the submission was "
            f"landed under {trust}/{period}",
            field="trust_ods_code",
        )


def validate_submission(
    folder: Path, ctx: ValidationContext, landed_as: tuple[str, str] | None = None
) -> ValidationResult:
    """Validate the submission in ``folder`` against regional-v1 (spec §3, §10); ``landed_as`` is the
    (trust, period) of the landing-zone folder it came from, which the manifest must match (F02)."""
    folder = Path(folder)
    out = _Findings()
    try:
        manifest = read_manifest(folder)
    except ManifestProblems as problems:
        if problems.f01:
            out.add("F01", "manifest.json", problems.f01)
            return _rejected(folder, None, out)
        for key, message in problems.f02.items():
            out.add("F02", "manifest.json", message, field=key)
        _check_manifest_fields(problems.identity, ctx, out)
        return _rejected(folder, dict(problems.identity), out)
    _check_manifest_fields({k: getattr(manifest, k) for k in IDENTITY_KEYS}, ctx, out)
    if landed_as is not None and not out:
        _check_landed_as(manifest, landed_as, out)
    if out:
        return _rejected(folder, manifest.model_dump(), out)
    sources: dict[str, SourceMap] | None = None
    terms = REGIONAL_V1
    if manifest.format == CANONICAL_FORMAT:
        tables, rows_in = _read_files(folder, manifest, out)
        extras = {s.name: [c for c in tables[s.name].header if c not in s.columns] for s in FILES if s.name in tables}
        cells = {name: {h: column_letter(i) for i, h in enumerate(t.header)} for name, t in tables.items()}
    else:
        dialect = load_dialect(manifest.format)
        harmonised = harmonise(folder, dialect, manifest, out.add)
        tables = harmonised.tables if harmonised else {}
        sources = harmonised.sources if harmonised else None
        extras = harmonised.extra_columns if harmonised else {}
        rows_in = {name: t.num_rows for name, t in tables.items()}
        cells = {}
        for src in (sources or {}).values():
            cells.setdefault(src.label, {}).update({src.columns[t]: letters for t, letters in src.letters.items()})
        terms = dialect_terms(dialect, sources or {})
    if out:
        return _rejected(folder, manifest.model_dump(), out, rows_in)

    con = duckdb.connect(config={"preserve_insertion_order": False})
    try:
        extras = {k: v for k, v in extras.items() if v}
        result = _check_rows(folder, manifest.model_dump(), tables, ctx, con, out, extras, terms)
    finally:
        con.close()
    result.cells = cells
    return _to_source(result, sources) if sources else result


def _to_source(result: ValidationResult, sources: dict[str, SourceMap]) -> ValidationResult:
    """Point a dialect submission's findings and row numbers at the trust's own files."""
    result.findings = to_source_positions(result.findings, sources)
    result.file_labels = {src.label: name for name, src in reversed(list(sources.items()))}
    for name, f in result.files.items():
        for attr in ("loaded", "quarantined"):
            table = getattr(f, attr)
            if table is not None and table.num_rows:
                i = table.schema.get_field_index("row_number")
                rows = pc.take(sources[name].rows, pc.subtract(table.column("row_number"), 1))
                setattr(f, attr, table.set_column(i, "row_number", rows))
    return result


def _check_rows(
    folder: Path,
    manifest: dict[str, Any],
    tables: dict[str, CsvTable],
    ctx: ValidationContext,
    con: duckdb.DuckDBPyConnection,
    out: _Findings,
    extras: dict[str, list[str]],
    terms: Terms,
) -> ValidationResult:
    period = manifest["period"]
    end = periods.end(period)
    warnings = _Findings()
    _extra_columns(extras, warnings)
    row_findings: list[pa.Table] = []
    files: dict[str, FileOutcome] = {}
    for spec in FILES:
        csv = tables[spec.name]
        rows = check_file(con, spec, csv.table.select(list(spec.columns)), end, terms)
        files[spec.name] = FileOutcome(spec.name, rows_in=csv.num_rows, quarantined=rows.quarantined)
        row_findings.append(rows.findings)
        if spec.table == "patients":
            _add_tokens(con, ctx)

    for name, f in files.items():
        if f.rows_in and f.rows_quarantined > F07_SHARE * f.rows_in:
            out.add(
                "F07",
                name,
                f"{f.rows_quarantined} of {f.rows_in} rows would be quarantined: more than "
                "half, which is almost always a mapping or export fault",
            )
    if out:
        return _rejected(folder, manifest, out, {n: f.rows_in for n, f in files.items()})

    _add_parent_tokens(con)
    history = ctx.contact_history(manifest["trust_ods_code"], period)
    w = check_warnings(con, ctx.clinical, ctx.postcode_lookup, history, period)
    for spec in FILES:
        files[spec.name].loaded = con.sql(f'SELECT * FROM "ld_{spec.table}"').to_arrow_table()
    findings = pa.concat_tables([warnings.table(), *row_findings, w])
    status = SubmissionStatus.of_findings(findings.num_rows)
    return ValidationResult(folder=folder, status=status, manifest=manifest, files=files, findings=findings)


def _add_tokens(con: duckdb.DuckDBPyConnection, ctx: ValidationContext) -> None:
    """Patient tokens for the loaded patients (hashing distinct NHS numbers only)."""
    patients = con.sql("SELECT * FROM ld_patients").to_arrow_table()
    tokens = ctx.tokenise(patients.column("nhs_number").combine_chunks())
    con.register("__tok", patients.append_column("patient_token", tokens))
    con.execute("CREATE OR REPLACE TEMP TABLE ld_patients AS SELECT * FROM __tok")
    con.unregister("__tok")


def _add_parent_tokens(con: duckdb.DuckDBPyConnection) -> None:
    """Referrals and contacts carry their patient's token (a loaded row's parent loaded too)."""
    con.execute("""CREATE OR REPLACE TEMP TABLE ld_referrals AS
                   SELECT r.*, p.patient_token FROM ld_referrals r
                   LEFT JOIN ld_patients p USING (local_patient_id)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE ld_contacts AS
                   SELECT c.*, r.patient_token FROM ld_contacts c
                   LEFT JOIN (SELECT referral_id, patient_token FROM ld_referrals) r USING (referral_id)""")
