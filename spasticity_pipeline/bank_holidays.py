"""England's bank holidays for the working-day calendar of M02 (spec §10), from the ``holidays``
library: substitute days and one-off holidays by royal proclamation included. Only the weekdays
off matter (a Christmas on a Saturday is off on the following Monday or Tuesday)."""

from __future__ import annotations

import datetime as dt

import holidays as holidays_lib

#: the years of core.dim_calendar (dbt_models/models/core/dim_calendar.sql)
YEARS = range(2000, 2036)


def england(years: range = YEARS) -> dict[dt.date, str]:
    """Weekday bank holidays in England, by date."""
    days = holidays_lib.country_holidays("GB", subdiv="ENG", years=list(years), observed=True)
    return {d: name for d, name in sorted(days.items()) if d.weekday() < 5}


def seed_csv(years: range = YEARS) -> str:
    """The ``england_bank_holidays`` dbt seed."""
    lines = ["holiday_date,holiday_name"]
    lines += [f"{d.isoformat()},{name.replace(',', '')}" for d, name in england(years).items()]
    return "\n".join(lines) + "\n"
