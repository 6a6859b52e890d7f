"""`spasticity dialect check` (issue 13 item 4): mapping problems (exit 1) apart from data
faults (exit 0, listed with counts and first locations); values masked only when they may be
identifiers."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from spasticity_pipeline.cli import main
from spasticity_pipeline.extract.dialect import load_dialect
from spasticity_pipeline.extract.encode import convert_submission
from spasticity_pipeline.synthetic import generate_network
from spasticity_pipeline.validate.dialect_check import MASK, check_dialect, format_report

from .conftest import write_submission

TRUST_OF = {"ryr-careflow-epr": "RYR", "ryy-community-xlsx": "RYY", "rtk-rio-activity": "RTK"}


def _sample(tmp_path, base, dialect):
    canonical = write_submission(tmp_path / "canonical", base, trust=TRUST_OF[dialect])
    folder = convert_submission(canonical, tmp_path / dialect, load_dialect(dialect))
    (folder / "manifest.json").unlink()  # a sample needs no manifest
    return folder


def _check(folder, dialect):
    return check_dialect(load_dialect(dialect), folder)


def _fault(report, rule, column):
    return next(f for f in report.faults if f.rule == rule and f.column == column)


def test_every_demo_submission_of_a_dialect_trust_maps_completely(tmp_path, env_settings):
    subs = generate_network(
        tmp_path / "net",
        trusts=list(TRUST_OF.values()),
        months=["2026-07", "2026-08", "2026-09"],
        patients=60,
        seed=3,
        fault_rate=0.05,
    )
    dialect_of = {t: d for d, t in TRUST_OF.items()}
    faults = 0
    for sub in subs:
        res = CliRunner().invoke(main, ["dialect", "check", dialect_of[sub.trust], str(sub.folder), "--rows", "1"])
        assert res.exit_code == 0, res.output
        assert f"Dialect {dialect_of[sub.trust]}: OK" in res.output
        faults += res.output.count("\n  - R")
    # the generator's value faults (R02, R03, R05, R08 within a row, R10) are listed as data faults
    assert faults >= len(subs)


def test_a_missing_sheet_or_column_is_a_mapping_problem_exit_1(tmp_path, base, env_settings):
    from openpyxl import load_workbook

    folder = _sample(tmp_path, base, "ryy-community-xlsx")
    path = folder / "spasticity_extract.xlsx"
    wb = load_workbook(path)
    wb["Goals"].title = "Goals 2026"
    wb.save(path)
    res = CliRunner().invoke(main, ["dialect", "check", "ryy-community-xlsx", str(folder)])
    assert res.exit_code == 1 and "the mapping needs attention" in res.output
    assert "F03 spasticity_extract.xlsx: spasticity_extract.xlsx has no sheet 'Goals'" in res.output

    folder = _sample(tmp_path / "csv", base, "ryr-careflow-epr")
    path = folder / "SPAS_GOALS.TXT"
    path.write_bytes(path.read_bytes().replace(b"BASELINE", b"BASE_LINE"))
    res = CliRunner().invoke(main, ["dialect", "check", "ryr-careflow-epr", str(folder)])
    assert res.exit_code == 1 and "F06 SPAS_GOALS.TXT" in res.output and "'BASELINE'" in res.output


def test_a_few_invalid_codes_are_data_faults_shown_as_sent(tmp_path, base):
    base["patients.csv"][0]["sex"] = "?M"
    base["outcome_measures.csv"][0]["value"] = "MAS2"
    report = _check(_sample(tmp_path, base, "ryr-careflow-epr"), "ryr-careflow-epr")
    assert report.ok and not report.problems
    sex = _fault(report, "R03", "GENDER")
    assert (sex.count, sex.value) == (1, "?M")
    [loc] = sex.first
    assert (loc.row, loc.column, loc.cell, loc.value) == (1, "GENDER", "D2", "'?M'")
    assert _fault(report, "R10", "SCORE").first[0].value == "'MAS2'"
    text = format_report(report)
    assert text.startswith("Dialect ryr-careflow-epr: OK, the mapping is complete (exit 0)")
    assert "row 1, column GENDER, cell D2, value '?M'" in text


def test_a_common_code_no_map_covers_is_a_mapping_gap(tmp_path, base):
    for row in base["contacts.csv"][:4]:  # 4 of 6 appointments use a code the map lacks
        row["attendance"] = "Attended"
    base["contacts.csv"][5]["attendance"] = "came"
    report = _check(_sample(tmp_path, base, "ryr-careflow-epr"), "ryr-careflow-epr")
    assert not report.ok
    [problem] = report.problems
    assert problem.startswith("mapping R03 SPAS_APPOINTMENTS.TXT OUTCOME 'Attended': 4 row(s): 4 of the column's")
    assert "no code map covers" in problem and "first at row 1, column OUTCOME, cell E2" in problem
    assert _fault(report, "R03", "OUTCOME").value == "came"  # once: a data fault, not a gap


def test_a_code_seen_once_in_a_small_sample_is_not_a_gap(tmp_path, base):
    base["contacts.csv"][0]["attendance"] = "Attended"  # 1 of 6: 17 %, but one row
    assert _check(_sample(tmp_path, base, "ryr-careflow-epr"), "ryr-careflow-epr").ok


@pytest.mark.parametrize("bad", ["2026-07-00", "2026-13-01", "2026-02-31"])  # 00/07/2026, 01/13/2026, 31/02/2026
def test_impossible_dates_in_the_right_shape_are_data_faults(tmp_path, base, bad):
    base["referrals.csv"][1]["triage_date"] = bad
    report = _check(_sample(tmp_path, base, "ryr-careflow-epr"), "ryr-careflow-epr")
    assert report.ok
    fault = _fault(report, "R02", "TRIAGED")
    assert fault.message == "TRIAGED is not a real date in DD/MM/YYYY form"
    y, m, d = bad.split("-")
    assert [(loc.row, loc.cell, loc.value) for loc in fault.first] == [(2, "G3", f"'{d}/{m}/{y}'")]
    referrals = next(t for t in report.tables if t.name == "referrals.csv")
    assert next(c for c in referrals.columns if c.target == "triage_date").unparsed_dates == 1


def test_a_wrong_date_format_is_a_mapping_problem(tmp_path, base):
    folder = _sample(tmp_path, base, "ryr-careflow-epr")
    path = folder / "SPAS_GOALS.TXT"
    text = path.read_text(encoding="cp1252")
    for d in ("01/05/2026", "01/08/2026"):  # every set and outcome date written as YYYY-MM-DD with dots
        text = text.replace(d, ".".join(reversed(d.split("/"))))
    path.write_text(text, encoding="cp1252")
    report = _check(folder, "ryr-careflow-epr")
    assert not report.ok
    assert any("SET_ON" in p and "more than half" in p for p in report.problems), report.problems


def test_a_required_column_empty_everywhere_is_a_mapping_problem(tmp_path, base):
    for row in base["injections.csv"]:
        row["guidance"] = ""
    report = _check(_sample(tmp_path, base, "rtk-rio-activity"), "rtk-rio-activity")
    [problem] = report.problems
    assert problem.startswith("mapping R01 injections.csv Guidance: 6 row(s): a required column empty in every row")


def test_values_are_masked_only_when_they_may_be_identifiers(tmp_path, base):
    base["patients.csv"][0]["sex"] = "943 476 5919"  # an NHS number in the wrong column
    base["patients.csv"][1]["ethnic_category"] = "TN1 2AB"  # a postcode in the wrong column
    base["patients.csv"][2]["birth_date"] = "1960-02-31"  # a date of birth: always masked
    base["contacts.csv"][0]["contact_type"] = "asessment"  # a misspelt code: shown
    report = _check(_sample(tmp_path, base, "ryr-careflow-epr"), "ryr-careflow-epr")
    assert _fault(report, "R03", "GENDER").first[0].value == MASK
    assert _fault(report, "R03", "ETHNICITY").first[0].value == MASK
    assert _fault(report, "R02", "DOB").first[0].value == MASK
    assert _fault(report, "R03", "APPT_TYPE").first[0].value == "'asessment'"
    text = format_report(report)
    for identifier in ("943 476 5919", "9434765919", "TN1 2AB", "tn1 2ab", "31/02/1960", "17/05/1960"):
        assert identifier not in text
