"""Funnel-plot control limits (Spiegelhalter 2005): each trust's proportion against its
denominator, with limits around the regional proportion by the normal approximation to the
binomial, as GIRFT and the national clinical audits draw them."""

from __future__ import annotations

import numpy as np

#: two-sided z for 95% and 99.8% limits
Z95 = 1.959964
Z998 = 3.090232


def limits(p0: float, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits for denominators ``n`` around proportion ``p0``, clipped to [0, 1]."""
    n = np.asarray(n, dtype=float)
    se = np.sqrt(p0 * (1 - p0) / n)
    return np.clip(p0 - z * se, 0, 1), np.clip(p0 + z * se, 0, 1)


def classify(p: float, n: float, p0: float) -> str:
    """Where a trust sits: 'within', 'alert' (outside 95%) or 'alarm' (outside 99.8%)."""
    lo998, hi998 = limits(p0, np.array([n]), Z998)
    lo95, hi95 = limits(p0, np.array([n]), Z95)
    if p < lo998[0] or p > hi998[0]:
        return "alarm"
    if p < lo95[0] or p > hi95[0]:
        return "alert"
    return "within"
