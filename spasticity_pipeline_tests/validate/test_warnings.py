"""Warnings W01–W05 (spec §3, §6, §10): only on rows that load, each counted."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from spasticity_pipeline.validate import validate_submission
from spasticity_pipeline.validate.context import HISTORY_SCHEMA

from .conftest import fake_tokenise, write_submission


def warnings(result):
    return [
        (r["rule_id"], r["file"], r["row_number"], r["field"])
        for r in result.findings.to_pylist()
        if r["severity"] == "W"
    ]


def run(tmp_path, base, ctx, **kw):
    return validate_submission(write_submission(tmp_path / "sub", base, **kw), ctx)


def test_extra_columns_are_one_w01_per_file_and_dropped(tmp_path, base, ctx):
    for row in base["patients.csv"]:
        row.update(old_nhs_no="123", notes="x")
    result = run(tmp_path, base, ctx)
    assert warnings(result) == [("W01", "patients.csv", None, "old_nhs_no,notes")]
    assert "old_nhs_no" not in result.files["patients.csv"].loaded.column_names
    assert result.status == "accepted_with_warnings"


def test_test_range_nhs_number_is_w02(tmp_path, base, ctx):
    base["patients.csv"][1]["nhs_number"] = "9990000026"
    assert warnings(run(tmp_path, base, ctx)) == [("W02", "patients.csv", 2, "nhs_number")]


def test_postcode_missing_from_lookup_is_w03_compared_normalised(tmp_path, base, ctx):
    base["patients.csv"][1]["postcode"] = "bn11aa"  # normalises to BN1 1AA, in the lookup
    base["patients.csv"][2]["postcode"] = "ZZ9 9ZZ"
    assert warnings(run(tmp_path, base, ctx)) == [("W03", "patients.csv", 3, "postcode")]


def test_quarantined_rows_carry_no_warning(tmp_path, base, ctx):
    base["patients.csv"][2].update(postcode="ZZ9 9ZZ", sex="M")
    result = run(tmp_path, base, ctx)
    assert warnings(result) == []
    assert result.files["patients.csv"].rows_quarantined == 1


def test_dose_above_limit_warns_every_row_of_the_session(tmp_path, base, ctx):
    # botox upper-limb maximum 400: 300 + 150 = 450
    base["injections.csv"][0]["units"] = "300"
    base["injections.csv"][1]["units"] = "150"
    assert warnings(run(tmp_path, base, ctx)) == [
        ("W04", "injections.csv", 1, "units"),
        ("W04", "injections.csv", 2, "units"),
    ]


def test_dose_limit_uses_limb_class_per_product(tmp_path, base, ctx):
    # dysport: upper 1000, lower 1500, both 1500. 900 upper + 500 lower = 1400 (both) is fine,
    # 1100 upper only is over.
    inj = base["injections.csv"]
    inj[0].update(product="dysport", limb="upper", units="900")
    inj[1].update(product="dysport", limb="lower", units="500")
    inj[2].update(product="dysport", limb="upper", units="600")
    inj[3].update(product="dysport", limb="upper", units="500")
    assert warnings(run(tmp_path, base, ctx)) == [
        ("W04", "injections.csv", 3, "units"),
        ("W04", "injections.csv", 4, "units"),
    ]


def test_dose_counts_only_loaded_rows(tmp_path, base, ctx):
    base["injections.csv"][0]["units"] = "350"
    base["injections.csv"][1].update(units="100", side="X")  # quarantined: not in the total
    result = run(tmp_path, base, ctx)
    assert warnings(result) == []


def _reinjection(base, first: str, second: str):
    """Patient 1 gets a second attended injection contact C3 on ``second``; C2 is on ``first``."""
    base["contacts.csv"][1]["contact_date"] = first
    base["contacts.csv"].append(dict(base["contacts.csv"][1], contact_id="C3", contact_date=second))


def test_reinjection_within_84_days_is_w05_and_exactly_84_is_not(tmp_path, base, ctx):
    _reinjection(base, "2026-06-01", "2026-08-23")  # 83 days
    assert warnings(run(tmp_path / "a", base, ctx)) == [("W05", "contacts.csv", 7, "contact_date")]
    base["contacts.csv"][-1]["contact_date"] = "2026-08-24"  # 84 days
    assert warnings(run(tmp_path / "b", base, ctx)) == []


def test_reinjection_ignores_dna_and_same_day_contacts(tmp_path, base, ctx):
    _reinjection(base, "2026-06-01", "2026-06-01")  # same date: not strictly earlier
    base["contacts.csv"].append(
        dict(base["contacts.csv"][1], contact_id="C4", contact_date="2026-07-01", attendance="dna")
    )
    assert warnings(run(tmp_path, base, ctx)) == []


def test_reinjection_looks_at_earlier_submissions_current_data(tmp_path, base, ctx):
    token = fake_tokenise(pa.array(["9434765919"]))[0].as_py()
    history = pa.Table.from_pylist(
        [
            # an earlier period's attended injection 50 days before C2 (2026-06-01)
            {
                "contact_id": "H1",
                "period": "2026-04",
                "patient_token": token,
                "contact_date": dt.date(2026, 4, 12),
                "contact_type": "injection",
                "attendance": "attended",
            },
            # C2 itself as sent in an earlier period, then with another date: this submission's version wins
            {
                "contact_id": "C2",
                "period": "2026-06",
                "patient_token": token,
                "contact_date": dt.date(2026, 5, 30),
                "contact_type": "injection",
                "attendance": "attended",
            },
        ],
        schema=HISTORY_SCHEMA,
    )
    seen = []

    def contact_history(trust, period):
        seen.append((trust, period))
        return history

    ctx.contact_history = contact_history
    result = run(tmp_path, base, ctx)
    assert seen == [("RDR", "2026-09")]
    assert warnings(result) == [("W05", "contacts.csv", 2, "contact_date")]
    message = result.findings.column("message").to_pylist()[0]
    assert "50 days" in message


def test_later_period_in_history_wins_over_this_submission(tmp_path, base, ctx):
    # A resubmission of September after October: October's version of C2 (dated 2026-04-20) is
    # current, so C3 on 2026-06-01 sees a previous injection 42 days earlier.
    token = fake_tokenise(pa.array(["9434765919"]))[0].as_py()
    ctx.contact_history = lambda trust, period: pa.Table.from_pylist(
        [
            {
                "contact_id": "C2",
                "period": "2026-10",
                "patient_token": token,
                "contact_date": dt.date(2026, 4, 20),
                "contact_type": "injection",
                "attendance": "attended",
            }
        ],
        schema=HISTORY_SCHEMA,
    )
    base["contacts.csv"][1]["contact_date"] = "2026-05-01"
    base["contacts.csv"].append(dict(base["contacts.csv"][1], contact_id="C3", contact_date="2026-06-01"))
    result = run(tmp_path, base, ctx, period="2026-09")
    assert warnings(result) == [("W05", "contacts.csv", 7, "contact_date")]
