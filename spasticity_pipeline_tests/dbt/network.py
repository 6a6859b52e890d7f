"""A hand-made two-trust network whose every metric is worked out by hand (test_metrics.py).

RDR sends October 2026 (three referrals, P1–P3); RXC sends September 2026 for P4, who is P1
(same NHS number) seen at the spoke. Dates are chosen on the metrics' boundaries.
"""

from __future__ import annotations

NHS_P1, NHS_P2, NHS_P3 = "943 476 5919", "4010232137", "6328797966"


def _patient(pid: str, nhs: str) -> dict[str, str]:
    return {
        "local_patient_id": pid,
        "nhs_number": nhs,
        "birth_date": "1960-05-17",
        "sex": "1",
        "ethnic_category": "A",
        "postcode": "TN1 2AB",
        "primary_condition": "stroke",
        "condition_onset_date": "2025-01-10",
        "communication_preference": "letter",
    }


def _referral(rid, pid, received, triage, fa, route, site) -> dict[str, str]:
    return {
        "referral_id": rid,
        "local_patient_id": pid,
        "referral_received_date": received,
        "referral_source": "gp",
        "standard_route": route,
        "priority": "routine",
        "triage_date": triage,
        "first_assessment_date": fa,
        "site_ods_code": site,
        "discharge_date": "",
    }


def _contact(cid, rid, date, ctype, att, cons, physio, site) -> dict[str, str]:
    return {
        "contact_id": cid,
        "referral_id": rid,
        "contact_date": date,
        "contact_type": ctype,
        "attendance": att,
        "consultant_present": cons,
        "physio_present": physio,
        "site_ods_code": site,
    }


def _injection(iid, cid, product, limb, units) -> dict[str, str]:
    return {
        "injection_id": iid,
        "contact_id": cid,
        "product": product,
        "limb": limb,
        "side": "L",
        "muscle": "biceps brachii" if limb == "upper" else "soleus",
        "units": units,
        "guidance": "ultrasound",
    }


def _goal(gid, rid, set_date, primary, imp, diff, base, out_date, out_score) -> dict[str, str]:
    return {
        "goal_id": gid,
        "referral_id": rid,
        "set_date": set_date,
        "goal_area": "pain",
        "is_primary": primary,
        "importance": imp,
        "difficulty": diff,
        "baseline_score": base,
        "outcome_date": out_date,
        "outcome_score": out_score,
    }


def _measure(mid, rid, date, tp, instrument, value) -> dict[str, str]:
    return {
        "measure_id": mid,
        "referral_id": rid,
        "measure_date": date,
        "timepoint": tp,
        "instrument": instrument,
        "body_site": "elbow flexors" if instrument == "MAS" else "",
        "value": value,
    }


RDR_OCTOBER = {
    "patients.csv": [_patient("P1", NHS_P1), _patient("P2", NHS_P2), _patient("P3", NHS_P3)],
    "referrals.csv": [
        # M01: +126 days (hit); M02: 10 working days (hit)
        _referral("R1", "P1", "2026-03-02", "2026-03-16", "2026-07-06", "Y", "RDR"),
        # M01: +127 days (miss); M02: 10 working days across Easter 2026 (Good Friday 3 Apr, Easter Monday 6 Apr)
        _referral("R2", "P2", "2026-03-27", "2026-04-14", "2026-08-01", "N", "RDR"),
        # M02: 11 working days (miss); no first assessment (not in M01)
        _referral("R3", "P3", "2026-03-27", "2026-04-15", "", "Y", "RDR"),
    ],
    "contacts.csv": [
        _contact("C1", "R1", "2026-07-06", "assessment", "attended", "Y", "Y", "RDR"),
        _contact("C2", "R2", "2026-08-01", "assessment", "attended", "Y", "N", "RDR"),
        _contact("C3", "R1", "2026-07-20", "injection", "attended", "Y", "Y", "RDR"),
        _contact("C4", "R1", "2026-10-12", "injection", "attended", "Y", "Y", "RDR"),  # exactly 84 days after C3
        _contact("C5", "R2", "2026-08-10", "injection", "attended", "Y", "N", "RDR"),
        _contact("C6", "R2", "2026-10-01", "injection", "attended", "Y", "N", "RDR"),  # 52 days after C5
        _contact("C7", "R3", "2026-04-20", "assessment", "dna", "N", "N", "RDR"),
    ],
    "injections.csv": [
        _injection("I1", "C3", "botox", "upper", "200"),
        _injection("I2", "C3", "botox", "upper", "150"),
        _injection("I3", "C4", "dysport", "lower", "800"),
        _injection("I4", "C4", "dysport", "upper", "400"),
        _injection("I5", "C5", "botox", "upper", "300"),
        _injection("I6", "C5", "xeomin", "lower", "300"),
        _injection("I7", "C6", "botox", "lower", "250"),
        _injection("I8", "C6", "botox", "lower", "200"),
    ],
    "adverse_events.csv": [
        {
            "event_id": "E1",
            "contact_id": "C3",
            "event_date": "2026-07-22",
            "event_type": "weakness",
            "severity": "mild",
            "serious": "N",
        },
        {
            "event_id": "E2",
            "contact_id": "C3",
            "event_date": "2026-07-25",
            "event_type": "fall",
            "severity": "moderate",
            "serious": "N",
        },
    ],
    "goals.csv": [
        _goal("G1", "R1", "2026-07-06", "Y", "2", "1", "-1", "2026-08-17", "0"),  # C3 + 28 days exactly
        _goal("G2", "R1", "2026-07-06", "Y", "", "", "-2", "2026-08-17", "-1"),
        _goal("G3", "R2", "2026-08-11", "Y", "", "", "-1", "2026-10-30", "2"),
    ],
    "outcome_measures.csv": [
        _measure("M1", "R1", "2026-07-06", "baseline", "NRS_PAIN", "4"),
        _measure("M2", "R1", "2026-07-06", "baseline", "MAS", "1+"),
        _measure("M3", "R1", "2026-08-31", "review", "NRS_PAIN", "2"),
        _measure("M4", "R2", "2026-08-01", "baseline", "NRS_PAIN", "3"),
        _measure("M6", "R2", "2026-08-20", "baseline", "NRS_PAIN", "8"),
        _measure("M7", "R2", "2026-08-20", "baseline", "NRS_PAIN", "5"),
        _measure("M5", "R2", "2026-09-30", "review", "NRS_PAIN", "4"),
    ],
    "experience.csv": [
        {
            "response_id": "X1",
            "referral_id": "R1",
            "response_date": "2026-09-01",
            "fft_response": "1",
            "understood_goals": "Y",
            "preferred_contact": "email",
        },
        {
            "response_id": "X2",
            "referral_id": "R2",
            "response_date": "2026-09-05",
            "fft_response": "6",
            "understood_goals": "U",
            "preferred_contact": "",
        },
        {
            "response_id": "X3",
            "referral_id": "R2",
            "response_date": "2026-09-06",
            "fft_response": "4",
            "understood_goals": "",
            "preferred_contact": "",
        },
    ],
}

RXC_SEPTEMBER = {
    "patients.csv": [_patient("P4", NHS_P1)],
    "referrals.csv": [_referral("R9", "P4", "2026-08-03", "2026-08-04", "2026-08-24", "Y", "RXC")],
    "contacts.csv": [
        _contact("C9", "R9", "2026-08-24", "assessment", "attended", "Y", "Y", "RXC"),
        _contact("C10", "R9", "2026-09-01", "injection", "attended", "Y", "Y", "RXC"),
    ],
    "injections.csv": [_injection("I9", "C10", "botox", "upper", "100")],
    "adverse_events.csv": [],
    "goals.csv": [],
    "outcome_measures.csv": [],
    "experience.csv": [],
}
