"""The ingest asset: one trust × month partition of the warehouse's loaded data.

Materialising a partition processes every submission waiting in the landing zone for that
trust and month, in ``received_at`` order (so "latest" is decided by landing time, whatever
order runs happen in), through ``flow.process_submission``. A submission that cannot be read is
recorded as rejected with its findings like any other; one that fails to process (a lost
connection, a bug) is left waiting and the run fails after the others are processed, so one bad
drop never blocks its trust × month.
"""

import traceback
from collections import Counter
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from ... import landing
from ...config import registry
from ...contract.submission import SubmissionStatus
from ...flow import Outcome, StagingContractError, build_context, process_submission
from ...warehouse import open_warehouse
from ..resources import SpasticityResource
from .partitions import trust_month

LOADED = dg.AssetKey("loaded_submissions")


def _metadata(outcomes: list[Outcome]) -> dict[str, dg.MetadataValue]:
    rules: Counter[str] = Counter()
    for o in outcomes:
        rules.update(o.findings)
    md: dict = {
        "submissions": len(outcomes),
        "status": ", ".join(o.status for o in outcomes) or "nothing waiting",
        "rows_in": sum(o.rows_in for o in outcomes),
        "rows_loaded": sum(o.rows_loaded for o in outcomes),
        "rows_quarantined": sum(o.rows_quarantined for o in outcomes),
        "seconds": round(sum(o.seconds for o in outcomes), 2),
        "findings_by_rule": dg.MetadataValue.json(dict(sorted(rules.items()))),
    }
    if outcomes:
        md["submission_ids"] = ", ".join(o.submission_id for o in outcomes)
        md["per_file"] = dg.MetadataValue.md(_file_table(outcomes[-1]))
    return md


def _file_table(o: Outcome) -> str:
    lines = ["| file | rows in | loaded | quarantined |", "|---|---:|---:|---:|"]
    lines += [f"| {f} | {c['rows_in']} | {c['rows_loaded']} | {c['rows_quarantined']} |" for f, c in o.files.items()]
    return "\n".join(lines)


@dg.asset(
    key=LOADED,
    partitions_def=trust_month,
    group_name="ingest",
    kinds={"python", "duckdb"},
    owners=["team:data-engineering"],
    pool="warehouse",
    description="Every landed submission of a trust × month: validated (F01–F07, R01–R10, W01–W05), "
    "pseudonymised and loaded into audit, quarantine and raw in one transaction per submission.",
    check_specs=[
        dg.AssetCheckSpec(
            "row_conservation",
            asset=LOADED,
            blocking=True,
            description="rows_in = rows_loaded + rows_quarantined for every file",
        ),
        dg.AssetCheckSpec(
            "quarantine_rate",
            asset=LOADED,
            description="warn when a submission quarantines more than the configured share",
        ),
        dg.AssetCheckSpec(
            "staging_schema",
            asset=LOADED,
            blocking=True,
            description="the pseudonymised tables match the staging contract (pandera): no "
            "identifier column, required fields, codes, tokens; a failing submission "
            "is not loaded",
        ),
    ],
    retry_policy=dg.RetryPolicy(max_retries=2, delay=5),
)
def loaded_submissions(context: AssetExecutionContext, spasticity: SpasticityResource):
    keys = context.partition_key.keys_by_dimension
    trust, period = keys["trust"], keys["month"]
    settings = spasticity.settings
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        todo = [s for s in landing.scan(settings, trust, period) if not wh.is_processed(s.submission_id)]
        ctx = build_context(settings, wh)
        outcomes, broken_contract, failed = [], {}, {}
        for i, sub in enumerate(todo, 1):
            context.log.info(f"{trust} {period}: submission {i} of {len(todo)} ({sub.submission_id})")
            try:
                outcomes.append(process_submission(sub, settings, wh, ctx))
            except StagingContractError as exc:  # nothing of it was loaded; left waiting for a fix
                broken_contract[sub.submission_id] = str(exc)
                context.log.error(str(exc))
                continue
            except Exception as exc:  # nothing of it was loaded (one transaction); the others go on
                failed[sub.submission_id] = _failure(exc)
                context.log.error(f"{sub.submission_id} failed and is left waiting: {failed[sub.submission_id]}")
                continue
            landing.mark_processed(sub, outcomes[-1].status)
    yield dg.MaterializeResult(metadata=_metadata(outcomes))
    broken = [o.submission_id for o in outcomes if not o.conserved]
    yield dg.AssetCheckResult(
        check_name="row_conservation", passed=not broken, metadata={"not_conserved": ", ".join(broken) or "none"}
    )
    yield dg.AssetCheckResult(
        check_name="staging_schema",
        passed=not broken_contract,
        metadata={"failures": dg.MetadataValue.json(broken_contract)},
    )
    share = registry().quarantine_warn_share
    rates = {
        o.submission_id: o.rows_quarantined / o.rows_in
        for o in outcomes
        if o.rows_in and o.status != SubmissionStatus.REJECTED
    }
    high = {k: round(v, 4) for k, v in rates.items() if v > share}
    yield dg.AssetCheckResult(
        check_name="quarantine_rate",
        passed=not high,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"threshold": share, "rates": dg.MetadataValue.json({k: round(v, 4) for k, v in rates.items()})},
    )
    if failed:  # the run fails (and is retried) once the others are loaded: one bad drop blocks nothing
        raise dg.Failure(
            description=f"{len(failed)} of {len(todo)} submissions of {trust} {period} could not be processed",
            metadata={"failures": dg.MetadataValue.json(failed)},
        )


def _failure(exc: Exception) -> str:
    """What failed and where, never the exception's text: a database or library message may quote
    the submission's data."""
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__module__}.{type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"
