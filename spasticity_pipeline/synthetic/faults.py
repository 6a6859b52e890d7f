"""Row faults injected into a snapshot, and the exact outcome they must produce.

Each fault goes on its own referral (never one carrying a warning fault), so its effect is
exactly: the faulted row's rule, plus R07 on every row below it (spec §3 cascade). The expected
result is counted from the snapshot's structure, not by running the validator. Planning is
vectorised: per-referral and per-contact row counts are computed once, and faults are drawn
kind by kind (a fault is a handful of numbers; the rows are never looped over).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..contract.fields import FILES
from ..contract.submission import SubmissionStatus
from .snapshot import Snapshot, month_bounds
from .timeline import distinct

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
FILE_NAMES = [s.name for s in FILES]
#: files below a referral (R07 when it is quarantined), and below a contact
BELOW_REFERRAL = (
    "contacts.csv",
    "injections.csv",
    "adverse_events.csv",
    "goals.csv",
    "outcome_measures.csv",
    "experience.csv",
)
BELOW_CONTACT = ("injections.csv", "adverse_events.csv")


@dataclass
class Plan:
    faults: list[tuple[str, int]] = field(default_factory=list)  # (kind, row index in its file)
    quarantined: Counter = field(default_factory=Counter)  # file → rows
    findings: Counter = field(default_factory=Counter)  # rule → count
    extra_rows: Counter = field(default_factory=Counter)  # file → rows added (R05 duplicates)


def warned_refs(snap: Snapshot) -> np.ndarray:
    """Referrals carrying a warning fault (never given a row fault)."""
    t = snap.tables
    p, i, c = t["patients.csv"], t["injections.csv"], t["contacts.csv"]
    return distinct(
        np.concatenate(
            [
                p["ref"].to_numpy()[(p["w02"] | p["w03"]).to_numpy(bool)],
                i["ref"].to_numpy()[i["w04"].to_numpy(bool)],
                c["ref"].to_numpy()[c["w05"].to_numpy(bool)],
            ]
        ).astype(np.int64)
    )


class _Counts:
    """Rows per referral and per contact of every file, for the cascade of a faulted row."""

    def __init__(self, snap: Snapshot):
        t = snap.tables
        self.refs = t["referrals.csv"]["ref"].to_numpy()  # ascending (cut keeps timeline order)
        n = len(self.refs)
        self.per_ref = {f: np.bincount(self.pos(t[f]["ref"].to_numpy()), minlength=n) for f in BELOW_REFERRAL}
        contact_ids = pd.Index(t["contacts.csv"]["contact_id"])
        self.per_contact = {
            f: np.bincount(contact_ids.get_indexer(t[f]["contact_id"]), minlength=len(contact_ids))
            for f in BELOW_CONTACT
        }

    def pos(self, refs: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.refs, refs)

    def effect(self, kind: str, rows: np.ndarray, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Per fault: rows quarantined per file (n × 8) and R07 findings among them (n)."""
        file, _ = KINDS[kind]
        q = np.zeros((len(rows), len(FILE_NAMES)), np.int64)
        own = 2 if kind == "R05_duplicate_measure" else 1
        q[:, FILE_NAMES.index(file)] = own
        if file in ("patients.csv", "referrals.csv"):
            pos = self.pos(frame["ref"].to_numpy()[rows])
            if file == "patients.csv":
                q[:, FILE_NAMES.index("referrals.csv")] = 1  # one referral per patient in a trust
            for f in BELOW_REFERRAL:
                q[:, FILE_NAMES.index(f)] = self.per_ref[f][pos]
        elif file == "contacts.csv":
            for f in BELOW_CONTACT:
                q[:, FILE_NAMES.index(f)] = self.per_contact[f][rows]
        return q, q.sum(axis=1) - own


def _candidates(snap: Snapshot, kind: str, counts: _Counts) -> np.ndarray:
    """Rows of the kind's file where the fault has exactly the planned effect."""
    t = snap.tables
    file, _ = KINDS[kind]
    frame = t[file]
    ok = np.ones(len(frame), bool)
    if kind in ("R03_contact_attendance", "R08_contact_before_referral"):
        has_inj = counts.per_contact["injections.csv"] > 0
        ok &= frame["contact_type"].eq("injection").to_numpy() & has_inj
    if kind == "R08_goal_outcome_before_set":
        ok &= frame["outcome_date"].notna().to_numpy()
    return np.flatnonzero(ok)


def plan_faults(snap: Snapshot, rng: np.random.Generator, fault_rate: float, offset: int) -> Plan:
    """Choose faulted rows (one per referral) and count their exact effect; no file may end up
    more than half quarantined (that would be F07, a different fault)."""
    plan = Plan()
    if fault_rate <= 0:
        return plan
    t = snap.tables
    counts = _Counts(snap)
    taken = np.zeros(len(counts.refs), bool)
    taken[counts.pos(warned_refs(snap))] = True
    n = max(1, int(np.ceil(fault_rate * len(counts.refs))))
    kinds = list(KINDS)
    # the kinds rotate across snapshots (offset), so small snapshots still cover every kind
    wanted = Counter(kinds[(offset + j) % len(kinds)] for j in range(n))
    chosen: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
    for kind in kinds:
        if not wanted[kind]:
            continue
        frame = t[KINDS[kind][0]]
        cands = _candidates(snap, kind, counts)
        cands = cands[rng.permutation(len(cands))]
        pos = counts.pos(frame["ref"].to_numpy()[cands])
        free = ~taken[pos]
        cands, pos = cands[free], pos[free]
        _, first = np.unique(pos, return_index=True)  # one row per referral, at random
        first = np.sort(first)[: wanted[kind]]
        rows = cands[first]
        taken[pos[first]] = True
        q, r07 = counts.effect(kind, rows, frame)
        chosen.append((kind, rows, q, r07))
    if not chosen:
        return plan
    kind_of = np.concatenate([np.full(len(c[1]), k, np.int64) for k, c in enumerate(chosen)])
    rows = np.concatenate([c[1] for c in chosen])
    q = np.concatenate([c[2] for c in chosen])
    r07 = np.concatenate([c[3] for c in chosen])
    # interleave the kinds, then keep faults greedily while every file stays within F07's half
    order = rng.permutation(len(rows))
    kind_of, rows, q, r07 = kind_of[order], rows[order], q[order], r07[order]
    dup = np.array([chosen[k][0] == "R05_duplicate_measure" for k in kind_of])
    size = np.array([len(t[f]) for f in FILE_NAMES])
    extra = np.zeros((len(rows), len(FILE_NAMES)), np.int64)
    extra[:, FILE_NAMES.index("outcome_measures.csv")] = dup
    keep = np.ones(len(rows), bool)
    if ((q.sum(0) > F07_SHARE * (size + extra.sum(0))) & (size + extra.sum(0) > 0)).any():
        used, added = np.zeros(len(FILE_NAMES), np.int64), np.zeros(len(FILE_NAMES), np.int64)
        for j in range(len(rows)):  # only for small snapshots: one step per fault, not per row
            rows_in = size + added + extra[j]
            if ((used + q[j] > F07_SHARE * rows_in) & (rows_in > 0)).any():
                keep[j] = False
                continue
            used += q[j]
            added += extra[j]
    for k, row in zip(kind_of[keep], rows[keep]):
        plan.faults.append((chosen[k][0], int(row)))
    qk = q[keep].sum(0)
    plan.quarantined.update({f: int(v) for f, v in zip(FILE_NAMES, qk) if v})
    plan.extra_rows.update({f: int(v) for f, v in zip(FILE_NAMES, extra[keep].sum(0)) if v})
    for k, c in enumerate(chosen):
        mine = keep & (kind_of == k)
        rule = KINDS[c[0]][1]
        plan.findings[rule] += int(mine.sum()) * (2 if c[0] == "R05_duplicate_measure" else 1)
    plan.findings["R07"] += int(r07[keep].sum())
    plan.findings = Counter({k: v for k, v in plan.findings.items() if v})
    return plan


def apply_faults(snap: Snapshot, plan: Plan) -> dict[str, pd.DataFrame]:
    """The snapshot's tables with the planned faults written in."""
    t = {k: v.copy() for k, v in snap.tables.items()}
    _, end = month_bounds(snap.period)
    by_kind: dict[str, list[int]] = {}
    for kind, row in plan.faults:
        by_kind.setdefault(kind, []).append(row)
    rows_of = {k: np.array(v, np.int64) for k, v in by_kind.items()}

    def put(kind: str, col: str, values) -> None:
        if kind in rows_of:
            frame = t[KINDS[kind][0]]
            frame.loc[rows_of[kind], col] = values(frame.loc[rows_of[kind]]) if callable(values) else values

    def shift(col: str, days: int):
        return lambda f: np.datetime_as_string(f[col].to_numpy().astype("datetime64[D]") + days, unit="D")

    put("R01_referral_priority", "priority", None)
    put("R02_goal_date", "set_date", f"{str(end)[:4]}-02-31")
    put("R03_contact_attendance", "attendance", "came")
    # the last digit changed: the modulus-11 check then fails (exactly one check digit fits)
    put(
        "R04_nhs_number",
        "nhs_number",
        lambda f: (f["nhs_number"].str[:9] + ((f["nhs_number"].str[9].astype(int) + 1) % 10).astype(str)).to_numpy(),
    )
    put("R06_experience_referral", "referral_id", lambda f: [f"NOREF{i:05d}" for i in range(len(f))])
    if "R08_contact_before_referral" in rows_of:
        r = t["referrals.csv"]
        received = pd.Series(r["referral_received_date"].to_numpy(), index=r["ref"].to_numpy())
        put(
            "R08_contact_before_referral",
            "contact_date",
            lambda f: np.datetime_as_string(
                received.loc[f["ref"].to_numpy()].to_numpy().astype("datetime64[D]") - 5, unit="D"
            ),
        )
    put("R08_goal_outcome_before_set", "outcome_date", shift("set_date", -1))
    put("R09_response_after_period", "response_date", str(end + 3))
    put("R10_units", "units", "2000")
    if "R05_duplicate_measure" in rows_of:  # appended after every edit
        m = t["outcome_measures.csv"]
        t["outcome_measures.csv"] = pd.concat([m, m.loc[rows_of["R05_duplicate_measure"]]], ignore_index=True)
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
    files = {
        s.name: {
            "rows_in": len(tables[s.name]),
            "rows_loaded": len(tables[s.name]) - plan.quarantined[s.name],
            "rows_quarantined": plan.quarantined[s.name],
        }
        for s in FILES
    }
    nonzero = {k: v for k, v in findings.items() if v}
    order = [f"F0{i}" for i in range(1, 8)] + [f"R{i:02d}" for i in range(1, 11)] + [f"W0{i}" for i in range(1, 6)]
    status = SubmissionStatus.of_findings(len(nonzero))
    return {"status": str(status), "files": files, "findings": {k: nonzero[k] for k in order if k in nonzero}}
