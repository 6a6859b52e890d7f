"""Row faults injected into a snapshot, and the exact outcome they must produce.

Each fault goes on its own referral (never one carrying a warning fault), so its effect is
exactly: the faulted row's rule, plus R07 on every row below it (spec §3 cascade). The expected
result is counted from the snapshot's structure, not by running the validator.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..contract.fields import FILES
from .snapshot import Snapshot, month_bounds

F07_SHARE = 0.5
#: fault kind → (file it edits, rule it triggers)
KINDS = {
    "R01_referral_priority": ("referrals.csv", "R01"),
    "R02_goal_date": ("goals.csv", "R02"),
    "R03_contact_attendance": ("contacts.csv", "R03"),
    "R04_nhs_number": ("patients.csv", "R04"),
    "R05_duplicate_measure": ("outcome_measures.csv", "R05"),
    "R06_experience_referral": ("experience.csv", "R06"),
    "R08_contact_before_referral": ("contacts.csv", "R08"),
    "R08_goal_outcome_before_set": ("goals.csv", "R08"),
    "R09_response_after_period": ("experience.csv", "R09"),
    "R10_units": ("injections.csv", "R10"),
}
CHILD_FILES = ("contacts.csv", "goals.csv", "outcome_measures.csv", "experience.csv")


@dataclass
class Plan:
    faults: list[tuple[str, int]] = field(default_factory=list)  # (kind, row index in its file)
    quarantined: Counter = field(default_factory=Counter)  # file → rows
    findings: Counter = field(default_factory=Counter)  # rule → count
    extra_rows: Counter = field(default_factory=Counter)  # file → rows added (R05 duplicates)


def warned_refs(snap: Snapshot) -> set[int]:
    t = snap.tables
    refs = set(t["patients.csv"].loc[t["patients.csv"]["w02"] | t["patients.csv"]["w03"], "ref"])
    refs |= set(t["injections.csv"].loc[t["injections.csv"]["w04"], "ref"])
    refs |= set(t["contacts.csv"].loc[t["contacts.csv"]["w05"], "ref"])
    return refs


class _Structure:
    """Row counts per referral and per contact, counted once per snapshot (vectorised)."""

    def __init__(self, snap: Snapshot) -> None:
        t = snap.tables
        self.per_ref = {f: t[f]["ref"].value_counts().to_dict() for f in t}
        self.per_contact = {f: t[f]["contact_id"].value_counts().to_dict()
                            for f in ("injections.csv", "adverse_events.csv")}


def _cascade(snap: Snapshot, st: _Structure, kind: str, row: int, plan: Plan) -> None:
    """Count the faulted row and everything below it."""
    t = snap.tables
    file, rule = KINDS[kind]
    plan.findings[rule] += 2 if kind == "R05_duplicate_measure" else 1
    plan.quarantined[file] += 2 if kind == "R05_duplicate_measure" else 1
    below: dict[str, int] = {}
    if file in ("patients.csv", "referrals.csv"):
        ref = t[file].at[row, "ref"]
        if file == "patients.csv":
            below["referrals.csv"] = 1
        for f in (*CHILD_FILES, "injections.csv", "adverse_events.csv"):
            below[f] = st.per_ref[f].get(ref, 0)
    elif file == "contacts.csv":
        cid = t[file].at[row, "contact_id"]
        for f in ("injections.csv", "adverse_events.csv"):
            below[f] = st.per_contact[f].get(cid, 0)
    for f, n in below.items():
        plan.quarantined[f] += n
        plan.findings["R07"] += n


def _candidates(snap: Snapshot, kind: str, rng: np.random.Generator) -> list[int]:
    """Rows a fault of ``kind`` can go on, in random order."""
    t = snap.tables
    file, _ = KINDS[kind]
    frame = t[file]
    ok = np.ones(len(frame), bool)
    if kind in ("R03_contact_attendance", "R08_contact_before_referral"):
        has_inj = frame["contact_id"].isin(t["injections.csv"]["contact_id"])
        ok &= (frame["contact_type"].eq("injection") & has_inj).to_numpy()
    if kind == "R08_goal_outcome_before_set":
        ok &= frame["outcome_date"].notna().to_numpy()
    return rng.permutation(frame.index.to_numpy()[ok]).tolist()


def plan_faults(snap: Snapshot, rng: np.random.Generator, fault_rate: float, offset: int) -> Plan:
    """Choose faulted rows (one per referral) and count their exact effect; no file may end up
    more than half quarantined (that would be F07, a different fault)."""
    plan = Plan()
    if fault_rate <= 0:
        return plan
    free = set(snap.tables["referrals.csv"]["ref"]) - warned_refs(snap)
    n = max(1, int(np.ceil(fault_rate * len(snap.tables["referrals.csv"]))))
    kinds = list(KINDS)
    structure = _Structure(snap)
    queues = {kind: _candidates(snap, kind, rng) for kind in kinds}
    for j in range(n):
        kind = kinds[(offset + j) % len(kinds)]
        frame = snap.tables[KINDS[kind][0]]
        queue = queues[kind]
        while queue and frame.at[queue[-1], "ref"] not in free:
            queue.pop()
        if not queue:
            continue
        row = queue.pop()
        trial = Plan(list(plan.faults), plan.quarantined.copy(), plan.findings.copy(), plan.extra_rows.copy())
        _cascade(snap, structure, kind, row, trial)
        if kind == "R05_duplicate_measure":
            trial.extra_rows["outcome_measures.csv"] += 1
        rows_in = {f: len(snap.tables[f]) + trial.extra_rows[f] for f in snap.tables}
        if any(trial.quarantined[f] > F07_SHARE * rows_in[f] for f in rows_in if rows_in[f]):
            continue
        trial.faults.append((kind, row))
        plan = trial
        free.discard(frame.at[row, "ref"])
    return plan


def apply_faults(snap: Snapshot, plan: Plan) -> dict[str, pd.DataFrame]:
    """The snapshot's tables with the planned faults written in."""
    t = {k: v.copy() for k, v in snap.tables.items()}
    _, end = month_bounds(snap.period)
    for i, (kind, row) in enumerate(plan.faults):
        file, _ = KINDS[kind]
        f = t[file]
        if kind == "R01_referral_priority":
            f.at[row, "priority"] = None
        elif kind == "R02_goal_date":
            f.at[row, "set_date"] = f"{str(end)[:4]}-02-31"
        elif kind == "R03_contact_attendance":
            f.at[row, "attendance"] = "came"
        elif kind == "R04_nhs_number":
            nhs = f.at[row, "nhs_number"]
            f.at[row, "nhs_number"] = nhs[:9] + str((int(nhs[9]) + 1) % 10)
        elif kind == "R05_duplicate_measure":
            pass  # appended below, after every edit
        elif kind == "R06_experience_referral":
            f.at[row, "referral_id"] = f"NOREF{i:04d}"
        elif kind == "R08_contact_before_referral":
            ref = f.at[row, "ref"]
            received = t["referrals.csv"].loc[t["referrals.csv"]["ref"] == ref, "referral_received_date"].iloc[0]
            f.at[row, "contact_date"] = str(np.datetime64(received) - 5)
        elif kind == "R08_goal_outcome_before_set":
            f.at[row, "outcome_date"] = str(np.datetime64(f.at[row, "set_date"]) - 1)
        elif kind == "R09_response_after_period":
            f.at[row, "response_date"] = str(end + 3)
        elif kind == "R10_units":
            f.at[row, "units"] = "2000"
    dups = [row for kind, row in plan.faults if kind == "R05_duplicate_measure"]
    if dups:
        m = t["outcome_measures.csv"]
        t["outcome_measures.csv"] = pd.concat([m, m.loc[dups]], ignore_index=True)
    return t


def expected(tables: dict[str, pd.DataFrame], plan: Plan, extra_column_files: int) -> dict:
    """The ``validate --json`` result this snapshot must give."""
    findings = Counter(plan.findings)
    # warned referrals are never faulted, so every flagged row loads and carries its warning
    p, i, c = tables["patients.csv"], tables["injections.csv"], tables["contacts.csv"]
    findings["W02"] += int(p["w02"].sum())
    findings["W03"] += int(p["w03"].sum())
    findings["W04"] += int(i["w04"].sum())
    findings["W05"] += int(c["w05"].sum())
    if extra_column_files:
        findings["W01"] += extra_column_files
    files = {s.name: {"rows_in": len(tables[s.name]),
                      "rows_loaded": len(tables[s.name]) - plan.quarantined[s.name],
                      "rows_quarantined": plan.quarantined[s.name]} for s in FILES}
    findings = {k: v for k, v in findings.items() if v}
    order = [f"F0{i}" for i in range(1, 8)] + [f"R{i:02d}" for i in range(1, 11)] + [f"W0{i}" for i in range(1, 6)]
    status = "accepted" if not findings else "accepted_with_warnings"
    return {"status": status, "files": files, "findings": {k: findings[k] for k in order if k in findings}}
