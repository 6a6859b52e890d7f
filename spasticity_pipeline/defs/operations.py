"""Operations: the nightly schedule, failure alerts, and the nightly purge of expired data."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg

from ..retention import purge_expired
from ..settings import get_settings
from .ingest.jobs import NETWORK_CHECKS
from .resources import SpasticityResource

LOADED = dg.AssetKey("loaded_submissions")

#: everything downstream of the partitioned ingest: dbt models and tests, quality checks, reports
nightly_job = dg.define_asset_job(
    "nightly_build",
    selection=(dg.AssetSelection.all() - dg.AssetSelection.assets(LOADED)) | NETWORK_CHECKS,
    description="Rebuild core and marts (dbt), run the data-quality checks, write the governance report, "
    "trusts' feedback, the public export and the analysts' read-only copy.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_0230_london",
    job=nightly_job,
    cron_schedule="30 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:30 London time (GMT or BST: Dagster resolves the clock change).",
)


@dg.asset(
    group_name="operations",
    kinds={"python"},
    pool="warehouse",
    description="Deletes raw portal uploads and rejected landings older than SPASTICITY_RETENTION_DAYS "
    "(90 by default), each deletion recorded in the access audit (spasticity audit --action purge).",
)
def expired_uploads_purged(spasticity: SpasticityResource) -> dg.MaterializeResult:
    purged = purge_expired(spasticity.settings)
    return dg.MaterializeResult(
        metadata={
            "raw uploads deleted": len(purged.uploads),
            "rejected landings deleted": len(purged.landings),
            "bytes freed": purged.bytes,
            "retention days": spasticity.settings.retention_days,
        }
    )


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes one JSON line per failed run to $SPASTICITY_HOME/alerts.log.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    alert = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run_id": context.dagster_run.run_id,
        "job": context.dagster_run.job_name,
        "partition": context.dagster_run.tags.get("dagster/partition"),
        # the failure's own message comes from our code, which keeps identifiers out of errors
        "error": (context.failure_event.message or "")[:500],
    }
    path = get_settings().home / "alerts.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(alert) + "\n")
    context.log.error(f"run {alert['run_id']} of {alert['job']} failed; alert written to {path}")


defs = dg.Definitions(
    assets=[expired_uploads_purged], jobs=[nightly_job], schedules=[nightly_schedule], sensors=[run_failure_alert]
)
