"""Warehouse domain: the dbt project's staging, core and marts models (and dbt tests)."""

import dagster as dg

from .dbt import dbt_resource, warehouse_models

defs = dg.Definitions(assets=[warehouse_models], resources={"dbt": dbt_resource()})
