"""Validated YAML configuration: the trust registry and clinical limits.

Config is data the network edits, so a mistake must say which file, line and key is wrong, e.g.
``config/clinical.yaml, line 11, versions.0.dose_limits.botox.upper: Input should be greater than 0``.
Plain YAML scalars are read as the text written (``Yes`` stays ``Yes``, not ``True``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

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


#: plain YAML 1.1 scalars PyYAML would turn into booleans (``Yes``, ``No``, ``On``, ``Off``),
#: numbers (``01`` is 1, ``1:20`` is 80) or dates: config keeps the text the engineer wrote,
#: and the models turn it into a number or a date where they expect one
_AS_TEXT = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "timestamp")}
_STR = "tag:yaml.org,2002:str"


def _where(path: Path) -> str:
    """The file as the engineer knows it: relative to the working folder when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _as_text(node: yaml.Node, key: tuple[str, ...], lines: dict[tuple[str, ...], int], where: str) -> None:
    """Keep plain scalars as text, note each key's line, and refuse a key given twice."""
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.tag in _AS_TEXT:
            node.tag = _STR
    elif isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            _as_text(k, key, lines, where)
            name = str(k.value) if isinstance(k, yaml.ScalarNode) else "?"
            if name in seen:
                at = ".".join((*key, name))
                raise ConfigError(f"{where}, line {k.start_mark.line + 1}, {at}: given twice; keep one")
            seen.add(name)
            lines[(*key, name)] = k.start_mark.line + 1
            _as_text(v, (*key, name), lines, where)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*key, str(i))] = item.start_mark.line + 1
            _as_text(item, (*key, str(i)), lines, where)


def read_yaml(path: Path) -> tuple[object, dict[tuple[str, ...], int]]:
    """A config file's data, with plain scalars as the text written, and each key's line."""
    where = _where(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{where}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot be read ({type(exc).__name__})") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[tuple[str, ...], int] = {}
        if node is None:
            return None, lines
        _as_text(node, (), lines, where)
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{where}{at}: not valid YAML ({exc.problem or exc.context})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({exc})") from None
    finally:
        loader.dispose()


def _key_path(raw: object, loc: tuple) -> tuple[str, ...]:
    """The error's location as keys of the file (pydantic adds names of its own validators and
    union members, e.g. ``function-after[_one_origin(), Column]``: those are not keys)."""
    out: list[str] = []
    here = raw
    for part in loc:
        if isinstance(here, dict) and str(part) in {str(k) for k in here}:
            here = next(v for k, v in here.items() if str(k) == str(part))
            out.append(str(part))
        elif isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here):
            here = here[part]
            out.append(str(part))
        elif not out or isinstance(part, str) and ("[" in part or part[:1].isupper()):
            continue  # a validator or union member, not a key
        else:
            out.append(str(part))  # a key that is missing (``Field required``): named all the same
    return tuple(out)


def _words(err: ErrorDetails) -> str:
    """pydantic's message as a sentence a network engineer reads."""
    kind, msg = err["type"], err["msg"]
    if kind == "missing":
        return "missing: this setting is required"
    if kind == "extra_forbidden":
        return "not a setting here (check its spelling and indentation)"
    if kind in ("string_type", "str_type"):
        return f"should be text, not {err.get('input')!r}: quote it"
    if kind == "dict_type":
        return "should be a mapping of key: value pairs"
    if kind == "list_type":
        return "should be a list ([a, b] or one '- item' per line)"
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Load ``path`` into ``model``; every error is a sentence naming the file, the line and the
    key that is wrong (``config/dialects/x.yaml, line 12, tables.patients.csv.columns.sex: …``)."""
    where = _where(path)
    raw, lines = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of settings at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            key = _key_path(raw, err["loc"])
            line = next((lines[key[:n]] for n in range(len(key), 0, -1) if key[:n] in lines), None)
            at = f", line {line}" if line else ""
            out.append(f"{where}{at}, {'.'.join(key)}: {_words(err)}" if key else f"{where}{at}: {_words(err)}")
        raise ConfigError("\n".join(dict.fromkeys(out))) from None


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
