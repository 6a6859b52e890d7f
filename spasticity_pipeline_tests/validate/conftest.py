"""Hand-made submissions for the rule tests: one clean base case that each test edits."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest

from spasticity_pipeline.config import clinical, registry
from spasticity_pipeline.contract.fields import FILES_BY_NAME
from spasticity_pipeline.validate import ValidationContext

ONE_PATIENT: dict[str, list[dict[str, str]]] = {
    "patients.csv": [
        {
            "local_patient_id": "P1",
            "nhs_number": "943 476 5919",
            "birth_date": "1960-05-17",
            "sex": "1",
            "ethnic_category": "A",
            "postcode": "tn1 2ab",
            "primary_condition": "stroke",
            "condition_onset_date": "2025-01-10",
            "communication_preference": "letter",
        },
    ],
    "referrals.csv": [
        {
            "referral_id": "R1",
            "local_patient_id": "P1",
            "referral_received_date": "2026-03-02",
            "referral_source": "gp",
            "standard_route": "Y",
            "priority": "routine",
            "triage_date": "2026-03-05",
            "first_assessment_date": "2026-05-01",
            "site_ods_code": "RDR",
            "discharge_date": "",
        },
    ],
    "contacts.csv": [
        {
            "contact_id": "C1",
            "referral_id": "R1",
            "contact_date": "2026-05-01",
            "contact_type": "assessment",
            "attendance": "attended",
            "consultant_present": "Y",
            "physio_present": "Y",
            "site_ods_code": "RDR",
        },
        {
            "contact_id": "C2",
            "referral_id": "R1",
            "contact_date": "2026-06-01",
            "contact_type": "injection",
            "attendance": "attended",
            "consultant_present": "Y",
            "physio_present": "N",
            "site_ods_code": "RDR",
        },
    ],
    "injections.csv": [
        {
            "injection_id": "I1",
            "contact_id": "C2",
            "product": "botox",
            "limb": "upper",
            "side": "L",
            "muscle": "biceps brachii",
            "units": "100",
            "guidance": "ultrasound",
        },
        {
            "injection_id": "I2",
            "contact_id": "C2",
            "product": "botox",
            "limb": "upper",
            "side": "L",
            "muscle": "flexor digitorum",
            "units": "50.5",
            "guidance": "ultrasound",
        },
    ],
    "adverse_events.csv": [
        {
            "event_id": "E1",
            "contact_id": "C2",
            "event_date": "2026-06-03",
            "event_type": "injection_site_pain",
            "severity": "mild",
            "serious": "N",
        },
    ],
    "goals.csv": [
        {
            "goal_id": "G1",
            "referral_id": "R1",
            "set_date": "2026-05-01",
            "goal_area": "pain",
            "is_primary": "Y",
            "importance": "2",
            "difficulty": "1",
            "baseline_score": "-1",
            "outcome_date": "2026-08-01",
            "outcome_score": "0",
        },
    ],
    "outcome_measures.csv": [
        {
            "measure_id": "M1",
            "referral_id": "R1",
            "measure_date": "2026-05-01",
            "timepoint": "baseline",
            "instrument": "MAS",
            "body_site": "elbow flexors",
            "value": "1+",
        },
        {
            "measure_id": "M2",
            "referral_id": "R1",
            "measure_date": "2026-05-01",
            "timepoint": "baseline",
            "instrument": "NRS_PAIN",
            "body_site": "",
            "value": "6",
        },
    ],
    "experience.csv": [
        {
            "response_id": "X1",
            "referral_id": "R1",
            "response_date": "2026-08-01",
            "fft_response": "1",
            "understood_goals": "Y",
            "preferred_contact": "letter",
        },
    ],
}

#: Three patients with the same shape (ids suffixed a/b/c...): a fault in patient 1's rows and
#: its whole cascade stays under F07's half, so row rules can be tested one at a time.
NHS_NUMBERS = ("943 476 5919", "4010232137", "6328797966")
_KEYS = {
    "patients.csv": ("local_patient_id",),
    "referrals.csv": ("referral_id", "local_patient_id"),
    "contacts.csv": ("contact_id", "referral_id"),
    "injections.csv": ("injection_id", "contact_id"),
    "adverse_events.csv": ("event_id", "contact_id"),
    "goals.csv": ("goal_id", "referral_id"),
    "outcome_measures.csv": ("measure_id", "referral_id"),
    "experience.csv": ("response_id", "referral_id"),
}


def _base() -> dict[str, list[dict[str, str]]]:
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in ONE_PATIENT}
    for i, nhs in enumerate(NHS_NUMBERS):
        for name, rows in ONE_PATIENT.items():
            for row in rows:
                new = dict(row)
                if i:  # patient 1 keeps the plain ids of the spec's examples
                    for key in _KEYS[name]:
                        new[key] = row[key] + "abc"[i]
                if name == "patients.csv":
                    new["nhs_number"] = nhs
                tables[name].append(new)
    # patient 1's rows first in every file
    return {name: sorted(rows, key=lambda r: r[_KEYS[name][0]][-1] in "bc") for name, rows in tables.items()}


BASE = _base()

LOOKUP = pa.table({"postcode": ["TN1 2AB", "BN1 1AA"], "lsoa_code": ["E01000001", "E01000002"], "imd_decile": [5, 2]})


def _csv_value(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if any(ch in v for ch in ',"\n') else v


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> int:
    lines = [",".join(columns)] + [",".join(_csv_value(str(r.get(c, ""))) for c in columns) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return len(rows)


def write_submission(
    folder: Path,
    tables: dict[str, list[dict[str, str]]],
    *,
    trust: str = "RDR",
    period: str = "2026-09",
    manifest_overrides: dict | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, rows in tables.items():
        columns = list(FILES_BY_NAME[name].columns) if name in FILES_BY_NAME else []
        for r in rows:
            columns += [k for k in r if k not in columns]
        n = write_csv(folder / name, rows, columns)
        files[name] = {"sha256": hashlib.sha256((folder / name).read_bytes()).hexdigest(), "rows": n}
    manifest = {
        "spec_version": "regional-v1",
        "trust_ods_code": trust,
        "period": period,
        "format": "regional-v1",
        "generated_at": "2026-10-04T09:12:00Z",
        "files": files,
    }
    manifest.update(manifest_overrides or {})
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def fake_tokenise(values: pa.Array) -> pa.Array:
    return pa.array(
        [None if v is None else hashlib.sha256(b"k" + v.encode()).hexdigest() for v in values.to_pylist()], pa.string()
    )


@pytest.fixture
def base() -> dict[str, list[dict[str, str]]]:
    return copy.deepcopy(BASE)


@pytest.fixture
def ctx() -> ValidationContext:
    return ValidationContext(
        registry=registry(),
        clinical=clinical(),
        today=dt.date(2026, 11, 24),
        postcode_lookup=LOOKUP,
        tokenise=fake_tokenise,
    )
