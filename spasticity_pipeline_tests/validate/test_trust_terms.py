"""Findings in the trust's own terms (issue 13 item 3): its file or sheet, its column headings,
the date form its dialect declares, the codes its dialect maps, the delimiter its file seems to
use. Messages still never repeat an identifier."""

from __future__ import annotations

import hashlib
import json

import pytest

from spasticity_pipeline.extract.dialect import load_dialect
from spasticity_pipeline.extract.encode import convert_submission
from spasticity_pipeline.validate import validate_submission

from .conftest import write_submission

TRUST_OF = {"ryr-careflow-epr": "RYR", "ryy-community-xlsx": "RYY", "rtk-rio-activity": "RTK"}


def _submission(tmp_path, base, dialect=None):
    trust = TRUST_OF.get(dialect, "RDR")
    canonical = write_submission(tmp_path / "canonical", base, trust=trust)
    return convert_submission(canonical, tmp_path / dialect, load_dialect(dialect)) if dialect else canonical


def _first(result, rule):
    return next(f for f in result.findings.to_pylist() if f["rule_id"] == rule)


@pytest.mark.parametrize(
    ("dialect", "file", "column", "message"),
    [
        (None, "patients.csv", "birth_date", "birth_date is not a real date in YYYY-MM-DD form"),
        ("ryr-careflow-epr", "SPAS_PATIENTS.TXT", "DOB", "DOB is not a real date in DD/MM/YYYY form"),
        ("rtk-rio-activity", "clients.csv", "BirthDate", "BirthDate is not a real date in YYYYMMDD form"),
        (
            "ryy-community-xlsx",
            "spasticity_extract.xlsx[Patients]",
            "Date of Birth",
            "Date of Birth is not a real date (an Excel date cell, or text in YYYY-MM-DD form) (cell C2)",
        ),
    ],
)
def test_r02_names_the_date_form_the_trust_sends(tmp_path, base, ctx, dialect, file, column, message):
    base["patients.csv"][0]["birth_date"] = "1960-02-31"
    finding = _first(validate_submission(_submission(tmp_path, base, dialect), ctx), "R02")
    assert (finding["file"], finding["row_number"], finding["field"]) == (file, 1, column)
    assert finding["message"] == message
    assert "1960" not in finding["message"] and "31/02" not in finding["message"]  # a date of birth


@pytest.mark.parametrize(
    ("dialect", "message"),
    [
        ("rtk-rio-activity", "DateSet is not a real date in DD-Mon-YYYY form"),
        ("ryy-community-xlsx", "Date Set is not a real date (an Excel date cell or date number) (cell C2)"),
    ],
)
def test_r02_on_other_date_forms(tmp_path, base, ctx, dialect, message):
    base["goals.csv"][0]["set_date"] = "2026-13-01"
    assert _first(validate_submission(_submission(tmp_path, base, dialect), ctx), "R02")["message"] == message


@pytest.mark.parametrize(
    ("dialect", "message"),
    [
        (None, "the patients.csv row it refers to was quarantined"),
        ("ryr-careflow-epr", "the SPAS_PATIENTS.TXT row it refers to was quarantined"),
        ("rtk-rio-activity", "the clients.csv row it refers to was quarantined"),
        ("ryy-community-xlsx", "the Patients sheet row it refers to was quarantined (cell B2)"),
    ],
)
def test_r07_names_the_trusts_own_parent_file_or_sheet(tmp_path, base, ctx, dialect, message):
    base["patients.csv"][0]["sex"] = "Q"
    result = validate_submission(_submission(tmp_path, base, dialect), ctx)
    r07 = [f for f in result.findings.to_pylist() if f["rule_id"] == "R07"]
    assert len(r07) == 10  # the cascade is counted as before
    assert r07[0]["message"] == message


def test_r03_names_the_values_the_dialect_maps_and_the_code_found(tmp_path, base, ctx):
    base["contacts.csv"][1]["attendance"] = "came"
    finding = _first(validate_submission(_submission(tmp_path, base, "ryr-careflow-epr"), ctx), "R03")
    assert (finding["file"], finding["field"]) == ("SPAS_APPOINTMENTS.TXT", "OUTCOME")
    assert finding["message"] == "OUTCOME is not one of the values the dialect maps (ATT, DNA, CNP, CNH) (found 'came')"


def test_r08_names_the_parent_column_in_the_trusts_terms(tmp_path, base, ctx):
    base["contacts.csv"][0]["contact_date"] = "2026-01-01"
    finding = _first(validate_submission(_submission(tmp_path, base, "ryy-community-xlsx"), ctx), "R08")
    assert (
        finding["message"] == "Contact Date is before Date Received of the Referrals sheet row it refers to (cell C2)"
    )


def _restamp(folder, name):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name]["sha256"] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_f05_on_a_semicolon_file_suggests_the_semicolon(tmp_path, base, ctx):
    base["injections.csv"][0]["muscle"] = "flexor, deep"  # a comma inside a value of a ';' file
    folder = _submission(tmp_path, base)
    path = folder / "injections.csv"
    path.write_text(
        path.read_text().replace('"flexor, deep"', "flexor, deep").replace(",", ";").replace("; deep", ", deep")
    )
    _restamp(folder, "injections.csv")
    [finding] = validate_submission(folder, ctx).findings.to_pylist()
    assert finding["rule_id"] == "F05"
    assert finding["message"].endswith("the header seems to be separated by ';', not ','"), finding["message"]


def test_f06_on_a_file_with_the_wrong_delimiter_suggests_the_one_it_uses(tmp_path, base, ctx):
    folder = _submission(tmp_path, base, "rtk-rio-activity")
    path = folder / "goals.csv"
    path.write_bytes(path.read_bytes().replace(b";", b"\t"))
    _restamp(folder, "goals.csv")
    findings = validate_submission(folder, ctx).findings.to_pylist()
    assert {f["rule_id"] for f in findings} == {"F06"} and len(findings) == 10  # one per mapped column
    assert all(f["message"].endswith("the header seems to be separated by a tab, not ';'") for f in findings)


def test_the_right_delimiter_gives_no_hint(tmp_path, base, ctx):
    folder = _submission(tmp_path, base)
    path = folder / "goals.csv"
    path.write_bytes(path.read_bytes().replace(b"goal_area", b"goal;area"))  # one odd heading
    _restamp(folder, "goals.csv")
    [finding] = validate_submission(folder, ctx).findings.to_pylist()
    assert finding["rule_id"] == "F06" and finding["message"] == "required column goal_area is missing from the header"
