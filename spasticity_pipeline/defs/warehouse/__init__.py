"""Warehouse domain: the dbt project's seeds, staging views, core and marts, with dbt tests as
asset checks (``dbt.py``)."""

import dagster as dg

from .dbt import dbt_env, dbt_project, dbt_resource, warehouse_models

__all__ = ["dbt_env", "dbt_project", "defs", "warehouse_models"]

defs = dg.Definitions(assets=[warehouse_models], resources={"dbt": dbt_resource()})
