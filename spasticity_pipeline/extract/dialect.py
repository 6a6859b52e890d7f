"""Dialects (spec §5): a trust system's export described as data, mapped onto regional-v1.

A dialect file (``config/dialects/<name>.yaml``) says, for each regional-v1 file, where its rows
come from (a CSV file or a workbook sheet, optionally filtered, for systems that export tables
combined) and how each regional-v1 column is made from source columns (rename, date format,
code map, join, split, constant, case). Every mapping can be run both ways: ``harmonise.py``
decodes a trust's files into regional-v1, ``encode.py`` writes regional-v1 data in the dialect
(the generator uses it, and the round-trip tests prove the two agree).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..config import ConfigError, _Strict, config_dir, load_yaml_model
from ..contract.fields import FILES_BY_NAME

DateFormat = Literal["YYYY-MM-DD", "DD/MM/YYYY", "YYYYMMDD", "DD-Mon-YYYY", "excel"]


class Column(_Strict):
    """How one regional-v1 column is made. Exactly one of ``source``, ``join``, ``constant``."""

    source: str | None = None
    join: tuple[str, ...] | None = Field(default=None, min_length=2)
    sep: str = " "
    #: take part ``part`` of ``source`` split on ``sep`` (the encoder joins the parts back)
    part: int | None = Field(default=None, ge=0)
    constant: str | None = None
    date: DateFormat | None = None
    #: source value → regional-v1 code; values not in the map pass through (and fail R03)
    codes: dict[str, str] | None = None
    case: Literal["upper", "lower"] | None = None

    @model_validator(mode="after")
    def _one_origin(self) -> Column:
        origins = [x for x in (self.source, self.join, self.constant) if x is not None]
        if len(origins) != 1:
            raise ValueError("give exactly one of source, join or constant")
        if self.part is not None and self.source is None:
            raise ValueError("part needs source")
        if self.codes is not None and len(set(self.codes.values())) != len(self.codes):
            raise ValueError(
                "codes must map each regional-v1 code from one source value "
                "(two source values for one code cannot be written back)"
            )
        return self

    @property
    def source_columns(self) -> tuple[str, ...]:
        if self.source is not None:
            return (self.source,)
        return self.join or ()


class Table(_Strict):
    """Where one regional-v1 file's rows come from."""

    #: CSV file name, or the workbook's file name
    file: str
    #: workbook sheet (Excel dialects)
    sheet: str | None = None
    #: combined exports: keep only source rows whose ``where_column`` is not empty, or equals
    #: ``where_value`` when given (a record-type column)
    where_column: str | None = None
    where_value: str | None = None
    #: a combined export repeats parent rows; identical mapped rows are read once (decode only:
    #: such a file cannot tell an exact duplicate row from a repeated parent)
    distinct: bool = False
    columns: dict[str, Column]

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, v: dict) -> dict:
        """``nhs_number: NHSNo`` is short for ``nhs_number: {source: NHSNo}``."""
        if not isinstance(v, dict):
            raise ValueError("columns must be a mapping of regional-v1 column → source")
        return {k: ({"source": s} if isinstance(s, str) else s) for k, s in v.items()}

    @model_validator(mode="after")
    def _where(self) -> Table:
        if self.where_value is not None and self.where_column is None:
            raise ValueError("where_value needs where_column")
        return self

    def column(self, name: str) -> Column:
        return self.columns[name]


class Dialect(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    system: str = ""
    type: Literal["csv", "xlsx"] = "csv"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8"
    tables: dict[str, Table]

    @model_validator(mode="after")
    def _complete(self) -> Dialect:
        missing = [f for f in FILES_BY_NAME if f not in self.tables]
        if missing:
            raise ValueError(f"no mapping for {', '.join(missing)}")
        for name, table in self.tables.items():
            if name not in FILES_BY_NAME:
                raise ValueError(f"{name} is not a regional-v1 file")
            wanted = FILES_BY_NAME[name].columns
            unmapped = [c for c in wanted if c not in table.columns]
            unknown = [c for c in table.columns if c not in wanted]
            if unmapped:
                raise ValueError(f"tables.{name}: no mapping for column(s) {', '.join(unmapped)}")
            if unknown:
                raise ValueError(f"tables.{name}: {', '.join(unknown)} not regional-v1 column(s) of {name}")
            if self.type == "xlsx" and not table.sheet:
                raise ValueError(f"tables.{name}: an xlsx dialect needs a sheet for every table")
        try:
            "".encode(self.encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {self.encoding!r}") from None
        return self

    @property
    def source_files(self) -> tuple[str, ...]:
        """The files a submission in this dialect holds, in first-use order."""
        return tuple(dict.fromkeys(t.file for t in self.tables.values()))

    def source_label(self, name: str) -> str:
        """How findings name the source of regional-v1 file ``name``: ``file`` or ``file[sheet]``."""
        t = self.tables[name]
        return f"{t.file}[{t.sheet}]" if t.sheet else t.file


def dialects_dir() -> Path:
    return config_dir() / "dialects"


@lru_cache(maxsize=32)
def _load(path: str) -> Dialect:
    dialect = load_yaml_model(Path(path), Dialect)
    if dialect.name != Path(path).stem:
        raise ConfigError(f"{path}, name: {dialect.name!r} must match the file name")
    return dialect


def load_dialect(name: str) -> Dialect:
    path = dialects_dir() / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"{path}: no such dialect (config/dialects/ has no file of that name)")
    return _load(str(path))
