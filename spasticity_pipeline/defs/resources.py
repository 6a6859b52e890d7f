"""Resources shared by every domain: the operating environment (spec §9) as one resource."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from ..settings import Settings, get_settings


class SpasticityResource(dg.ConfigurableResource):
    """Where the landing zone, warehouse and reports are: ``Settings`` from the environment, with
    any value given here taking precedence (tests and tools point a run at another home). The
    pseudonym key is read by ``Settings`` and never enters Dagster config."""

    home: str | None = None
    warehouse_url: str | None = None
    postcode_lookup: str | None = None

    @property
    def settings(self) -> Settings:
        given = {"home": self.home, "warehouse_url": self.warehouse_url, "postcode_lookup": self.postcode_lookup}
        return get_settings(**{k: Path(v) if k != "warehouse_url" else v for k, v in given.items() if v})


def spasticity_resource() -> SpasticityResource:
    return SpasticityResource()
