"""The operating environment (spec §9): where things live, read from the environment each time
so tests and the CLI can point one process at different homes."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_POSTCODE_LOOKUP = PACKAGE_DIR / "data" / "postcode_lookup.csv"


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse_url: str
    postcode_lookup: Path
    key_env: str | None

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def published_duckdb(self) -> Path:
        """The read-only copy analysts and the portal read (DuckDB has one writer)."""
        return self.home / "published" / "warehouse.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def key_file(self) -> Path:
        return self.home / "secrets" / "pseudonym.key"

    @property
    def is_duckdb(self) -> bool:
        return self.warehouse_url.startswith("duckdb")

    @property
    def duckdb_path(self) -> Path:
        """File of the embedded warehouse (``duckdb:///path``)."""
        return Path(self.warehouse_url.split("duckdb:///", 1)[1])

    def pseudonym_key(self) -> bytes:
        """The network's secret key; a demo without one gets a generated local key file."""
        if self.key_env:
            return self.key_env.encode("utf-8")
        if not self.key_file.exists():
            self.key_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.key_file.with_suffix(".tmp")
            tmp.write_text(secrets.token_hex(32), encoding="utf-8")
            os.chmod(tmp, 0o600)
            tmp.replace(self.key_file)
            log.warning(
                "SPASTICITY_PSEUDONYM_KEY is not set: generated a local key at %s. "
                "Tokens made with it will not match the network's; set the key in production.",
                self.key_file,
            )
        return self.key_file.read_text(encoding="utf-8").strip().encode("utf-8")


def get_settings() -> Settings:
    home = Path(os.environ.get("SPASTICITY_HOME", "./data")).resolve()
    url = os.environ.get("SPASTICITY_WAREHOUSE_URL") or f"duckdb:///{home / 'warehouse.duckdb'}"
    lookup = Path(os.environ.get("SPASTICITY_POSTCODE_LOOKUP") or SHIPPED_POSTCODE_LOOKUP)
    return Settings(
        home=home, warehouse_url=url, postcode_lookup=lookup, key_env=os.environ.get("SPASTICITY_PSEUDONYM_KEY") or None
    )
