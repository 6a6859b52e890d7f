"""Row rules R01–R10 on hand-made cases from the spec (§2, §3, §10)."""

from __future__ import annotations

import pytest

from spasticity_pipeline.validate import validate_submission

from .conftest import write_submission


def run(tmp_path, tables, ctx, **kw):
    return validate_submission(write_submission(tmp_path / "sub", tables, **kw), ctx)


def findings(result, severity=None):
    rows = result.findings.to_pylist()
    return [
        (r["file"], r["row_number"], r["field"], r["rule_id"])
        for r in rows
        if severity is None or r["severity"] == severity
    ]


def test_clean_submission_is_accepted_with_no_findings(tmp_path, base, ctx):
    result = run(tmp_path, base, ctx)
    assert result.status == "accepted"
    assert result.findings.num_rows == 0
    assert all(f.rows_in == f.rows_loaded for f in result.files.values())


@pytest.mark.parametrize(
    ("file", "field", "value", "rule"),
    [
        ("patients.csv", "sex", "", "R01"),
        ("patients.csv", "birth_date", "2026-02-31", "R02"),  # impossible date
        ("patients.csv", "birth_date", "1960-5-17", "R02"),  # not YYYY-MM-DD
        ("patients.csv", "sex", "M", "R03"),
        ("patients.csv", "primary_condition", "Stroke", "R03"),  # codes are case-sensitive
        ("patients.csv", "postcode", "TN12", "R03"),
        ("patients.csv", "nhs_number", "9434765918", "R04"),  # bad check digit
        ("patients.csv", "nhs_number", "943-476-5919", "R04"),  # only spaces may be removed
        ("patients.csv", "birth_date", "1899-12-31", "R09"),
        ("patients.csv", "condition_onset_date", "2026-10-01", "R09"),  # after the period's last day
        ("referrals.csv", "standard_route", "Yes", "R03"),
        ("referrals.csv", "triage_date", "2026-03-01", "R08"),  # before referral_received_date
        ("referrals.csv", "referral_received_date", "1999-12-31", "R09"),
        ("contacts.csv", "contact_date", "2026-03-01", "R08"),  # before the referral's received date
        ("injections.csv", "units", "0", "R10"),
        ("injections.csv", "units", "1500.5", "R10"),
        ("injections.csv", "units", "1e3", "R02"),
        ("injections.csv", "units", "seven", "R02"),
        ("injections.csv", "muscle", "x" * 61, "R02"),
        ("goals.csv", "baseline_score", "0", "R10"),
        ("goals.csv", "importance", "7.5", "R02"),
        ("goals.csv", "importance", "4", "R10"),
        ("goals.csv", "outcome_score", "3", "R10"),
        ("goals.csv", "outcome_date", "2026-04-01", "R08"),  # before set_date
        ("outcome_measures.csv", "value", "11", "R10"),
        ("outcome_measures.csv", "value", "seven", "R02"),
        ("experience.csv", "fft_response", "7", "R10"),
        ("experience.csv", "fft_response", "seven", "R02"),
        ("experience.csv", "understood_goals", "y", "R03"),
        ("adverse_events.csv", "event_date", "2026-05-31", "R08"),  # before the contact's date
    ],
)
def test_one_bad_value_gives_its_rule(tmp_path, base, ctx, file, field, value, rule):
    row = 1 if file == "outcome_measures.csv" else 0  # the NRS_PAIN measure is row 2
    base[file][row][field] = value
    result = run(tmp_path, base, ctx)
    e2 = [f for f in findings(result, "E2") if f[0] == file]
    assert e2 == [(file, row + 1, field, rule)]
    assert result.files[file].rows_quarantined == 1


def test_spaced_nhs_number_and_lower_case_postcode_are_normalised(tmp_path, base, ctx):
    result = run(tmp_path, base, ctx)
    patient = result.files["patients.csv"].loaded.to_pylist()[0]
    assert patient["nhs_number"] == "9434765919"
    assert patient["postcode"] == "TN1 2AB"


def test_mas_needs_body_site_and_accepts_one_plus(tmp_path, base, ctx):
    base["outcome_measures.csv"][0]["body_site"] = ""
    result = run(tmp_path, base, ctx)
    assert findings(result, "E2") == [("outcome_measures.csv", 1, "body_site", "R01")]


def test_mas_value_outside_its_list_is_r10(tmp_path, base, ctx):
    base["outcome_measures.csv"][0]["value"] = "5"
    assert findings(run(tmp_path, base, ctx), "E2") == [("outcome_measures.csv", 1, "value", "R10")]


def test_first_failing_rule_in_spec_order_decides(tmp_path, base, ctx):
    # R03 (sex) and R09 (birth date in future) and R04: R03 comes first in the order
    p = base["patients.csv"][0]
    p.update(sex="M", birth_date="2027-01-01", nhs_number="1234567890")
    result = run(tmp_path, base, ctx)
    assert [f for f in findings(result) if f[0] == "patients.csv"] == [("patients.csv", 1, "sex", "R03")]


def test_duplicate_keys_quarantine_every_copy_whatever_else_they_fail(tmp_path, base, ctx):
    dup = dict(base["contacts.csv"][0])
    dup["attendance"] = "maybe"  # this copy fails R03 first; the other copy is R05
    base["contacts.csv"].append(dup)
    result = run(tmp_path, base, ctx)
    contacts = [f for f in findings(result, "E2") if f[0] == "contacts.csv"]
    assert contacts == [("contacts.csv", 1, "contact_id", "R05"), ("contacts.csv", 7, "attendance", "R03")]
    assert result.files["contacts.csv"].rows_loaded == 5


def test_unknown_parent_is_r06_and_its_children_r07(tmp_path, base, ctx):
    base["contacts.csv"][1]["referral_id"] = "R404"
    result = run(tmp_path, base, ctx)
    assert findings(result, "E2") == [
        ("contacts.csv", 2, "referral_id", "R06"),
        ("injections.csv", 1, "contact_id", "R07"),
        ("injections.csv", 2, "contact_id", "R07"),
        ("adverse_events.csv", 1, "contact_id", "R07"),
    ]


def test_cascade_runs_from_patient_to_every_descendant(tmp_path, base, ctx):
    base["patients.csv"][0]["ethnic_category"] = "Q"
    result = run(tmp_path, base, ctx)
    assert {(f[0], f[3]) for f in findings(result, "E2")} == {
        "patients.csv": "R03",
        "referrals.csv": "R07",
        "contacts.csv": "R07",
        "injections.csv": "R07",
        "adverse_events.csv": "R07",
        "goals.csv": "R07",
        "outcome_measures.csv": "R07",
        "experience.csv": "R07",
    }.items()
    assert result.files["outcome_measures.csv"].rows_quarantined == 2


def test_child_of_duplicated_parent_key_is_r07(tmp_path, base, ctx):
    base["referrals.csv"].append(dict(base["referrals.csv"][0]))
    result = run(tmp_path, base, ctx)
    assert [f for f in findings(result) if f[0] == "referrals.csv"] == [
        ("referrals.csv", 1, "referral_id", "R05"),
        ("referrals.csv", 4, "referral_id", "R05"),
    ]
    assert [f[1:] for f in findings(result) if f[0] == "contacts.csv"] == [
        (1, "referral_id", "R07"),
        (2, "referral_id", "R07"),
    ]
    assert result.files["injections.csv"].rows_quarantined == 2  # through contact C2
    assert result.status == "accepted_with_warnings"  # 2 of 4 referrals is half, not more


def test_injection_on_non_injection_contact_is_r08(tmp_path, base, ctx):
    base["injections.csv"][0]["contact_id"] = "C1"  # C1 is an assessment
    base["adverse_events.csv"][0]["contact_id"] = "C1"
    result = run(tmp_path, base, ctx)
    assert findings(result, "E2") == [
        ("injections.csv", 1, "contact_id", "R08"),
        ("adverse_events.csv", 1, "contact_id", "R08"),
    ]


def test_cross_file_dates_compare_with_first_usable_parent_row(tmp_path, base, ctx):
    # two copies of R1: the first has an unusable date, the second (first usable) a later one;
    # a contact before that usable date is R08 even though the parent is quarantined (R05)
    first = dict(base["referrals.csv"][0], referral_received_date="2026-02-31")
    second = dict(base["referrals.csv"][0], referral_received_date="2026-05-15")
    base["referrals.csv"] = [first, second, *base["referrals.csv"][1:]]
    result = run(tmp_path, base, ctx)
    contacts = [f for f in findings(result) if f[0] == "contacts.csv"]
    assert contacts[0] == ("contacts.csv", 1, "contact_date", "R08")  # 2026-05-01 < 2026-05-15
    assert contacts[1] == ("contacts.csv", 2, "referral_id", "R07")  # 2026-06-01 is fine; parent quarantined


@pytest.mark.parametrize(("importance", "difficulty", "field"), [("2", "", "difficulty"), ("", "1", "importance")])
def test_both_or_neither_pairs(tmp_path, base, ctx, importance, difficulty, field):
    base["goals.csv"][0].update(importance=importance, difficulty=difficulty)
    assert findings(run(tmp_path, base, ctx), "E2") == [("goals.csv", 1, field, "R08")]


def test_outcome_pair_half_filled_is_r08(tmp_path, base, ctx):
    base["goals.csv"][0]["outcome_score"] = ""
    assert findings(run(tmp_path, base, ctx), "E2") == [("goals.csv", 1, "outcome_score", "R08")]


def test_empty_keys_are_r01_and_quoted_empty_is_null(tmp_path, base, ctx):
    base["goals.csv"][0]["referral_id"] = "  "
    assert findings(run(tmp_path, base, ctx), "E2") == [("goals.csv", 1, "referral_id", "R01")]


def test_over_long_key_is_r02_and_over_long_reference_r06(tmp_path, base, ctx):
    base["experience.csv"][0]["response_id"] = "X" * 21
    base["goals.csv"][0]["referral_id"] = "R" * 25
    result = run(tmp_path, base, ctx)
    assert findings(result, "E2") == [
        ("goals.csv", 1, "referral_id", "R06"),
        ("experience.csv", 1, "response_id", "R02"),
    ]


def test_messages_name_safe_codes_but_never_identifiers(tmp_path, base, ctx):
    base["patients.csv"][0]["sex"] = "9434765919"  # an NHS number in the wrong column
    base["experience.csv"][0]["preferred_contact"] = "Carrier pigeon"
    result = run(tmp_path, base, ctx)
    messages = result.findings.column("message").to_pylist()
    assert not any("9434765919" in m for m in messages)
    assert any("'Carrier pigeon'" in m for m in messages)


def test_row_conservation_holds_for_every_file(tmp_path, base, ctx):
    base["contacts.csv"][0]["attendance"] = "no"
    base["goals.csv"][0]["importance"] = "9"
    result = run(tmp_path, base, ctx)
    for f in result.files.values():
        assert f.rows_in == f.rows_loaded + f.rows_quarantined
    assert result.status == "accepted_with_warnings"
