"""core on the fixture network (fixtures.py): the current-data rule (spec §7, §10), the patient
dimensions, injection sessions, the calendar and schemas — on DuckDB and Postgres."""

from __future__ import annotations

import datetime as dt

from .conftest import as_date


def _referrals(wh, trust):
    return {
        r["referral_id"]: r
        for r in wh.rows(
            f"SELECT referral_id, standard_route, submission_id, submitted_period, row_number "
            f"FROM core.fct_referral WHERE trust_ods_code = '{trust}'"
        )
    }


def test_current_submission_per_trust_and_period(wh):
    got = {
        (r["trust_ods_code"], r["period"]): r["submission_id"]
        for r in wh.rows("SELECT trust_ods_code, period, submission_id FROM core.current_submissions")
    }
    # S1 superseded by S2; S3 rejected after S2 supersedes nothing; W3 (a March resubmission received
    # after April's W2) is March's current submission
    assert got == {
        ("RDR", "2026-03"): "RDR-2026-03-S2",
        ("RDR", "2026-04"): "RDR-2026-04-S4",
        ("RWF", "2026-03"): "RWF-2026-03-W3",
        ("RWF", "2026-04"): "RWF-2026-04-W2",
        ("RYR", "2026-03"): "RYR-2026-03-Y1",
    }


def test_resubmission_supersedes_and_withdraws(wh):
    rdr = _referrals(wh, "RDR")
    assert (rdr["R_SUP"]["standard_route"], rdr["R_SUP"]["submission_id"]) == ("Y", "RDR-2026-03-S2")
    assert "R_WD" not in rdr  # only the superseded S1 carried it
    rwf = _referrals(wh, "RWF")
    assert (rwf["W_X"]["standard_route"], rwf["W_X"]["submission_id"]) == ("N", "RWF-2026-03-W3")
    assert "W_WD" not in rwf


def test_rejected_submission_supersedes_nothing(wh):
    # S3 (rejected, received after S2) loaded nothing; S2's rows are still current
    rdr = _referrals(wh, "RDR")
    assert {k for k, r in rdr.items() if r["submission_id"] == "RDR-2026-03-S2"} == {"R_SUP", "R_Q", "RI5"}
    assert wh.scalar("SELECT count(*) AS n FROM core.fct_contact WHERE contact_id = 'I9'") == 1


def test_later_period_wins_whatever_the_arrival_order(wh):
    rdr = _referrals(wh, "RDR")
    assert (rdr["R_LATE"]["standard_route"], rdr["R_LATE"]["submitted_period"]) == ("Y", "2026-04")
    # RWF's March resubmission W3 arrived after April's W2 and says N: April's Y stays current
    rwf = _referrals(wh, "RWF")
    assert (rwf["W_JUNE"]["standard_route"], rwf["W_JUNE"]["submission_id"]) == ("Y", "RWF-2026-04-W2")


def test_key_quarantined_later_keeps_the_earlier_version(wh):
    rdr = _referrals(wh, "RDR")
    assert (rdr["R_Q"]["standard_route"], rdr["R_Q"]["submission_id"]) == ("N", "RDR-2026-03-S2")


def test_rows_trace_back_to_the_file(wh):
    r = wh.one(
        "SELECT submission_id, submitted_period, row_number FROM core.fct_referral "
        "WHERE trust_ods_code = 'RDR' AND referral_id = 'RA1'"
    )
    assert r == {"submission_id": "RDR-2026-04-S4", "submitted_period": "2026-04", "row_number": 1}


def test_patient_dimensions(wh):
    # p1 is in S2 (imd 2) and S4 (imd 4): the later period's row is current
    assert (
        wh.scalar(
            "SELECT imd_decile FROM core.dim_patient_record WHERE trust_ods_code = 'RDR' AND local_patient_id = 'p1'"
        )
        == 4
    )
    # tokA is RDR's p1 and RYR's x1: one person at two trusts, attributes from the latest row (RDR, April)
    a = wh.one(
        "SELECT ethnic_category, n_trusts, latest_trust_ods_code FROM core.dim_patient WHERE patient_token = 'tokA'"
    )
    assert a == {"ethnic_category": "A", "n_trusts": 2, "latest_trust_ods_code": "RDR"}
    assert (
        wh.scalar(
            "SELECT ethnic_category FROM core.dim_trust_patient WHERE trust_ods_code = 'RYR' AND patient_token = 'tokA'"
        )
        == "B"
    )
    assert wh.scalar("SELECT count(*) AS n FROM core.dim_patient") == 8  # tokA … tokH


def test_outcome_measures_keep_mas_order(wh):
    r = wh.one("SELECT value, value_numeric FROM core.fct_outcome_measure WHERE measure_id = 'MB2'")
    assert r == {"value": "1+", "value_numeric": 1.5}


def test_injection_sessions_per_product_and_limb_class(wh):
    got = {
        (r["contact_id"], r["product"]): (r["total_units"], r["limb_class"], r["max_units"], r["above_maximum"])
        for r in wh.rows(
            "SELECT contact_id, product, total_units, limb_class, max_units, above_maximum "
            "FROM core.fct_injection_session WHERE trust_ods_code = 'RDR'"
        )
    }
    assert got == {
        ("I1", "botox"): (350, "upper", 400, False),
        ("I2", "dysport"): (1100, "upper", 1000, True),
        ("I3", "dysport"): (1300, "both", 1500, False),
        ("I4", "botox"): (400, "upper", 400, False),
        ("I4", "xeomin"): (501, "lower", 500, True),
        ("I6", "botox"): (500, "upper", 400, True),
        ("I7", "xeomin"): (500, "lower", 500, False),
        ("I8", "dysport"): (1500, "lower", 1500, False),
        ("I9", "botox"): (300, "lower", 400, False),
    }


def test_previous_injection_is_the_same_trusts(wh):
    got = {
        r["contact_id"]: (
            r["previous_injection_date"] and as_date(r["previous_injection_date"]),
            r["days_since_previous_injection"],
        )
        for r in wh.rows(
            "SELECT contact_id, previous_injection_date, days_since_previous_injection "
            "FROM core.fct_contact WHERE trust_ods_code = 'RDR' AND is_attended_injection"
        )
    }
    assert got["I2"] == (dt.date(2026, 1, 15), 84)  # not RYR's 2026-03-01
    assert got["I4"] == (dt.date(2025, 11, 3), 83)
    assert got["I7"] == (dt.date(2026, 3, 16), 35)  # the DNA on 04-14 is not an injection given
    assert got["I1"] == (None, None)


def test_waits_in_calendar_and_working_days(wh):
    got = {
        r["referral_id"]: (r["days_to_first_assessment"], r["working_days_to_triage"])
        for r in wh.rows(
            "SELECT referral_id, days_to_first_assessment, working_days_to_triage "
            "FROM core.fct_referral WHERE referral_id IN ('RA1', 'RA2', 'RB1', 'RB2', 'RB3', 'WR1')"
        )
    }
    assert got == {
        "RA1": (126, None),
        "RA2": (127, None),
        "RB1": (None, 10),
        "RB2": (None, 11),
        "RB3": (None, 0),
        "WR1": (30, 1),
    }


def test_calendar_bank_holidays_and_working_days(wh):
    def working_days(d: str, x: str) -> int:
        return wh.scalar(
            f"SELECT t.working_day_index - d.working_day_index AS n FROM core.dim_calendar d, "
            f"core.dim_calendar t WHERE d.calendar_date = DATE '{d}' AND t.calendar_date = DATE '{x}'"
        )

    holidays = {
        as_date(r["calendar_date"]): r["holiday_name"]
        for r in wh.rows(
            "SELECT calendar_date, holiday_name FROM core.dim_calendar WHERE is_bank_holiday "
            "AND calendar_date BETWEEN DATE '2027-12-01' AND DATE '2028-01-31'"
        )
    }
    # Christmas 2027 falls on a Saturday and Boxing Day on a Sunday: substitute days Mon 27, Tue 28
    assert set(holidays) == {dt.date(2027, 12, 27), dt.date(2027, 12, 28), dt.date(2028, 1, 3)}
    assert working_days("2027-12-24", "2027-12-29") == 1
    assert working_days("2020-05-07", "2020-05-11") == 1  # VE Day 2020 moved the May holiday to Fri 8th
    assert working_days("2026-04-22", "2026-04-22") == 0
    row = wh.one(
        "SELECT count(*) AS days, min(calendar_date) AS first_day, max(calendar_date) AS last_day "
        "FROM core.dim_calendar"
    )
    assert (as_date(row["first_day"]), as_date(row["last_day"])) == (dt.date(2000, 1, 1), dt.date(2035, 12, 31))
    assert row["days"] == (dt.date(2035, 12, 31) - dt.date(2000, 1, 1)).days + 1


def test_models_land_in_exactly_staging_core_and_marts(wh):
    got = {
        (r["table_schema"], r["table_name"])
        for r in wh.rows(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('information_schema', 'pg_catalog')"
        )
    }
    schemas = {s for s, _ in got}
    # no main_core, public_marts; dbt_state is the incremental models' memory (macros/incremental.sql)
    assert schemas <= {"audit", "raw", "staging", "quarantine", "core", "marts", "dbt_state"}, schemas
    assert {t for s, t in got if s == "dbt_state"} == {"incremental_models", "affected_keys", "submission_snapshot"}
    assert {
        ("staging", "stg_referrals"),
        ("core", "fct_referral"),
        ("core", "organisations"),
        ("marts", "governance_metrics"),
        ("marts", "population_profile"),
        ("marts", "goal_attainment"),
        ("marts", "data_quality"),
    } <= got
    assert wh.scalar("SELECT count(*) AS n FROM core.dim_organisation") == 12
