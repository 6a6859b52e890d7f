"""Findings in the trust's own terms: the names a trust knows its files, sheets, columns, dates
and codes by. For regional-v1 those are the contract's own names; for a dialect they come from
the dialect's mapping, so that a message reads ``DOB is not a real date in DD/MM/YYYY form``
rather than ``birth_date is not a real date in YYYY-MM-DD form``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..extract.dialect import Dialect
from ..extract.harmonise import SourceMap

#: how many of a code map's source values a message lists
_SHOWN_CODES = 8


def or_list(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def _date_words(fmt: str, workbook: bool) -> str:
    if fmt == "excel":
        return "(an Excel date cell or date number)"
    if workbook and fmt == "YYYY-MM-DD":
        return "(an Excel date cell, or text in YYYY-MM-DD form)"
    return f"in {fmt} form"


@dataclass(frozen=True)
class Terms:
    """Regional-v1 names → the trust's. Empty maps mean regional-v1 itself."""

    #: regional-v1 file → how the trust names its source (``SPAS_PATIENTS.TXT``, ``Goals sheet``)
    files: dict[str, str] = field(default_factory=dict)
    #: regional-v1 file → column → the trust's column heading(s)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    #: regional-v1 file → date column → the form the dialect declares, in words
    dates: dict[str, dict[str, str]] = field(default_factory=dict)
    #: regional-v1 file → column → the source values the dialect's code map reads
    codes: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def file(self, name: str) -> str:
        return self.files.get(name, name)

    def column(self, file: str, name: str) -> str:
        return self.columns.get(file, {}).get(name, name)

    def date_form(self, file: str, name: str) -> str:
        return self.dates.get(file, {}).get(name, "in YYYY-MM-DD form")

    def code_words(self, file: str, name: str) -> str:
        """What a bad code is not: the regional-v1 list, or the values the dialect maps."""
        mapped = self.codes.get(file, {}).get(name)
        if not mapped:
            return "is not a regional-v1 code"
        shown = [*mapped[:_SHOWN_CODES], "…"] if len(mapped) > _SHOWN_CODES else list(mapped)
        return f"is not one of the values the dialect maps ({', '.join(shown)})"


REGIONAL_V1 = Terms()


def dialect_terms(dialect: Dialect, sources: dict[str, SourceMap]) -> Terms:
    """The trust's terms for a submission harmonised from ``dialect``."""
    files: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {}
    dates: dict[str, dict[str, str]] = {}
    codes: dict[str, dict[str, tuple[str, ...]]] = {}
    workbook = dialect.type == "xlsx"
    for name, table in dialect.tables.items():
        files[name] = f"{table.sheet} sheet" if table.sheet else table.file
        src = sources.get(name)
        columns[name] = {t: h for t, h in (src.columns if src else {}).items() if h != "(constant)"}
        dates[name] = {}
        codes[name] = {}
        for target in table.columns:
            col = table.column(target)
            if col.date:
                dates[name][target] = _date_words(col.date, workbook)
            if col.codes:
                codes[name][target] = tuple(col.codes)
    return Terms(files, columns, dates, codes)
