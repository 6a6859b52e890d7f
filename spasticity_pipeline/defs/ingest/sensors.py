"""The landing sensor: one run per complete submission, never two for the same upload."""

from __future__ import annotations

import dagster as dg

from ... import landing
from ...settings import get_settings
from .jobs import ingest_job
from .partitions import is_partition, partition_key

SUBMISSION_TAG = "spasticity/submission_id"


def landing_requests(settings) -> tuple[list[dg.RunRequest], list[str]]:
    """Run requests for every complete, unprocessed submission (Dagster also drops repeats by
    ``run_key``, so an upload runs once however many ticks see it),
    and the folders that have no partition (unknown trust, future or malformed month)."""
    requests, unroutable = [], []
    for sub in landing.scan(settings):
        if landing.is_marked_processed(sub):
            continue
        if not is_partition(sub.trust, sub.period):
            unroutable.append(f"{sub.trust}/{sub.period}")
            continue
        requests.append(
            dg.RunRequest(
                run_key=sub.submission_id,
                partition_key=partition_key(sub.trust, sub.period),
                tags={SUBMISSION_TAG: sub.submission_id},
            )
        )
    return requests, unroutable


#: how often the sensor looks (seconds); SPASTICITY_SENSOR_INTERVAL overrides it (tests use a few)
INTERVAL = get_settings().sensor_interval


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=INTERVAL,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Finds complete submissions (manifest present) in $SPASTICITY_HOME/landing and runs their "
    "trust × month partition once per submission.",
)
def landing_sensor(context: dg.SensorEvaluationContext):
    requests, unroutable = landing_requests(get_settings())
    if unroutable:
        context.log.warning(
            "landed under no trust × month partition (check the registry and the folder name): "
            + ", ".join(sorted(set(unroutable)))
        )
    if not requests:
        return dg.SkipReason("no complete submissions in the landing zone")
    return requests
