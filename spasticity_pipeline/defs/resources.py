"""Resources shared by every domain, configured from the environment (spec §9)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ..settings import SHIPPED_POSTCODE_LOOKUP, Settings, get_settings


def export_defaults() -> None:
    """Give the spec's optional variables their defaults, so ``EnvVar`` always resolves."""
    home = Path(os.environ.get("SPASTICITY_HOME", "./data")).resolve()
    os.environ["SPASTICITY_HOME"] = str(home)
    os.environ.setdefault("SPASTICITY_WAREHOUSE_URL", f"duckdb:///{home / 'warehouse.duckdb'}")
    os.environ.setdefault("SPASTICITY_POSTCODE_LOOKUP", str(SHIPPED_POSTCODE_LOOKUP))


class SpasticityResource(dg.ConfigurableResource):
    """Where the landing zone, warehouse and reports are. The pseudonym key is read from the
    environment (or the local key file) by ``Settings`` and never enters Dagster config."""

    home: str
    warehouse_url: str
    postcode_lookup: str

    @property
    def settings(self) -> Settings:
        base = get_settings()
        return Settings(
            home=Path(self.home),
            warehouse_url=self.warehouse_url,
            postcode_lookup=Path(self.postcode_lookup),
            key_env=base.key_env,
        )


def spasticity_resource() -> SpasticityResource:
    export_defaults()
    return SpasticityResource(
        home=dg.EnvVar("SPASTICITY_HOME"),
        warehouse_url=dg.EnvVar("SPASTICITY_WAREHOUSE_URL"),
        postcode_lookup=dg.EnvVar("SPASTICITY_POSTCODE_LOOKUP"),
    )
