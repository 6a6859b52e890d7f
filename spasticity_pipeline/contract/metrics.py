"""The governance metrics of ``governance-metrics-v1.md``: ids, names, domains and which way is
better. Definitions live in the dbt models; targets and RAG thresholds in config/targets.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Metric:
    id: str
    name: str
    domain: Literal["access", "process", "safety", "outcome", "experience"]
    better: Literal["high", "low"]


METRICS: tuple[Metric, ...] = (
    Metric("M01", "First assessment within 18 weeks", "access", "high"),
    Metric("M02", "Triage within 10 working days", "access", "high"),
    Metric("M03", "Standard referral route", "access", "high"),
    Metric("M04", "Joint consultant–physiotherapist assessment", "process", "high"),
    Metric("M05", "Goals set before injection", "process", "high"),
    Metric("M06", "One primary goal", "process", "high"),
    Metric("M07", "Baseline measure before injection", "process", "high"),
    Metric("M08", "Goal outcome recorded 4–20 weeks after injection", "process", "high"),
    Metric("M09", "Dose within licensed maximum", "safety", "high"),
    Metric("M10", "Re-injection interval at least 12 weeks", "safety", "high"),
    Metric("M11", "Adverse event after injection", "safety", "low"),
    Metric("M12", "Goal attainment (GAS T ≥ 50)", "outcome", "high"),
    Metric("M13", "Primary goal achieved", "outcome", "high"),
    Metric("M14", "Clinically important pain reduction", "outcome", "high"),
    Metric("M15", "Patient understood their goals", "experience", "high"),
    Metric("M16", "FFT positive", "experience", "high"),
    Metric("M17", "Did not attend", "process", "low"),
)
METRICS_BY_ID = {m.id: m for m in METRICS}

#: metrics drawn as funnel plots (unwarranted variation in access and process)
FUNNEL_METRICS = tuple(m.id for m in METRICS if m.domain in ("access", "process"))

#: below this denominator a figure is marked as too small to report reliably
SMALL_DENOMINATOR = 20
