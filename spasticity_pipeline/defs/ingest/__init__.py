"""Ingest domain: the trust × month asset, its checks, the landing sensor and the jobs."""

import dagster as dg

from .assets import LOADED, loaded_submissions
from .checks import submitted_by_deadline
from .jobs import ingest_job, trust_jobs
from .sensors import landing_sensor

defs = dg.Definitions(
    assets=[loaded_submissions],
    asset_checks=[submitted_by_deadline],
    jobs=[ingest_job, *trust_jobs],
    sensors=[landing_sensor],
)

__all__ = ["defs", "LOADED", "loaded_submissions", "ingest_job", "landing_sensor"]
