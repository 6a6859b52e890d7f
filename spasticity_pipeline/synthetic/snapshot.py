"""One month's submission cut from a trust's timeline (spec §1 snapshot semantics).

A referral is in the month's extract when anything of it happened in the month; the extract
then holds the referral, its patient and every row of it dated up to the month's end (earlier
rows are sent again). Values not yet known at the month's end (a later discharge, a goal's
outcome) are empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..contract.fields import FILES
from .timeline import Timeline


@dataclass
class Snapshot:
    """Canonical text tables (None = empty) plus the bookkeeping the fault planner needs:
    ``ref`` (referral index) on every row, ``contact_id`` on injections/adverse events and the
    warning flags."""

    trust: str
    period: str
    tables: dict[str, pd.DataFrame]


def month_bounds(period: str) -> tuple[np.datetime64, np.datetime64]:
    start = np.datetime64(f"{period}-01")
    end = (np.datetime64(period, "M") + 1).astype("datetime64[D]") - 1
    return start, end


def _text(dates: pd.Series | np.ndarray, end: np.datetime64) -> np.ndarray:
    d = np.asarray(dates, dtype="datetime64[D]")
    out = np.datetime_as_string(d, unit="D").astype(object)
    out[np.isnat(d) | (d > end)] = None
    return out


def _int_text(values: np.ndarray, absent: np.ndarray) -> np.ndarray:
    out = np.asarray(values).astype(int).astype(str).astype(object)
    out[absent] = None
    return out


def cut(tl: Timeline, period: str) -> Snapshot:
    start, end = month_bounds(period)

    def in_month(d) -> np.ndarray:
        d = np.asarray(d, dtype="datetime64[D]")
        return (d >= start) & (d <= end)

    r = tl.referrals
    active = np.zeros(len(r), bool)
    for col in ("referral_received_date", "triage_date", "first_assessment_date", "discharge_date"):
        active |= in_month(r[col])
    for frame, col in (
        (tl.contacts, "contact_date"),
        (tl.goals, "set_date"),
        (tl.goals, "outcome_date"),
        (tl.outcome_measures, "measure_date"),
        (tl.experience, "response_date"),
        (tl.adverse_events, "event_date"),
    ):
        active[frame["ref"].to_numpy()[in_month(frame[col])]] = True
    # nothing of a referral exists before it is received
    active &= np.asarray(r["referral_received_date"], "datetime64[D]") <= end
    refs = np.flatnonzero(active)

    def rows(frame: pd.DataFrame, date_col: str) -> pd.DataFrame:
        keep = active[frame["ref"].to_numpy()] & (np.asarray(frame[date_col], "datetime64[D]") <= end)
        return frame[keep]

    p = tl.patients.iloc[refs].assign(ref=refs)
    patients = pd.DataFrame(
        {
            "local_patient_id": p["local_patient_id"],
            "nhs_number": p["nhs_number"],
            "birth_date": _text(p["birth_date"], end),
            "sex": p["sex"],
            "ethnic_category": p["ethnic_category"],
            "postcode": p["postcode"],
            "primary_condition": p["primary_condition"],
            "condition_onset_date": _text(p["condition_onset_date"], end),
            "communication_preference": p["communication_preference"],
            "ref": refs,
            "w02": p["w02"],
            "w03": p["w03"],
        }
    )
    rr = r.iloc[refs]
    referrals = pd.DataFrame(
        {
            "referral_id": rr["referral_id"],
            "local_patient_id": rr["local_patient_id"],
            "referral_received_date": _text(rr["referral_received_date"], end),
            "referral_source": rr["referral_source"],
            "standard_route": rr["standard_route"],
            "priority": rr["priority"],
            "triage_date": _text(rr["triage_date"], end),
            "first_assessment_date": _text(rr["first_assessment_date"], end),
            "site_ods_code": rr["site_ods_code"],
            "discharge_date": _text(rr["discharge_date"], end),
            "ref": refs,
        }
    )
    c = rows(tl.contacts, "contact_date")
    contacts = c.assign(contact_date=_text(c["contact_date"], end))
    i = rows(tl.injections, "date")  # an injection row has its contact's referral and date
    injections = i.assign(units=np.char.mod("%g", i["units"].to_numpy()).astype(object)).drop(columns=["date"])
    a = rows(tl.adverse_events, "event_date")
    adverse = a.assign(event_date=_text(a["event_date"], end))
    g = rows(tl.goals, "set_date")
    outcome_known = np.asarray(g["outcome_date"], "datetime64[D]") <= end
    absent_pair = g["importance"].to_numpy() < 0
    goals = g.assign(
        set_date=_text(g["set_date"], end),
        outcome_date=_text(g["outcome_date"], end),
        importance=_int_text(g["importance"], absent_pair),
        difficulty=_int_text(g["difficulty"], absent_pair),
        baseline_score=_int_text(g["baseline_score"], np.zeros(len(g), bool)),
        outcome_score=_int_text(g["outcome_score"], ~outcome_known),
    )
    m = rows(tl.outcome_measures, "measure_date")
    measures = m.assign(measure_date=_text(m["measure_date"], end))
    x = rows(tl.experience, "response_date")
    experience = x.assign(
        response_date=_text(x["response_date"], end),
        fft_response=_int_text(x["fft_response"], np.zeros(len(x), bool)),
        understood_goals=x["understood_goals"].replace("", None),
        preferred_contact=x["preferred_contact"].replace("", None),
    )
    tables = {
        "patients.csv": patients,
        "referrals.csv": referrals,
        "contacts.csv": contacts,
        "injections.csv": injections,
        "adverse_events.csv": adverse,
        "goals.csv": goals,
        "outcome_measures.csv": measures,
        "experience.csv": experience,
    }
    return Snapshot(tl.trust, period, {k: v.reset_index(drop=True) for k, v in tables.items()})


def canonical(table: pd.DataFrame, name: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """The file's regional-v1 columns (and any extra ones), in spec order."""
    spec = next(s for s in FILES if s.name == name)
    return table[[*spec.columns, *extra]]
