"""The single Definitions object ``workspace.yaml`` loads: every domain merged, with the
resources they share (as dagster-open-platform merges its domains)."""

import dagster as dg

from .defs import ingest, operations, quality, reporting, warehouse
from .defs.resources import spasticity_resource

defs = dg.Definitions.merge(
    ingest.defs,
    warehouse.defs,
    quality.defs,
    reporting.defs,
    operations.defs,
    dg.Definitions(resources={"spasticity": spasticity_resource()}),
)
