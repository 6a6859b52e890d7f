"""One landed submission → validate → pseudonymise → load. The Dagster ingest asset calls this;
the CLI runs that asset, so there is one path from landing zone to warehouse."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import clinical, registry
from .contract.submission import SubmissionStatus
from .landing import LandedSubmission
from .postcodes import load_lookup
from .pseudonymise import make_tokeniser, to_staging
from .settings import Settings
from .validate import ValidationContext, ValidationResult, validate_submission
from .warehouse import Warehouse, open_warehouse
from .warehouse.contracts import check_staging

log = logging.getLogger(__name__)


def build_context(
    settings: Settings, warehouse: Warehouse | None = None, today: dt.date | None = None
) -> ValidationContext:
    """The validation context for this environment; W05 history comes from ``warehouse``."""
    ctx = ValidationContext(
        registry=registry(),
        clinical=clinical(),
        today=today or dt.date.today(),
        postcode_lookup=load_lookup(settings.postcode_lookup),
        tokenise=make_tokeniser(settings.pseudonym_key_bytes()),
    )
    if warehouse is not None:
        ctx.contact_history = warehouse.contact_history
    return ctx


@dataclass
class Preflight:
    """A submission checked before landing; ``history`` is False when W05 could not look back
    (the warehouse was locked by a run or is not built yet) and so looked within the submission."""

    result: ValidationResult
    history: bool


def preflight(folder: Path, settings: Settings) -> Preflight:
    """Validate ``folder`` as ``spasticity validate`` and ``submit`` do, writing nothing: W05
    history from the warehouse where it can be read (spec §10), and with no pseudonym key yet a
    throwaway one (there are no tokens to match either; tokens never leave this process)."""
    if not settings.has_pseudonym_key():
        settings = settings.with_updates(pseudonym_key=secrets.token_hex(32))
    if settings.is_duckdb and not settings.duckdb_path.exists():
        return Preflight(validate_submission(folder, build_context(settings)), history=True)
    wh = None
    try:
        wh = open_warehouse(settings, read_only=True)
        wh.query("SELECT 1 FROM audit.submissions LIMIT 1")
    except Exception:  # locked by a running pipeline, or not built yet: validate without history
        if wh is not None:
            wh.close()
        return Preflight(validate_submission(folder, build_context(settings)), history=False)
    with wh:
        return Preflight(validate_submission(folder, build_context(settings, wh)), history=True)


class StagingContractError(RuntimeError):
    """The pseudonymised tables do not match the raw tables' schema; nothing was loaded."""


@dataclass
class Outcome:
    """What an engineer wants to see about one processed submission (no identifiers)."""

    submission_id: str
    trust: str
    period: str
    status: SubmissionStatus
    current: bool
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    findings: dict[str, int]
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def conserved(self) -> bool:
        """Every row is loaded or quarantined; a rejected submission loads and quarantines nothing."""
        if self.status == SubmissionStatus.REJECTED:
            return self.rows_loaded == self.rows_quarantined == 0
        return all(f["rows_in"] == f["rows_loaded"] + f["rows_quarantined"] for f in self.files.values())


def process_submission(
    sub: LandedSubmission, settings: Settings, warehouse: Warehouse, ctx: ValidationContext | None = None
) -> Outcome:
    """Validate one landed submission, then record it rejected or load it pseudonymised (one
    transaction); raises ``StagingContractError`` when the loadable tables break their schema."""
    start = time.perf_counter()
    ctx = ctx or build_context(settings, warehouse)
    result: ValidationResult = validate_submission(sub.folder, ctx, landed_as=sub.partition)
    if result.rejected:
        warehouse.record_rejected(sub.ref, result)
        current = False
    else:
        staging = to_staging(result, ctx.postcode_lookup)
        failures = check_staging(staging)
        if failures:  # a bug upstream, not the trust's data: block the load, say where
            raise StagingContractError(
                f"{sub.submission_id}: raw tables break their schema: "
                + " | ".join(f"{t}: {m}" for t, m in failures.items())
            )
        current = warehouse.load_submission(sub.ref, result, staging)
    summary = result.to_json()
    out = Outcome(
        sub.submission_id,
        sub.trust,
        sub.period,
        result.status,
        current,
        result.rows_in,
        result.rows_loaded,
        result.rows_quarantined,
        summary["findings"],
        summary["files"],
        time.perf_counter() - start,
    )
    log.info(
        "%s %s %s: %s, %d rows in, %d loaded, %d quarantined",
        sub.submission_id,
        sub.trust,
        sub.period,
        out.status,
        out.rows_in,
        out.rows_loaded,
        out.rows_quarantined,
    )
    return out
