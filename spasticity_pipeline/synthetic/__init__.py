"""Seeded synthetic network: every trust's monthly submissions with known faults and the exact
result each must give (``ground_truth.json``), for the demo, the tests and the benchmark.

    generate_network(out, trusts=["RDR", "RYR"], months=["2026-08", "2026-09"], patients=400, seed=7)

Faults: every row rule R01–R10 (each on its own referral, cascades counted), every warning
W01–W05 (W02–W05 are facts of the care and recur in each snapshot carrying the row), and — with
``e1_faults`` — one rejected submission per rule F01–F07 on trusts without a dialect, each followed by
its corrected resubmission, plus one plain resubmission of an accepted month.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv

from .. import periods
from ..config import registry
from ..settings import SHIPPED_POSTCODE_LOOKUP
from .faults import apply_faults, expected, plan_faults
from .snapshot import cut, month_bounds
from .timeline import Timeline, people, timeline
from .writer import E1_KINDS, break_submission, to_dialect, write_canonical

#: share of a spoke's patients also seen at its hub (same person, the hub's own local id)
SHARED_WITH_HUB = 0.1


@dataclass
class GeneratedSubmission:
    trust: str
    period: str
    folder: Path
    expected: dict
    order: int


def default_months(today: dt.date | None = None, n: int = 6) -> list[str]:
    """The ``n`` full months before ``today``'s, oldest first."""
    current = periods.of(today or dt.date.today())
    return [periods.shift(current, -i) for i in range(n, 0, -1)]


def _lookup() -> pd.DataFrame:
    return pacsv.read_csv(SHIPPED_POSTCODE_LOOKUP).to_pandas()


def build_timelines(
    trusts: list[str], months: list[str], patients: int, seed: int, fault_rate: float
) -> dict[str, Timeline]:
    """Each trust's timeline; spokes share some patients with their hub."""
    reg = registry()
    rng = np.random.default_rng(seed)
    lookup = _lookup()
    first, _ = month_bounds(months[0])
    _, last = month_bounds(months[-1])
    sizes = {code: int(patients * (1.3 if reg.require(code).role == "hub" else 1.0)) for code in reg.codes}
    # one draw for the whole network (every trust, so a subset of trusts gives the same people):
    # NHS numbers are then distinct across it
    everyone = people(rng, sum(sizes.values()), lookup, first)
    bounds = np.cumsum([0, *sizes.values()])
    persons = {code: everyone.iloc[bounds[i] : bounds[i + 1]].reset_index(drop=True) for i, code in enumerate(sizes)}
    for code in reg.codes:
        t = reg.require(code)
        if t.role == "spoke" and t.hub:
            shared = persons[code].sample(frac=SHARED_WITH_HUB, random_state=int(rng.integers(1 << 31)))
            persons[t.hub] = pd.concat([persons[t.hub], shared], ignore_index=True)
    w_share = fault_rate / 4
    out = {}
    for code in trusts:
        trng = np.random.default_rng([seed, reg.codes.index(code)])
        out[code] = timeline(trng, code, persons[code], first, last, w_share)
    return out


def generate_network(
    out: Path,
    *,
    trusts: list[str] | None = None,
    months: list[str] | None = None,
    patients: int = 600,
    seed: int = 7,
    fault_rate: float = 0.02,
    dialects: bool = True,
    e1_faults: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[GeneratedSubmission]:
    """Write the network's submissions under ``out/<trust>/<period>/`` and ``out/ground_truth.json``."""
    out = Path(out)
    reg = registry()
    trusts = list(trusts or reg.codes)
    months = sorted(months or default_months())
    unknown = [t for t in trusts if reg.trust(t) is None]
    if unknown:
        raise ValueError(f"not in the registry: {', '.join(unknown)}")
    if months[0] < reg.first_period:
        raise ValueError(
            f"{months[0]} is before the network's first period, {reg.first_period} (config/trusts.yaml): "
            "its submissions would be rejected; generate fewer months"
        )
    timelines = build_timelines(trusts, months, patients, seed, fault_rate)
    rng = np.random.default_rng([seed, 99])
    # E1 faults (written into canonical files) go on trusts without a dialect whether or not
    # dialects are used, so that a network sent in dialects and its all-regional-v1 twin are the
    # same submissions in the same order
    canonical_snaps = [(t, p) for p in months for t in trusts if not reg.require(t).dialects]
    e1: dict[tuple[str, str], str] = {}
    if e1_faults and fault_rate > 0 and canonical_snaps:
        picks = rng.permutation(len(canonical_snaps))
        for e1_kind, idx in zip((*E1_KINDS, "RESUBMIT"), picks):
            e1[canonical_snaps[idx]] = e1_kind
    subs: list[GeneratedSubmission] = []
    offset = 0
    for period in months:
        for trust in trusts:
            if progress:
                progress(f"{trust} {period}")
            snap = cut(timelines[trust], period)
            plan = plan_faults(snap, rng, fault_rate, offset)
            offset += len(plan.faults) + 1
            tables = apply_faults(snap, plan)
            dialect = reg.require(trust).dialects[0] if dialects and reg.require(trust).dialects else None
            # W01 (an extra column) only for trusts without a dialect, so that a network sent
            # in dialects and its all-regional-v1 twin hold the same faults
            extra = bool(rng.random() < 0.3) and fault_rate > 0 and not reg.require(trust).dialects
            want = expected(tables, plan, 1 if extra else 0)
            kind: str | None = e1.get((trust, period))
            if kind == "F07" and not len(tables["outcome_measures.csv"]):
                kind = None
            versions = [kind, None] if kind and kind != "RESUBMIT" else [None, None] if kind else [None]
            for n, fault in enumerate(versions, 1):
                folder = out / trust / period / f"submission-{n}"
                shutil.rmtree(folder, ignore_errors=True)
                write_canonical(folder, tables, trust, period, extra, version=n)
                exp = want
                if fault:
                    exp = break_submission(folder, fault, tables)
                elif dialect:
                    to_dialect(folder, dialect)
                subs.append(GeneratedSubmission(trust, period, folder, exp, len(subs)))
    truth = {
        "seed": seed,
        "fault_rate": fault_rate,
        "months": months,
        "trusts": trusts,
        "submissions": [
            {
                "folder": str(s.folder.relative_to(out)),
                "trust": s.trust,
                "period": s.period,
                "order": s.order,
                "expected": s.expected,
            }
            for s in subs
        ],
    }
    (out / "ground_truth.json").write_text(json.dumps(truth, indent=2), encoding="utf-8")
    return subs


__all__ = ["generate_network", "GeneratedSubmission", "default_months", "build_timelines"]
