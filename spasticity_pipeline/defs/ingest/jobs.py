"""Jobs over the ingest asset: the sensor's, and one per trust for on-demand re-runs."""

from __future__ import annotations

import dagster as dg

from ...config import registry
from .assets import LOADED
from .partitions import trust_month

#: checks on the ingest asset that look across every trust (run nightly, not per submission)
NETWORK_CHECKS = dg.AssetSelection.checks(
    dg.AssetCheckKey(LOADED, "submitted_by_deadline"), dg.AssetCheckKey(LOADED, "gx_monthly_volume")
)
INGEST = dg.AssetSelection.assets(LOADED) - NETWORK_CHECKS

ingest_job = dg.define_asset_job(
    "ingest_submission",
    selection=INGEST,
    partitions_def=trust_month,
    description="Validate, pseudonymise and load the waiting submissions of one trust × month.",
)

trust_jobs = [
    dg.define_asset_job(
        f"ingest_{code.lower()}",
        selection=INGEST,
        partitions_def=trust_month,
        tags={"spasticity/trust": code},
        description=f"On-demand re-run of {t.name}'s months (choose a partition of trust {code}).",
    )
    for code, t in ((t.ods, t) for t in registry().trusts)
]
