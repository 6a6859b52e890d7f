"""Validated YAML configuration: the trust registry and clinical limits.

Config is data the network edits, so a mistake must say which file and which key is wrong,
e.g. ``config/clinical.yaml: versions.0.dose_limits.botox.upper: Input should be greater than 0``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import periods
from .settings import get_settings

M = TypeVar("M", bound=BaseModel)

#: the products of spec §6 (units are not interchangeable between them)
Product = Literal["botox", "dysport", "xeomin"]


class ConfigError(ValueError):
    """A configuration file is missing, not YAML, or does not validate."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trust(_Strict):
    ods: str = Field(pattern=r"^[A-Z0-9]{3,5}$")
    name: str
    role: Literal["hub", "spoke"]
    hub: str | None = None
    dialects: tuple[str, ...] = ()


class Registry(_Strict):
    network: str
    trusts: tuple[Trust, ...]
    locked_periods: tuple[str, ...] = ()
    #: the network's first period: submissions before it are refused (F02) and have no partition
    first_period: str = "2024-01"
    submission_deadline_day: int = Field(default=15, ge=1, le=28)
    #: a submission quarantining more than this share of its rows gets a warning check
    quarantine_warn_share: float = Field(default=0.05, gt=0, lt=1)

    @field_validator("first_period")
    @classmethod
    def _first_period(cls, v: str) -> str:
        if not periods.is_period(v):
            raise ValueError(f"{v!r} is not a YYYY-MM period")
        return v

    @field_validator("locked_periods")
    @classmethod
    def _periods(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for p in v:
            if not periods.is_period(p):
                raise ValueError(f"{p!r} is not a YYYY-MM period")
        return v

    @model_validator(mode="after")
    def _hubs(self) -> Registry:
        codes = [t.ods for t in self.trusts]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"trust listed twice: {', '.join(dupes)}")
        hubs = {t.ods for t in self.trusts if t.role == "hub"}
        for t in self.trusts:
            if t.role == "spoke" and t.hub not in hubs:
                raise ValueError(f"spoke {t.ods} names hub {t.hub!r}, which is not a hub in the registry")
            if t.role == "hub" and t.hub:
                raise ValueError(f"hub {t.ods} cannot have a hub")
        return self

    def trust(self, ods: str) -> Trust | None:
        return next((t for t in self.trusts if t.ods == ods), None)

    def require(self, ods: str) -> Trust:
        """The registered trust ``ods``; a ``KeyError`` naming it when there is none."""
        found = self.trust(ods)
        if found is None:
            raise KeyError(f"{ods} is not a trust in the network's registry")
        return found

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.ods for t in self.trusts)


class DoseLimit(_Strict):
    upper: float = Field(gt=0)
    lower: float = Field(gt=0)
    both: float = Field(gt=0)


class ClinicalVersion(_Strict):
    effective_from: dt.date
    approved_by: str = ""
    min_reinjection_days: int = Field(gt=0)
    dose_limits: dict[Product, DoseLimit]

    @field_validator("dose_limits")
    @classmethod
    def _all_products(cls, v: dict) -> dict:
        missing = {"botox", "dysport", "xeomin"} - set(v)
        if missing:
            raise ValueError(f"no dose limit for {', '.join(sorted(missing))}")
        return v


class Clinical(_Strict):
    versions: tuple[ClinicalVersion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Clinical:
        dates = [v.effective_from for v in self.versions]
        if len(set(dates)) != len(dates):
            raise ValueError("two versions share an effective_from date")
        return self

    def version_at(self, day: dt.date) -> ClinicalVersion:
        """The version in force on ``day`` (the earliest version if ``day`` precedes them all)."""
        ordered = sorted(self.versions, key=lambda v: v.effective_from)
        current = ordered[0]
        for v in ordered:
            if v.effective_from <= day:
                current = v
        return current


class Target(_Strict):
    target: float = Field(ge=0, le=1)
    amber: float = Field(ge=0, le=1)


class Targets(_Strict):
    version: str
    metrics: dict[str, Target]

    @model_validator(mode="after")
    def _known(self) -> Targets:
        from .contract.metrics import METRICS_BY_ID

        unknown = sorted(set(self.metrics) - set(METRICS_BY_ID))
        if unknown:
            raise ValueError(f"unknown metric id: {', '.join(unknown)}")
        for mid, t in self.metrics.items():
            low_better = METRICS_BY_ID[mid].better == "low"
            if (t.amber < t.target) if low_better else (t.amber > t.target):
                side = "above" if low_better else "below"
                raise ValueError(
                    f"{mid}: amber must be {side} or equal to target ({'lower' if low_better else 'higher'} is better)"
                )
        return self


def config_dir() -> Path:
    return get_settings().config_dir


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Load ``path`` into ``model``; every error names the file and the key that is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"{path}: {key}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from None


@lru_cache(maxsize=8)
def _registry(path: str) -> Registry:
    return load_yaml_model(Path(path), Registry)


@lru_cache(maxsize=8)
def _clinical(path: str) -> Clinical:
    return load_yaml_model(Path(path), Clinical)


@lru_cache(maxsize=8)
def _targets(path: str) -> Targets:
    return load_yaml_model(Path(path), Targets)


def targets() -> Targets:
    return _targets(str(config_dir() / "targets.yaml"))


def registry() -> Registry:
    return _registry(str(config_dir() / "trusts.yaml"))


def clinical() -> Clinical:
    return _clinical(str(config_dir() / "clinical.yaml"))
