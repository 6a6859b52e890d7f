"""Pseudonymise and load, on DuckDB and on Postgres: the same rows, atomically, superseding."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest

from spasticity_pipeline import landing
from spasticity_pipeline.flow import build_context, process_submission
from spasticity_pipeline.warehouse import open_warehouse

from ..conftest import make_settings
from ..validate.conftest import BASE, write_submission

TODAY = dt.date(2026, 11, 24)
T0 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)


def _land(settings, tmp_path, tables, name, at, period="2026-09"):
    folder = write_submission(tmp_path / "out" / name, tables, period=period)
    return landing.submit(folder, settings, "RDR", period, received_at=at)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request, tmp_path):
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    return make_settings(tmp_path / "home", url)


def _process(settings, sub):
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        return process_submission(sub, settings, wh, build_context(settings, wh, TODAY))


def test_accepted_submission_loads_pseudonymised_rows(settings, tmp_path):
    sub = _land(settings, tmp_path, BASE, "a", T0)
    out = _process(settings, sub)
    assert out.status == "accepted" and out.current and out.conserved
    assert out.rows_loaded == sum(len(v) for v in BASE.values())
    with open_warehouse(settings) as wh:
        patients = wh.query("SELECT * FROM raw.patients ORDER BY row_number").to_pylist()
        referrals = wh.query("SELECT * FROM raw.referrals ORDER BY row_number").to_pylist()
        measures = wh.query("SELECT value, value_numeric FROM raw.outcome_measures ORDER BY row_number").to_pylist()
        sub_row = wh.submissions().to_pylist()
    assert len(patients) == 3
    p = patients[0]
    assert not {"nhs_number", "postcode", "birth_date"} & set(p)
    assert p["patient_token"] == hmac.new(b"test-key", b"9434765919", hashlib.sha256).hexdigest()
    assert (p["birth_year_month"], p["postcode_outward"], p["lsoa_code"], p["imd_decile"]) == (
        "1960-05",
        "TN1",
        "E01000001",
        5,
    )
    assert (p["trust_ods_code"], p["period"], p["submission_id"]) == ("RDR", "2026-09", sub.submission_id)
    # born 1960-05-17, referred 2026-03-02: 65 (the birthday that year had not come)
    assert referrals[0]["age_at_referral"] == 65 and referrals[0]["patient_token"] == p["patient_token"]
    assert {"value": "1+", "value_numeric": 1.5} in measures
    assert sub_row[0]["status"] == "accepted" and sub_row[0]["superseded"] is False
    assert sub_row[0]["rows_in"] == sub_row[0]["rows_loaded"] == out.rows_in


def test_quarantine_keeps_raw_rows_and_findings_match(settings, tmp_path):
    tables = {k: [dict(r) for r in v] for k, v in BASE.items()}
    tables["patients.csv"][1]["sex"] = "M"  # R03 on patient b; cascades R07 to its rows
    out = _process(settings, _land(settings, tmp_path, tables, "q", T0))
    assert out.status == "accepted_with_warnings" and out.conserved
    with open_warehouse(settings) as wh:
        q = wh.query("SELECT sex, nhs_number, rule_id, field, row_number FROM quarantine.patients").to_pylist()
        n_q = {t: wh.scalar(f"SELECT count(*) FROM quarantine.{t}") for t in ("referrals", "contacts", "injections")}
        findings = wh.query("SELECT rule_id, count(*) AS n FROM audit.findings GROUP BY rule_id").to_pylist()
    assert q == [{"sex": "M", "nhs_number": "4010232137", "rule_id": "R03", "field": "sex", "row_number": 2}]
    assert n_q == {"referrals": 1, "contacts": 2, "injections": 2}
    assert (
        {f["rule_id"]: f["n"] for f in findings} == out.findings == {"R03": 1, "R07": 10}
    )  # referral, 2 contacts, 2 injections, event, goal, 2 measures, response


def test_resubmission_supersedes_and_rejected_supersedes_nothing(settings, tmp_path):
    first = _process(settings, _land(settings, tmp_path, BASE, "1", T0))
    broken = _land(settings, tmp_path, BASE, "2", T0 + dt.timedelta(days=1))
    (broken.folder / "goals.csv").unlink()
    rejected = _process(settings, broken)
    assert rejected.status == "rejected" and rejected.findings == {"F03": 1}
    second = _process(settings, _land(settings, tmp_path, BASE, "3", T0 + dt.timedelta(days=2)))
    with open_warehouse(settings) as wh:
        rows = {r["submission_id"]: (r["status"], r["superseded"]) for r in wh.submissions().to_pylist()}
        staged = wh.scalar("SELECT count(*) FROM raw.patients")
    assert rows == {
        first.submission_id: ("accepted", True),
        rejected.submission_id: ("rejected", False),
        second.submission_id: ("accepted", False),
    }
    assert staged == 6  # both accepted versions stay in staging; core applies the current-data rule


def test_late_processing_of_an_earlier_receipt_is_superseded_at_once(settings, tmp_path):
    late = _land(settings, tmp_path, BASE, "late", T0 + dt.timedelta(hours=1))
    early = _land(settings, tmp_path, BASE, "early", T0)
    assert [s.submission_id for s in landing.scan(settings)] == [early.submission_id, late.submission_id]
    assert _process(settings, late).current
    assert not _process(settings, early).current
    with open_warehouse(settings) as wh:
        current = wh.query("SELECT submission_id FROM audit.submissions WHERE NOT superseded").to_pylist()
    assert current == [{"submission_id": late.submission_id}]


def test_a_failed_load_leaves_no_rows(settings, tmp_path, monkeypatch):
    sub = _land(settings, tmp_path, BASE, "x", T0)
    from spasticity_pipeline.warehouse import base

    real = base.with_prefix

    def boom(table, ref):
        if "goal_id" in table.column_names:
            raise RuntimeError("disk full")
        return real(table, ref)

    monkeypatch.setattr(base, "with_prefix", boom)
    with pytest.raises(RuntimeError):
        _process(settings, sub)
    with open_warehouse(settings) as wh:
        counts = [
            wh.scalar(f"SELECT count(*) FROM {t}")
            for t in ("audit.submissions", "audit.findings", "raw.patients", "raw.contacts")
        ]
    assert counts == [0, 0, 0, 0]


def test_contact_history_feeds_w05_across_periods(settings, tmp_path):
    # September: the injection on 2026-06-01; October re-sends nothing of it but a new injection
    # 30 days later for the same patient, in a new referral
    _process(settings, _land(settings, tmp_path, BASE, "sep", T0))
    october = {k: [dict(r) for r in v] for k, v in BASE.items()}
    for rows in october.values():
        for r in rows:
            for key in (
                "referral_id",
                "contact_id",
                "injection_id",
                "event_id",
                "goal_id",
                "measure_id",
                "response_id",
            ):
                if key in r:
                    r[key] = "N" + r[key]
    for r in october["contacts.csv"]:
        if r["contact_type"] == "injection":
            r["contact_date"] = "2026-07-01"
    for r in october["adverse_events.csv"]:
        r["event_date"] = "2026-07-03"
    out = _process(settings, _land(settings, tmp_path, october, "oct", T0 + dt.timedelta(days=30), "2026-10"))
    assert out.findings.get("W05") == 3  # one per patient: 30 days after September's injection


def test_staging_contract_blocks_identifiers_and_bad_tokens(tmp_path):
    import pyarrow as pa

    from spasticity_pipeline.pseudonymise import to_staging
    from spasticity_pipeline.validate import validate_submission
    from spasticity_pipeline.warehouse.contracts import check_staging

    settings = make_settings(tmp_path / "home")
    result = validate_submission(write_submission(tmp_path / "s", BASE), build_context(settings, None, TODAY))
    staging = to_staging(result, build_context(settings, None, TODAY).postcode_lookup)
    assert check_staging(staging) == {}
    leaked = dict(staging, patients=staging["patients"].append_column("nhs_number", pa.array(["9434765919"] * 3)))
    bad_token = dict(
        staging,
        contacts=staging["contacts"].set_column(
            staging["contacts"].schema.get_field_index("patient_token"),
            "patient_token",
            pa.array(["not-a-token"] * staging["contacts"].num_rows),
        ),
    )
    assert "nhs_number" in check_staging(leaked)["patients"]
    assert "patient_token" in check_staging(bad_token)["contacts"]


def test_tokens_are_hmac_sha256_of_the_normalised_nhs_number():
    import pyarrow as pa

    from spasticity_pipeline.pseudonymise import make_tokeniser

    for key in (b"k", b"network-secret", b"x" * 100):  # a key longer than SHA-256's block is hashed first
        values = pa.array(["9434765919", None, "4010232137", "9434765919"])
        got = make_tokeniser(key)(values).to_pylist()
        want = [
            None if v is None else hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in values.to_pylist()
        ]
        assert got == want and got[0] == got[3]


def test_tokens_match_known_answers():
    """Digests from outside Python: RFC 4231 test case 2, and ``openssl dgst -sha256 -hmac``."""
    import pyarrow as pa

    from spasticity_pipeline.pseudonymise import make_tokeniser

    rfc4231 = make_tokeniser(b"Jefe")(pa.array(["what do ya want for nothing?"])).to_pylist()
    assert rfc4231 == ["5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"]
    # printf 9434765919 | openssl dgst -sha256 -hmac network-secret
    nhs = make_tokeniser(b"network-secret")(pa.array(["9434765919"])).to_pylist()
    assert nhs == ["6ba67e60154ad7375442e33a1fdb2358b9afaa06abb572a061d3156c782273f2"]
