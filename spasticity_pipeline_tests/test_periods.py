"""The periods module: YYYY-MM arithmetic and the one deadline rule, worked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from spasticity_pipeline import periods


@pytest.mark.parametrize("text", ["2026-01", "2026-12", "0001-01", "9999-12"])
def test_periods_are_yyyy_mm_with_a_real_month(text):
    assert periods.is_period(text)
    assert periods.check(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-00",
        "2026-1",
        "26-01",
        "0000-01",
        "2026-01-01",
        " 2026-01",
        "2026-10\n",
        "\uff12\uff10\uff12\uff16-10",  # full-width digits
        202601,
        None,
    ],
)
def test_anything_else_is_not_a_period(text):
    assert not periods.is_period(text)
    with pytest.raises(periods.PeriodError, match="write YYYY-MM"):
        periods.check(text)


def test_month_bounds_and_shifts():
    assert periods.start("2024-02") == dt.date(2024, 2, 1)
    assert periods.end("2024-02") == dt.date(2024, 2, 29)  # leap year
    assert periods.end("2026-02") == dt.date(2026, 2, 28)
    assert periods.previous("2026-01") == "2025-12"
    assert periods.following("2025-12") == "2026-01"
    assert periods.shift("2026-03", -15) == "2024-12"
    assert periods.span("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert periods.span("2026-02", "2026-01") == []
    assert periods.of(dt.date(2026, 7, 31)) == "2026-07"
    assert [periods.quarter(p) for p in ("2026-01", "2026-03", "2026-04", "2026-12")] == [
        "2026-Q1",
        "2026-Q1",
        "2026-Q2",
        "2026-Q4",
    ]


def test_the_current_month_is_not_future():
    today = dt.date(2026, 11, 30)
    assert not periods.is_future("2026-11", today)
    assert periods.is_future("2026-12", today)


def test_deadlines_and_the_last_due_period():
    assert periods.deadline("2026-12", 15) == dt.date(2027, 1, 15)
    assert periods.last_due(dt.date(2026, 11, 24), 15) == "2026-10"
    assert periods.last_due(dt.date(2026, 11, 16), 15) == "2026-10"
    assert periods.last_due(dt.date(2026, 11, 15), 15) == "2026-09"  # October is due by the end of the 15th
    assert periods.last_due(dt.date(2026, 1, 3), 15) == "2025-11"


def test_late_is_after_the_deadline_day_in_london():
    # October 2026's extract is due on 15 November (GMT): 23:59 London on the 15th is on time
    assert not periods.is_late(dt.datetime(2026, 11, 15, 23, 59, tzinfo=dt.UTC), "2026-10", 15)
    assert periods.is_late(dt.datetime(2026, 11, 16, 0, 0, tzinfo=dt.UTC), "2026-10", 15)
    # May's is due on 15 June (BST, UTC+1): 23:30 UTC on the 15th is 00:30 on the 16th in London
    assert periods.is_late(dt.datetime(2026, 6, 15, 23, 30, tzinfo=dt.UTC), "2026-05", 15)
    assert not periods.is_late(dt.datetime(2026, 6, 15, 22, 59, tzinfo=dt.UTC), "2026-05", 15)
    # a naive time is UTC
    assert periods.is_late(dt.datetime(2026, 6, 15, 23, 30), "2026-05", 15)
