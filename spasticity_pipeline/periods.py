"""Reporting periods and submission deadlines: the one home of month arithmetic.

A period is a calendar month written ``YYYY-MM`` (spec §1). A trust's extract for month M is due
by day ``deadline_day`` of month M+1 (the registry's ``submission_deadline_day``); it is *late*
when it was received after that day, counted in London's calendar (the network's working day).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from zoneinfo import ZoneInfo

#: ``YYYY-MM`` with a month 01–12 and a year from 0001 (year 0 is no calendar year); ASCII digits
#: only, and nothing after (``$`` would allow a trailing newline: matched with ``fullmatch``)
PERIOD_RE = re.compile(r"(?!0000)[0-9]{4}-(0[1-9]|1[0-2])")
LONDON = ZoneInfo("Europe/London")


class PeriodError(ValueError):
    """A value that is not a ``YYYY-MM`` period."""


def is_period(text: object) -> bool:
    """Whether ``text`` is a ``YYYY-MM`` period with a month from 01 to 12."""
    return isinstance(text, str) and PERIOD_RE.fullmatch(text) is not None


def check(text: object) -> str:
    """``text`` when it is a period; otherwise a :class:`PeriodError` that says what a period is."""
    if not is_period(text):
        raise PeriodError(f"{text!r} is not a period: write YYYY-MM with a month from 01 to 12")
    return str(text)


def _ym(period: str) -> tuple[int, int]:
    check(period)
    return int(period[:4]), int(period[5:])


def of(day: dt.date) -> str:
    """The period a date falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def start(period: str) -> dt.date:
    """The period's first day."""
    y, m = _ym(period)
    return dt.date(y, m, 1)


def end(period: str) -> dt.date:
    """The period's last day."""
    y, m = _ym(period)
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def shift(period: str, months: int) -> str:
    """The period ``months`` later (earlier when negative)."""
    y, m = _ym(period)
    n = y * 12 + (m - 1) + months
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def previous(period: str) -> str:
    return shift(period, -1)


def following(period: str) -> str:
    return shift(period, 1)


def span(first: str, last: str) -> list[str]:
    """Every period from ``first`` to ``last`` inclusive (empty when ``last`` is before ``first``)."""
    out, p = [], check(first)
    check(last)
    while p <= last:
        out.append(p)
        p = following(p)
    return out


def is_future(period: str, today: dt.date) -> bool:
    """After the current month (spec §10: the current month is allowed)."""
    return start(period) > today


def quarter(period: str) -> str:
    """``YYYY-Qn`` of a period."""
    y, m = _ym(period)
    return f"{y:04d}-Q{(m - 1) // 3 + 1}"


def deadline(period: str, deadline_day: int) -> dt.date:
    """The day a period's extract is due: ``deadline_day`` of the following month."""
    nxt = start(following(period))
    return nxt.replace(day=min(deadline_day, calendar.monthrange(nxt.year, nxt.month)[1]))


def last_due(today: dt.date, deadline_day: int) -> str:
    """The latest period whose deadline has passed by ``today``."""
    period = previous(of(today))
    while deadline(period, deadline_day) >= today:
        period = previous(period)
    return period


def received_day(received_at: dt.datetime) -> dt.date:
    """The London calendar day of a (UTC) landing time; a naive time is taken as UTC."""
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=dt.UTC)
    return received_at.astimezone(LONDON).date()


def is_late(received_at: dt.datetime, period: str, deadline_day: int) -> bool:
    """Received after the period's deadline day (London time)."""
    return received_day(received_at) > deadline(period, deadline_day)
