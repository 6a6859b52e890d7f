"""Publication rules (spec §8) and funnel limits, against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from spasticity_pipeline.reporting.funnel import Z95, Z998, classify, limits
from spasticity_pipeline.reporting.suppression import safe_csv_frame, suppress_counts, suppress_ratio


def test_counts_one_to_seven_are_hidden_and_others_rounded_to_five():
    out = suppress_counts(pd.Series([0, 1, 7, 8, 12, 13, 22, 23, 100]))
    assert out.tolist() == ["0", "*", "*", "10", "10", "15", "20", "25", "100"]


def test_percentage_is_suppressed_when_a_part_is_and_else_uses_rounded_parts():
    num, den, pct = suppress_ratio(pd.Series([3, 12, 8, 0]), pd.Series([40, 5, 13, 9]))
    assert num.tolist() == ["*", "10", "10", "0"]
    assert den.tolist() == ["40", "*", "15", "10"]
    # 10/15 = 66.7% from the published figures (not 8/13 = 61.5%); 0/10 = 0.0%
    assert pct.tolist() == ["*", "*", "66.7", "0.0"]


def test_csv_cells_cannot_be_formulas():
    df = pd.DataFrame({"org": ["=HYPERLINK(1)", "+1", "-2", "@SUM", "RDR"], "n": [1, 2, 3, 4, 5]})
    assert safe_csv_frame(df)["org"].tolist() == ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM", "RDR"]


def test_funnel_limits_by_hand():
    # p0 = 0.8, n = 100: se = sqrt(0.8 * 0.2 / 100) = 0.04
    lo, hi = limits(0.8, np.array([100]), Z95)
    assert lo[0] == pytest.approx(0.8 - 1.959964 * 0.04) and hi[0] == pytest.approx(0.8 + 0.0783986)
    lo, hi = limits(0.8, np.array([100]), Z998)
    assert lo[0] == pytest.approx(0.8 - 3.090232 * 0.04)
    # small denominators are clipped to [0, 1]
    lo, hi = limits(0.9, np.array([4]), Z998)
    assert hi[0] == 1.0 and lo[0] == pytest.approx(0.9 - 3.090232 * math.sqrt(0.09 / 4))


@pytest.mark.parametrize(("p", "expected"), [(0.8, "within"), (0.71, "alert"), (0.65, "alarm")])
def test_classify(p, expected):
    # n = 100, p0 = 0.8: 95% limits 0.7216-0.8784, 99.8% limits 0.6764-0.9236
    assert classify(p, 100, 0.8) == expected
