"""The operating environment (spec §9): one settings object for every ``SPASTICITY_*`` variable.

No other module reads ``os.environ`` for our variables: code takes a :class:`Settings` (Dagster
code through ``SpasticityResource``). ``get_settings()`` reads the environment each time it is
called, so tests and the CLI can point one process at different homes.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .owner_only import private_dir

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
SHIPPED_POSTCODE_LOOKUP = PACKAGE_DIR / "data" / "postcode_lookup.csv"


class SettingsError(ValueError):
    """An environment variable holds a value the pipeline cannot use; the message names it."""


class Settings(BaseSettings):
    """Every ``SPASTICITY_*`` variable, typed, with the spec's defaults."""

    model_config = SettingsConfigDict(env_prefix="SPASTICITY_", frozen=True, extra="ignore")

    #: landing zone, embedded warehouse, reports, the Dagster instance, the portal's state
    home: Path = Path("./data")
    #: SQLAlchemy URL; default ``duckdb:///$SPASTICITY_HOME/warehouse.duckdb``
    warehouse_url: str = ""
    postcode_lookup: Path = SHIPPED_POSTCODE_LOOKUP
    #: the network's secret for patient tokens; unset → a generated local key file, with a warning
    pseudonym_key: SecretStr | None = None
    #: folder of trusts.yaml, clinical.yaml, targets.yaml and dialects/
    config_dir: Path = PROJECT_ROOT / "config"
    #: unset: Dagster keeps runs in ``$SPASTICITY_HOME/dagster``; set: run and event storage in Postgres
    dagster_pg_url: SecretStr | None = None
    #: the Postgres role granted ``core`` and ``marts`` (never ``quarantine``)
    analyst_role: str = Field(default="spasticity_analyst", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    #: how often the landing sensor looks, in seconds
    sensor_interval: int = Field(default=30, ge=1, le=86_400)
    #: force the dbt target (``duckdb``/``postgres``); by default it follows the warehouse URL
    dbt_target: Literal["duckdb", "postgres"] | None = None
    #: the portal's session-signing secret; unset → a generated local secret file, with a warning
    portal_secret: SecretStr | None = None
    portal_max_upload_mb: float = Field(default=50, gt=0, le=10_240)
    #: ``auto``: Secure cookies when the request came over https (or a trusted proxy says so)
    portal_secure_cookies: Literal["auto", "true", "false"] = "auto"
    #: the name authenticator apps show beside a portal account
    portal_mfa_issuer: str = Field(default="Spasticity network", min_length=1, max_length=64)
    #: the portal's address as its users reach it (the reset links ``spasticity users reset`` prints)
    portal_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^\s/]+(/\S*)?$")
    #: addresses (or networks, ``10.0.0.0/8``) of reverse proxies whose X-Forwarded-Proto/-For the
    #: portal believes; comma-separated; empty: none
    portal_trusted_proxies: str = "127.0.0.1"
    #: raw uploads and rejected landings are deleted after this many days (``spasticity purge``)
    retention_days: int = Field(default=90, ge=1, le=36_500)

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @field_validator("warehouse_url", mode="after")
    @classmethod
    def _known_engine(cls, v: str) -> str:
        if v and not v.startswith(("duckdb:///", "postgresql")):
            raise ValueError("the pipeline runs on DuckDB or Postgres: use duckdb:///path or postgresql+psycopg://…")
        return v

    @field_validator("pseudonym_key", "portal_secret", "dagster_pg_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, v: object) -> object:
        return None if v == "" else v

    def model_post_init(self, _context: object) -> None:
        if not self.warehouse_url:  # the default depends on home
            object.__setattr__(self, "warehouse_url", f"duckdb:///{self.home / 'warehouse.duckdb'}")

    # -- where things live --------------------------------------------------------------------

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
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    @property
    def key_file(self) -> Path:
        return self.secrets_dir / "pseudonym.key"

    @property
    def is_duckdb(self) -> bool:
        return self.warehouse_url.startswith("duckdb")

    @property
    def duckdb_path(self) -> Path:
        """File of the embedded warehouse (``duckdb:///path``)."""
        return Path(self.warehouse_url.split("duckdb:///", 1)[1])

    # -- secrets ------------------------------------------------------------------------------

    def has_pseudonym_key(self) -> bool:
        """Whether tokens can be made without generating a key (set, or a key file exists)."""
        return self.pseudonym_key is not None or self.key_file.exists()

    def pseudonym_key_bytes(self) -> bytes:
        """The network's secret key; a demo without one gets a generated local key file."""
        return secret_value(self.pseudonym_key, self.key_file, "SPASTICITY_PSEUDONYM_KEY", "patient tokens").encode()

    def portal_secret_value(self) -> str:
        """The portal's cookie-signing secret (the same on every portal instance)."""
        return secret_value(self.portal_secret, self.secrets_dir / "portal.key", "SPASTICITY_PORTAL_SECRET", "cookies")

    def with_updates(self, **values: object) -> Settings:
        """A copy with some values replaced (validated like the environment's)."""
        return type(self).model_validate({**self.model_dump(), **values})


def secret_value(given: SecretStr | None, path: Path, variable: str, purpose: str) -> str:
    """The secret from the environment, else from ``path``, created there (owner-only) on first use."""
    if given is not None:
        return given.get_secret_value()
    if not path.exists():
        private_dir(path.parent)  # 0700, and any folder it had to make above it, whatever the umask
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32))
        tmp.replace(path)
        log.warning(
            "%s is not set: generated a local secret for %s at %s. Set %s in production "
            "(the same value everywhere the pipeline runs).",
            variable,
            purpose,
            path,
            variable,
        )
    return path.read_text(encoding="utf-8").strip()


def get_settings(**overrides: object) -> Settings:
    """The settings from the environment (read now), with ``overrides`` taking precedence."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_sentences(exc)) from None


def _sentences(exc: ValidationError) -> str:
    """``SPASTICITY_X: what is wrong`` lines, never validator internals."""
    lines = []
    for err in exc.errors():
        name = "SPASTICITY_" + "_".join(str(p) for p in err["loc"]).upper()
        lines.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)
