"""A small hand-made warehouse: the loader's tables (docs/architecture.md, "Warehouse tables")
created with plain DDL and filled row by row, so the dbt project is tested against the contract
and nothing else. Every metric of test_metrics.py is worked out by hand from these rows.

Trusts and submissions (received_at decides "latest" within a (trust, period)):

    RDR  S1 2026-03 received 04-03  accepted                superseded by S2
         S2 2026-03 received 04-08  accepted_with_warnings  current for 2026-03
         S3 2026-03 received 04-09  rejected                supersedes nothing
         S4 2026-04 received 05-06  accepted                current for 2026-04
    RWF  W1 2026-03 received 04-02  accepted                superseded by W3
         W2 2026-04 received 05-04  accepted                current for 2026-04
         W3 2026-03 received 05-10  accepted                current for 2026-03 (a March resubmission
                                                            received after April's)
    RYR  Y1 2026-03 received 04-04  accepted                current for 2026-03

Patient tokens: tokA (RDR p1 and RYR x1: one person at two trusts), tokB … tokH.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

D = dt.date.fromisoformat

PREFIX = [("submission_id", "VARCHAR"), ("trust_ods_code", "VARCHAR"), ("period", "VARCHAR")]
#: the loader's tables as docs/architecture.md lays them out (types as written there)
TABLES: dict[str, list[tuple[str, str]]] = {
    "audit.submissions": [
        ("submission_id", "VARCHAR"),
        ("trust_ods_code", "VARCHAR"),
        ("period", "VARCHAR"),
        ("format", "VARCHAR"),
        ("received_at", "TIMESTAMP"),
        ("processed_at", "TIMESTAMP"),
        ("status", "VARCHAR"),
        ("superseded", "BOOLEAN"),
        ("rows_in", "BIGINT"),
        ("rows_loaded", "BIGINT"),
        ("rows_quarantined", "BIGINT"),
        ("n_warnings", "BIGINT"),
    ],
    "audit.findings": [
        ("submission_id", "VARCHAR"),
        ("file", "VARCHAR"),
        ("row_number", "BIGINT"),
        ("field", "VARCHAR"),
        ("rule_id", "VARCHAR"),
        ("severity", "VARCHAR"),
        ("message", "VARCHAR"),
    ],
    "raw.patients": PREFIX
    + [
        ("local_patient_id", "VARCHAR"),
        ("sex", "VARCHAR"),
        ("ethnic_category", "VARCHAR"),
        ("primary_condition", "VARCHAR"),
        ("condition_onset_date", "DATE"),
        ("communication_preference", "VARCHAR"),
        ("patient_token", "VARCHAR"),
        ("birth_year_month", "VARCHAR"),
        ("postcode_outward", "VARCHAR"),
        ("lsoa_code", "VARCHAR"),
        ("imd_decile", "INTEGER"),
        ("row_number", "BIGINT"),
    ],
    "raw.referrals": PREFIX
    + [
        ("referral_id", "VARCHAR"),
        ("local_patient_id", "VARCHAR"),
        ("referral_received_date", "DATE"),
        ("referral_source", "VARCHAR"),
        ("standard_route", "VARCHAR"),
        ("priority", "VARCHAR"),
        ("triage_date", "DATE"),
        ("first_assessment_date", "DATE"),
        ("site_ods_code", "VARCHAR"),
        ("discharge_date", "DATE"),
        ("patient_token", "VARCHAR"),
        ("age_at_referral", "INTEGER"),
        ("row_number", "BIGINT"),
    ],
    "raw.contacts": PREFIX
    + [
        ("contact_id", "VARCHAR"),
        ("referral_id", "VARCHAR"),
        ("contact_date", "DATE"),
        ("contact_type", "VARCHAR"),
        ("attendance", "VARCHAR"),
        ("consultant_present", "VARCHAR"),
        ("physio_present", "VARCHAR"),
        ("site_ods_code", "VARCHAR"),
        ("patient_token", "VARCHAR"),
        ("row_number", "BIGINT"),
    ],
    "raw.injections": PREFIX
    + [
        ("injection_id", "VARCHAR"),
        ("contact_id", "VARCHAR"),
        ("product", "VARCHAR"),
        ("limb", "VARCHAR"),
        ("side", "VARCHAR"),
        ("muscle", "VARCHAR"),
        ("units", "DOUBLE"),
        ("guidance", "VARCHAR"),
        ("row_number", "BIGINT"),
    ],
    "raw.adverse_events": PREFIX
    + [
        ("event_id", "VARCHAR"),
        ("contact_id", "VARCHAR"),
        ("event_date", "DATE"),
        ("event_type", "VARCHAR"),
        ("severity", "VARCHAR"),
        ("serious", "VARCHAR"),
        ("row_number", "BIGINT"),
    ],
    "raw.goals": PREFIX
    + [
        ("goal_id", "VARCHAR"),
        ("referral_id", "VARCHAR"),
        ("set_date", "DATE"),
        ("goal_area", "VARCHAR"),
        ("is_primary", "VARCHAR"),
        ("importance", "INTEGER"),
        ("difficulty", "INTEGER"),
        ("baseline_score", "INTEGER"),
        ("outcome_date", "DATE"),
        ("outcome_score", "INTEGER"),
        ("row_number", "BIGINT"),
    ],
    "raw.outcome_measures": PREFIX
    + [
        ("measure_id", "VARCHAR"),
        ("referral_id", "VARCHAR"),
        ("measure_date", "DATE"),
        ("timepoint", "VARCHAR"),
        ("instrument", "VARCHAR"),
        ("body_site", "VARCHAR"),
        ("value", "VARCHAR"),
        ("value_numeric", "DOUBLE"),
        ("row_number", "BIGINT"),
    ],
    "raw.experience": PREFIX
    + [
        ("response_id", "VARCHAR"),
        ("referral_id", "VARCHAR"),
        ("response_date", "DATE"),
        ("fft_response", "INTEGER"),
        ("understood_goals", "VARCHAR"),
        ("preferred_contact", "VARCHAR"),
        ("row_number", "BIGINT"),
    ],
}
FILE_OF = {
    f"raw.{t}": f"{t}.csv"
    for t in (
        "patients",
        "referrals",
        "contacts",
        "injections",
        "adverse_events",
        "goals",
        "outcome_measures",
        "experience",
    )
}


@dataclass
class Submission:
    submission_id: str
    trust: str
    period: str
    received_at: dt.datetime
    status: str
    superseded: bool
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    findings: list[dict[str, Any]] = field(default_factory=list)
    rejected_rows_in: int = 0

    def add(self, table: str, **values: Any) -> None:
        rows = self.rows[f"raw.{table}"]
        values.update(
            submission_id=self.submission_id, trust_ods_code=self.trust, period=self.period, row_number=len(rows) + 1
        )
        rows.append(values)

    def patient(self, pid, token, sex, eth, cond, birth_ym, imd, outward="BN1", lsoa="E01000002", comm=None):
        self.add(
            "patients",
            local_patient_id=pid,
            patient_token=token,
            sex=sex,
            ethnic_category=eth,
            primary_condition=cond,
            birth_year_month=birth_ym,
            imd_decile=imd,
            postcode_outward=outward,
            lsoa_code=lsoa if imd is not None else None,
            communication_preference=comm,
        )

    def referral(self, rid, pid, token, received, std="Y", triage=None, fa=None, priority="routine"):
        self.add(
            "referrals",
            referral_id=rid,
            local_patient_id=pid,
            patient_token=token,
            referral_received_date=D(received),
            referral_source="gp",
            standard_route=std,
            priority=priority,
            triage_date=D(triage) if triage else None,
            first_assessment_date=D(fa) if fa else None,
            site_ods_code=self.trust,
            age_at_referral=50,
        )

    def contact(self, cid, rid, token, date, ctype="injection", attendance="attended", cons="Y", physio="Y"):
        self.add(
            "contacts",
            contact_id=cid,
            referral_id=rid,
            patient_token=token,
            contact_date=D(date),
            contact_type=ctype,
            attendance=attendance,
            consultant_present=cons,
            physio_present=physio,
            site_ods_code=self.trust,
        )

    def injection(self, iid, cid, product, limb, units):
        self.add(
            "injections",
            injection_id=iid,
            contact_id=cid,
            product=product,
            limb=limb,
            side="L",
            muscle="biceps brachii",
            units=float(units),
            guidance="ultrasound",
        )

    def event(self, eid, cid, date, etype="weakness", severity="mild"):
        self.add(
            "adverse_events",
            event_id=eid,
            contact_id=cid,
            event_date=D(date),
            event_type=etype,
            severity=severity,
            serious="N",
        )

    def goal(self, gid, rid, set_date, primary, baseline=-1, out=None, score=None, imp=None, diff=None):
        self.add(
            "goals",
            goal_id=gid,
            referral_id=rid,
            set_date=D(set_date),
            goal_area="passive_function",
            is_primary=primary,
            importance=imp,
            difficulty=diff,
            baseline_score=baseline,
            outcome_date=D(out) if out else None,
            outcome_score=score,
        )

    def measure(self, mid, rid, date, timepoint, instrument, value, numeric, body_site=None):
        self.add(
            "outcome_measures",
            measure_id=mid,
            referral_id=rid,
            measure_date=D(date),
            timepoint=timepoint,
            instrument=instrument,
            body_site=body_site,
            value=value,
            value_numeric=numeric,
        )

    def response(self, xid, rid, date, fft, understood=None):
        self.add(
            "experience",
            response_id=xid,
            referral_id=rid,
            response_date=D(date),
            fft_response=fft,
            understood_goals=understood,
            preferred_contact=None,
        )

    def finding(self, file, row, fld, rule, severity, message):
        self.findings.append(
            {
                "submission_id": self.submission_id,
                "file": file,
                "row_number": row,
                "field": fld,
                "rule_id": rule,
                "severity": severity,
                "message": message,
            }
        )

    def audit_row(self) -> dict[str, Any]:
        loaded = sum(len(r) for r in self.rows.values())
        quarantined = sum(1 for f in self.findings if f["severity"] == "E2")
        return {
            "submission_id": self.submission_id,
            "trust_ods_code": self.trust,
            "period": self.period,
            "format": "regional-v1",
            "received_at": self.received_at,
            "processed_at": self.received_at + dt.timedelta(minutes=5),
            "status": self.status,
            "superseded": self.superseded,
            "rows_in": self.rejected_rows_in if self.status == "rejected" else loaded + quarantined,
            "rows_loaded": loaded,
            "rows_quarantined": quarantined,
            "n_warnings": sum(1 for f in self.findings if f["severity"] == "W"),
        }


def _sub(
    sid: str, trust: str, period: str, received: str, status: str = "accepted", superseded: bool = False
) -> Submission:
    return Submission(sid, trust, period, dt.datetime.fromisoformat(received), status, superseded)


def build() -> list[Submission]:
    """The fixture network. Comments name what each row is there to test."""
    s1 = _sub("RDR-2026-03-S1", "RDR", "2026-03", "2026-04-03T09:00:00", superseded=True)
    s2 = _sub("RDR-2026-03-S2", "RDR", "2026-03", "2026-04-08T09:00:00", "accepted_with_warnings")
    s3 = _sub("RDR-2026-03-S3", "RDR", "2026-03", "2026-04-09T09:00:00", "rejected")
    s4 = _sub("RDR-2026-04-S4", "RDR", "2026-04", "2026-05-06T09:00:00")
    w1 = _sub("RWF-2026-03-W1", "RWF", "2026-03", "2026-04-02T09:00:00", superseded=True)
    w2 = _sub("RWF-2026-04-W2", "RWF", "2026-04", "2026-05-04T09:00:00")
    w3 = _sub("RWF-2026-03-W3", "RWF", "2026-03", "2026-05-10T09:00:00")
    y1 = _sub("RYR-2026-03-Y1", "RYR", "2026-03", "2026-04-04T09:00:00")

    # --- RDR, current-data rule -------------------------------------------------------------
    s1.patient("p5", "tokE", "9", "99", "other_neurological", "1975-08", 7)
    s1.referral("R_SUP", "p5", "tokE", "2026-02-03", std="N")  # replaced by S2's version (resubmission)
    s1.referral("R_WD", "p5", "tokE", "2026-02-04", std="Y")  # withdrawn: S2 resends March without it

    s2.patient("p1", "tokA", "1", "A", "stroke", "1950-06", 2, comm="letter")  # S4 (later period) has imd 4
    s2.patient("p5", "tokE", "9", "99", "other_neurological", "1975-08", 7)
    s2.patient("p6", "tokF", "X", "S", "spinal_cord_injury", "1999-12", 10)
    s2.referral("R_SUP", "p5", "tokE", "2026-02-03", std="Y")
    s2.referral("R_LATE", "p5", "tokE", "2026-02-05", std="N")  # S4 (April) version wins
    s2.referral("R_Q", "p5", "tokE", "2026-02-06", std="N")  # quarantined in S4: this version stays
    s2.referral("RI5", "p6", "tokF", "2026-02-20")
    s2.contact("I9", "RI5", "tokF", "2026-03-05")  # no goals, no measures
    s2.injection("J9a", "I9", "botox", "lower", 300)
    s2.event("E3", "I9", "2026-03-06", "flu_like")
    s2.finding("patients.csv", 2, "nhs_number", "W02", "W", "NHS number is in the test range")

    s3.finding("referrals.csv", None, "sha256", "F04", "E1", "referrals.csv does not match its sha256")
    s3.rejected_rows_in = 20

    # --- RDR, April snapshot (history of every active referral included) --------------------
    s4.patient("p1", "tokA", "1", "A", "stroke", "1950-06", 4, comm="letter")
    s4.patient("p2", "tokB", "2", "H", "cerebral_palsy", "2010-04", 9, outward="TN1", lsoa="E01000001")
    s4.patient("p3", "tokC", "1", "Z", "multiple_sclerosis", "1986-04", 5, outward="RH1", lsoa="E01000003")
    s4.patient("p4", "tokD", "2", "M", "acquired_brain_injury", "1940-01", None, outward="GU1")  # W03
    s4.patient("p5", "tokE", "9", "99", "other_neurological", "1975-08", 7)
    s4.finding("patients.csv", 4, "postcode", "W03", "W", "postcode is not in the postcode lookup")
    s4.finding("referrals.csv", 99, "referral_received_date", "R01", "E2", "referral_received_date is empty")

    s4.referral("RA1", "p1", "tokA", "2025-12-01", fa="2026-04-06")  # M01: 126 days
    s4.referral("RA2", "p2", "tokB", "2025-12-01", std="N", fa="2026-04-07")  # M01: 127 days
    s4.referral("RB1", "p3", "tokC", "2026-04-02", triage="2026-04-20")  # M02: 10 working days (Easter)
    s4.referral("RB2", "p3", "tokC", "2026-04-02", triage="2026-04-21")  # M02: 11
    s4.referral("RB3", "p4", "tokD", "2026-04-22", std="N", triage="2026-04-22")  # M02: same day, 0
    s4.referral("RI1", "p1", "tokA", "2025-10-01")
    s4.referral("RI2", "p2", "tokB", "2025-10-20")
    s4.referral("RI3", "p3", "tokC", "2026-03-02")
    s4.referral("RI4", "p4", "tokD", "2026-03-20")
    s4.referral("RP1", "p4", "tokD", "2026-02-01")
    s4.referral("R_LATE", "p5", "tokE", "2026-02-05", std="Y")

    s4.contact("CA1", "RA1", "tokA", "2026-04-06", "assessment")  # M04 joint
    s4.contact("CA2", "RA2", "tokB", "2026-04-07", "assessment", physio="N")  # M04 not joint
    s4.contact("CA3", "RA2", "tokB", "2026-04-08", "assessment", "dna")  # M17 dna
    s4.contact("CA4", "RA1", "tokA", "2026-04-15", "review", "patient_cancelled")  # not in M17
    s4.contact("I1", "RI1", "tokA", "2026-01-15")
    s4.contact("I2", "RI1", "tokA", "2026-04-09")  # 84 days after I1 (RYR's 2026-03-01 contact ignored)
    s4.contact("I3", "RI2", "tokB", "2025-11-03")  # a month before the first submitted period
    s4.contact("I4", "RI2", "tokB", "2026-01-25")  # 83 days after I3
    s4.contact("I5", "RI3", "tokC", "2026-03-16")  # no injection rows
    s4.contact("I6", "RI3", "tokC", "2026-04-14", attendance="dna")
    s4.contact("I7", "RI3", "tokC", "2026-04-20")  # 35 days after I5 (I6 was not attended)
    s4.contact("I8", "RI4", "tokD", "2026-04-02")
    s4.contact("CT1", "RI3", "tokC", "2026-03-10", "telephone", "dna")

    s4.injection("J1a", "I1", "botox", "upper", 200)
    s4.injection("J1b", "I1", "botox", "upper", 150)  # 350 ≤ 400
    s4.injection("J2a", "I2", "dysport", "upper", 600)
    s4.injection("J2b", "I2", "dysport", "upper", 500)  # 1100 > 1000 (upper only)
    s4.injection("J3a", "I3", "dysport", "upper", 600)
    s4.injection("J3b", "I3", "dysport", "lower", 700)  # 1300 ≤ 1500 (both limbs)
    s4.injection("J4a", "I4", "botox", "upper", 400)  # = 400, within
    s4.injection("J4b", "I4", "xeomin", "lower", 501)  # > 500: the session fails on this product
    s4.injection("J6a", "I6", "botox", "upper", 500)  # over, but I6 was not attended
    s4.injection("J7a", "I7", "xeomin", "lower", 500)
    s4.injection("J8a", "I8", "dysport", "lower", 1500)  # = lower-limb maximum

    s4.event("E1", "I2", "2026-04-10")
    s4.event("E2", "I2", "2026-04-12", "fall", "moderate")  # second event on I2: I2 counts once

    s4.goal("G1", "RI1", "2026-01-10", "Y", out="2026-02-12", score=0, imp=2, diff=2)  # I1 + 28
    s4.goal("G2", "RI1", "2026-04-01", "Y", baseline=-2)  # 2nd primary by I2
    s4.goal("G3", "RI2", "2025-11-03", "Y", out="2026-03-23", score=-1, imp=0, diff=3)  # set on I3; I3 + 140
    s4.goal("G4", "RI2", "2025-12-01", "N", baseline=-2, out="2025-12-15", score=2)
    s4.goal("G5", "RI3", "2026-03-01", "N", out="2026-04-12", score=-1)  # I5 + 27
    s4.goal("G6", "RI3", "2026-03-01", "N", out="2026-04-12", score=-1)
    s4.goal("G9", "RI3", "2026-03-01", "N", out="2026-04-12", score=-1, imp=2, diff=0)  # weight 1
    s4.goal("G7", "RI4", "2026-04-03", "Y", out="2026-04-30", score=1, imp=3, diff=1)  # set after I8
    s4.goal("G8", "RI4", "2026-03-25", "N", baseline=-2, out="2026-04-10", score=0, imp=1, diff=2)

    s4.measure("MB1", "RI1", "2026-01-15", "baseline", "NRS_PAIN", "4", 4.0)  # on I1's day; exactly 4
    s4.measure("MR1", "RI1", "2026-02-20", "review", "NRS_PAIN", "2", 2.0)  # 2 ≤ 4 − 2
    s4.measure("MB2", "RI2", "2025-11-04", "baseline", "MAS", "1+", 1.5, "elbow flexors")  # day after I3
    s4.measure("MB5", "RI2", "2026-01-10", "baseline", "NRS_PAIN", "8", 8.0)
    s4.measure("MB6", "RI2", "2026-01-20", "baseline", "NRS_PAIN", "3", 3.0)
    s4.measure("MR3", "RI2", "2026-01-15", "review", "NRS_PAIN", "7", 7.0)  # baseline MB5 = 8: 7 > 6
    s4.measure("MR2", "RI2", "2026-02-01", "review", "NRS_PAIN", "1", 1.0)  # baseline MB6 = 3 < 4
    s4.measure("MR6", "RI2", "2026-01-18", "review", "MAS", "1", 1.0, "elbow flexors")  # not NRS_PAIN
    s4.measure("MB4", "RI4", "2026-04-01", "baseline", "BARTHEL", "12", 12.0)
    s4.measure("MB7", "RP1", "2026-03-02", "baseline", "NRS_PAIN", "3", 3.0)
    s4.measure("MB8", "RP1", "2026-03-02", "baseline", "NRS_PAIN", "5", 5.0)  # same day: the higher
    s4.measure("MR4", "RP1", "2026-03-02", "review", "NRS_PAIN", "3", 3.0)  # on the baseline's day
    s4.measure("MR5", "RB1", "2026-04-25", "review", "NRS_PAIN", "0", 0.0)  # no baseline

    s4.response("X1", "RI1", "2026-04-10", 1, "Y")
    s4.response("X2", "RI2", "2026-04-11", 2, "U")
    s4.response("X3", "RI3", "2026-04-12", 6)
    s4.response("X4", "RI4", "2026-04-13", 3, "N")
    s4.response("X5", "RI3", "2026-03-31", 5, "Y")

    # --- RWF: a March resubmission received after April's ----------------------------------
    w1.patient("w2", "tokH", "1", "A", "stroke", "1970-01", 6)
    w1.referral("W_WD", "w2", "tokH", "2026-02-20", std="Y")  # withdrawn by W3
    w1.referral("W_X", "w2", "tokH", "2026-02-25", std="Y")  # W3 resends it with N

    w2.patient("w1", "tokG", "2", "D", "stroke", "1960-01", 1)
    w2.patient("w2", "tokH", "1", "A", "stroke", "1970-01", 6)
    w2.referral("W_JUNE", "w2", "tokH", "2026-02-15", std="Y")  # April's version beats W3's later March
    w2.referral("WR1", "w1", "tokG", "2026-03-02", triage="2026-03-03", fa="2026-04-01")
    w2.contact("WC1", "WR1", "tokG", "2026-04-01", "assessment")
    w2.contact("WC2", "WR1", "tokG", "2026-04-08")
    w2.injection("WJ1", "WC2", "botox", "upper", 100)

    w3.patient("w2", "tokH", "1", "A", "stroke", "1970-01", 6)
    w3.referral("W_JUNE", "w2", "tokH", "2026-02-15", std="N")
    w3.referral("W_X", "w2", "tokH", "2026-02-25", std="N")

    # --- RYR: tokA seen at a spoke too -------------------------------------------------------
    y1.patient("x1", "tokA", "1", "B", "stroke", "1950-06", 4)
    y1.referral("Y1R", "x1", "tokA", "2026-02-10")
    y1.contact("YI1", "Y1R", "tokA", "2026-03-01")

    return [s1, s2, s3, s4, w1, w2, w3, y1]


def _rows(subs: Iterable[Submission]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for s in subs:
        out["audit.submissions"].append(s.audit_row())
        out["audit.findings"].extend(s.findings)
        for table, rows in s.rows.items():
            out[table].extend(rows)
    return out


def create_sources(
    execute: Callable[[str], None],
    insert: Callable[[str, list[str], list[tuple]], None],
    engine: str,
    *,
    findings_dataset_file: bool = False,
) -> list[Submission]:
    """Create the loader's schemas and tables and fill them with the fixture network.

    ``findings_dataset_file`` adds the loader's optional audit.findings.dataset_file column (equal
    to ``file`` here, as for a regional-v1 submission)."""
    subs = build()
    double = "DOUBLE PRECISION" if engine == "postgres" else "DOUBLE"
    for schema in ("audit", "raw", "quarantine"):
        execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    tables = dict(TABLES)
    if findings_dataset_file:
        tables["audit.findings"] = [*TABLES["audit.findings"], ("dataset_file", "VARCHAR")]
    data = _rows(subs)
    for name, cols in tables.items():
        body = ", ".join(f"{c} {double if t == 'DOUBLE' else t}" for c, t in cols)
        execute(f"CREATE TABLE {name} ({body})")
        names = [c for c, _ in cols]
        rows = [tuple((r.get("file") if c == "dataset_file" else r.get(c)) for c in names) for r in data[name]]
        if rows:
            insert(name, names, rows)
    return subs
