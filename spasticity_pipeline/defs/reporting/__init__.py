"""Reporting domain: governance report, trust feedback, public export, published copy."""

import dagster as dg

from .assets import assets

defs = dg.Definitions(assets=assets)
