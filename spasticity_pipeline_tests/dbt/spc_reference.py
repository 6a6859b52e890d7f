"""An independent implementation of spc-v1 (../shared/spec/spc-v1.md) in plain Python, to check the
dbt models against: it shares no code or SQL with them and computes in exact rational arithmetic
(``fractions.Fraction``), so it says what the spec means without rounding. Each comparison also
records its margin (|left − right|), so a test can tell where a double-precision implementation may
legitimately differ (the spec: verdicts may differ where a comparison is within 1e-9 of its
threshold).

Rules are applied literally: every window of 3 consecutive points for "two of three"; maximal runs
for "shift" and "trend". Decisions of docs/decisions.md that the spec leaves open: a trend of 6 points
is 5 successive rises (or falls); a point that ends a rising run and starts a falling one (or the
reverse) takes the side of its own step from the point before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

MIN_POINTS = 12
SHIFT = 7
TREND = 6


@dataclass
class Comparisons:
    """The smallest non-zero margin among a series' comparisons (None: every one was exact or a tie)."""

    closest: Fraction | None = None

    def gt(self, a: Fraction, b: Fraction) -> bool:
        self._note(a, b)
        return a > b

    def lt(self, a: Fraction, b: Fraction) -> bool:
        self._note(a, b)
        return a < b

    def _note(self, a: Fraction, b: Fraction) -> None:
        margin = abs(a - b)
        if margin and (self.closest is None or margin < self.closest):
            self.closest = margin


@dataclass
class Series:
    metric_id: str
    org_code: str
    periods: list[str]
    values: list[Fraction]
    n_points: int = 0
    mean: Fraction | None = None
    ucl: Fraction | None = None
    lcl: Fraction | None = None
    special_cause: list[str | None] = field(default_factory=list)
    variation: str = ""
    assurance: str = ""
    comparisons: Comparisons = field(default_factory=Comparisons)


def compute(
    rows: Iterable[tuple[str, str, str, int, int]], better: Mapping[str, str], targets: Mapping[str, float]
) -> dict[tuple[str, str], Series]:
    """``rows``: (metric_id, org_code, period, numerator, denominator) of governance_metrics;
    ``better``: metric → 'high' | 'low'; ``targets``: metric → target proportion (as configured)."""
    grouped: dict[tuple[str, str], list[tuple[str, Fraction]]] = {}
    for metric, org, period, num, den in rows:
        grouped.setdefault((metric, org), []).append((period, Fraction(num, den)))
    out = {}
    for (metric, org), points in grouped.items():
        points.sort()
        s = Series(metric, org, [p for p, _ in points], [v for _, v in points])
        _judge(s, better[metric], targets.get(metric))
        out[(metric, org)] = s
    return out


def _judge(s: Series, better: str, target: float | None) -> None:
    v, cmp = s.values, s.comparisons
    n = s.n_points = len(v)
    if n < MIN_POINTS:
        s.special_cause = [None] * n
        s.variation = s.assurance = "insufficient_data"
        return
    mean = sum(v, Fraction(0)) / n
    mr_mean = sum((abs(v[i] - v[i - 1]) for i in range(1, n)), Fraction(0)) / (n - 1)
    sigma = mr_mean / Fraction("1.128")
    ucl, lcl = mean + Fraction("2.66") * mr_mean, mean - Fraction("2.66") * mr_mean
    upper_2s, lower_2s = mean + 2 * sigma, mean - 2 * sigma
    s.mean, s.ucl, s.lcl = mean, ucl, lcl

    flags: list[dict[int, set[str]]] = [{} for _ in range(n)]  # point → rule → sides

    def flag(i: int, rule: int, side: str) -> None:
        flags[i].setdefault(rule, set()).add(side)

    # 1. outside the limits
    for i in range(n):
        if cmp.gt(v[i], ucl):
            flag(i, 1, "high")
        elif cmp.lt(v[i], lcl):
            flag(i, 1, "low")
    # 2. two of three beyond a 2-sigma line, on one side, in any window of 3 consecutive points
    above = [cmp.gt(x, upper_2s) for x in v]
    below = [cmp.lt(x, lower_2s) for x in v]
    for start in range(n - 2):
        for side, beyond in (("high", above), ("low", below)):
            hits = [i for i in range(start, start + 3) if beyond[i]]
            if len(hits) >= 2:
                for i in hits:
                    flag(i, 2, side)
    # 3. shift: maximal runs on one side of the mean (a point on the mean belongs to no run)
    sides = ["high" if cmp.gt(x, mean) else "low" if cmp.lt(x, mean) else None for x in v]
    for start, end in _runs(sides):
        if end - start + 1 >= SHIFT:
            for i in range(start, end + 1):
                flag(i, 3, sides[start])  # type: ignore[arg-type]
    # 4. trend: maximal runs of points each strictly above (below) the one before
    steps = [None] + [
        "high" if cmp.gt(v[i], v[i - 1]) else "low" if cmp.lt(v[i], v[i - 1]) else None for i in range(1, n)
    ]
    for side in ("high", "low"):
        i = 0
        while i < n:
            j = i
            while j + 1 < n and steps[j + 1] == side:
                j += 1
            if j - i + 1 >= TREND:
                for k in range(i, j + 1):
                    flag(k, 4, side)
            i = j + 1
    s.special_cause = [_side(f, steps[i]) for i, f in enumerate(flags)]

    latest = s.special_cause[-1]
    s.variation = "common_cause" if latest is None else "improvement" if latest == better else "concern"
    if target is None:
        s.assurance = "no_target"
        return
    t = Fraction(target)  # the double the seed holds
    if better == "high":
        s.assurance = "pass" if not cmp.lt(lcl, t) else "fail" if cmp.lt(ucl, t) else "hit_and_miss"
    else:
        s.assurance = "pass" if not cmp.gt(ucl, t) else "fail" if cmp.gt(lcl, t) else "hit_and_miss"


def _runs(sides: list[str | None]) -> Iterable[tuple[int, int]]:
    """(first, last) index of each maximal run of equal, non-None sides."""
    i = 0
    while i < len(sides):
        j = i
        while sides[i] is not None and j + 1 < len(sides) and sides[j + 1] == sides[i]:
            j += 1
        if sides[i] is not None:
            yield i, j
        i = j + 1


def _side(rules: dict[int, set[str]], own_step: str | None) -> str | None:
    """The side of the first rule that flags the point; rule 4 can give both sides only at a peak or a
    trough, where the point's own step decides."""
    for rule in sorted(rules):
        got = rules[rule]
        if len(got) == 1:
            return next(iter(got))
        assert rule == 4, (rule, got)
        return own_step
    return None
