"""England's bank holidays (with substitute days and the one-off ones), for the working-day
calendar of M02. ``python -m spasticity_pipeline.bank_holidays`` rewrites the dbt seed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "dbt_models" / "seeds" / "england_bank_holidays.csv"
YEARS = range(2015, 2031)
#: one-off changes by royal proclamation
MOVED = {
    dt.date(2020, 5, 4): dt.date(2020, 5, 8),  # VE Day anniversary
    dt.date(2022, 5, 30): dt.date(2022, 6, 2),
}  # Platinum Jubilee
EXTRA = {
    dt.date(2022, 6, 3): "Platinum Jubilee bank holiday",
    dt.date(2022, 9, 19): "State Funeral of Queen Elizabeth II",
    dt.date(2023, 5, 8): "Bank holiday for the coronation of King Charles III",
}


def easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (Anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _monday_on_or_after(d: dt.date) -> dt.date:
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> dt.date:
    d = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return d - dt.timedelta(days=d.weekday())


def holidays(year: int) -> dict[dt.date, str]:
    out: dict[dt.date, str] = {}
    ny = dt.date(year, 1, 1)
    out[ny if ny.weekday() < 5 else _monday_on_or_after(ny)] = "New Year's Day"
    e = easter(year)
    out[e - dt.timedelta(days=2)] = "Good Friday"
    out[e + dt.timedelta(days=1)] = "Easter Monday"
    out[_monday_on_or_after(dt.date(year, 5, 1))] = "Early May bank holiday"
    out[_last_monday(year, 5)] = "Spring bank holiday"
    out[_last_monday(year, 8)] = "Summer bank holiday"
    xmas, boxing = dt.date(year, 12, 25), dt.date(year, 12, 26)
    taken = {d for d in (xmas, boxing) if d.weekday() < 5}
    for day, name in ((xmas, "Christmas Day"), (boxing, "Boxing Day")):
        if day.weekday() < 5:
            out[day] = name
        else:  # the next weekday not already a holiday
            sub = day + dt.timedelta(days=1)
            while sub.weekday() >= 5 or sub in taken:
                sub += dt.timedelta(days=1)
            taken.add(sub)
            out[sub] = f"{name} (substitute day)"
    for old, new in MOVED.items():
        if old in out:
            out[new] = out.pop(old)
    out.update({d: n for d, n in EXTRA.items() if d.year == year})
    return dict(sorted(out.items()))


def seed_csv() -> str:
    lines = ["holiday_date,holiday_name"]
    for y in YEARS:
        lines += [f"{d.isoformat()},{n}" for d, n in holidays(y).items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    SEED.write_text(seed_csv(), encoding="utf-8")
    print(f"wrote {SEED}")
