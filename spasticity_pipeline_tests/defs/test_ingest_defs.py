"""The Dagster side of ingest: sensor ticks, partitioned materialisations, checks, schedule."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pytest

from spasticity_pipeline import landing
from spasticity_pipeline.defs.ingest import landing_sensor, loaded_submissions
from spasticity_pipeline.defs.ingest.checks import late_trusts
from spasticity_pipeline.defs.ingest.partitions import partition_key
from spasticity_pipeline.defs.operations import nightly_schedule
from spasticity_pipeline.defs.resources import SpasticityResource
from spasticity_pipeline.warehouse import open_warehouse

from ..validate.conftest import BASE, write_submission

T0 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def settings(env_settings):
    return env_settings


def _resource(s):
    return SpasticityResource(home=str(s.home), warehouse_url=s.warehouse_url, postcode_lookup=str(s.postcode_lookup))


def _land(settings, tmp_path, name, at, trust="RDR", period="2026-09"):
    folder = write_submission(tmp_path / "out" / name, BASE, trust=trust, period=period)
    return landing.submit(folder, settings, trust, period, received_at=at)


def _tick(instance, cursor=None):
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = landing_sensor(ctx)
    return [] if isinstance(result, dg.SkipReason) else list(result)


def test_sensor_requests_one_run_per_complete_submission(settings, tmp_path):
    with dg.instance_for_test() as instance:
        assert _tick(instance) == []
        a = _land(settings, tmp_path, "a", T0)
        # an upload still being written: files but no manifest yet
        partial = settings.landing / "RXC" / "2026-09" / "upload-in-progress"
        partial.mkdir(parents=True)
        (partial / "patients.csv").write_text("local_patient_id\n")
        # a folder under a trust that is not in the registry has no partition
        stray = settings.landing / "ZZZ" / "2026-09" / "x"
        stray.mkdir(parents=True)
        (stray / "manifest.json").write_text("{}")
        reqs = _tick(instance)
        assert [(r.run_key, r.partition_key) for r in reqs] == [(a.submission_id, partition_key("RDR", "2026-09"))]
        # a resubmission of the same partition is a second run with its own key
        b = _land(settings, tmp_path, "b", T0 + dt.timedelta(hours=1))
        assert [r.run_key for r in _tick(instance)] == [a.submission_id, b.submission_id]
        landing.mark_processed(a, "accepted")
        assert [r.run_key for r in _tick(instance)] == [b.submission_id]


def test_partitioned_materialisation_loads_waiting_submissions_in_received_order(settings, tmp_path):
    late = _land(settings, tmp_path, "late", T0 + dt.timedelta(hours=2))
    early = _land(settings, tmp_path, "early", T0)
    other = _land(settings, tmp_path, "other", T0, trust="RXC")
    with dg.instance_for_test() as instance:
        res = dg.materialize(
            [loaded_submissions],
            partition_key=partition_key("RDR", "2026-09"),
            resources={"spasticity": _resource(settings)},
            instance=instance,
        )
        assert res.success
        md = res.asset_materializations_for_node("loaded_submissions")[0].metadata
        assert md["submissions"].value == 2 and md["rows_quarantined"].value == 0
        assert md["submission_ids"].value == f"{early.submission_id}, {late.submission_id}"
        checks = {c.check_name: c.passed for c in res.get_asset_check_evaluations()}
        assert checks == {"row_conservation": True, "quarantine_rate": True, "staging_schema": True}
        # metadata never carries an identifier
        assert "9434765919" not in json.dumps({k: str(v.value) for k, v in md.items()})
    with open_warehouse(settings) as wh:
        subs = {r["submission_id"]: r["superseded"] for r in wh.submissions().to_pylist()}
    assert subs == {early.submission_id: True, late.submission_id: False}  # RXC's partition not run
    assert landing.is_marked_processed(early) and not landing.is_marked_processed(other)


def test_quarantine_rate_check_warns_above_threshold(settings, tmp_path):
    tables = {k: [dict(r) for r in v] for k, v in BASE.items()}
    tables["patients.csv"][1]["sex"] = "M"  # patient b and its 10 child rows quarantined
    folder = write_submission(tmp_path / "q", tables)
    landing.submit(folder, settings, "RDR", "2026-09", received_at=T0)
    with dg.instance_for_test() as instance:
        res = dg.materialize(
            [loaded_submissions],
            partition_key=partition_key("RDR", "2026-09"),
            resources={"spasticity": _resource(settings)},
            instance=instance,
        )
    ev = {c.check_name: c for c in res.get_asset_check_evaluations()}
    assert ev["row_conservation"].passed
    assert not ev["quarantine_rate"].passed and ev["quarantine_rate"].severity == dg.AssetCheckSeverity.WARN


def test_deadline_check_names_the_late_trusts():
    due, late = late_trusts({("RDR", "2026-10"), ("RYR", "2026-10")}, dt.date(2026, 11, 24))
    assert due == "2026-10" and "RDR" not in late and "RXC" in late and len(late) == 10


def test_nightly_schedule_is_0230_london_across_the_clock_change():
    assert nightly_schedule.cron_schedule == "30 2 * * *"
    assert nightly_schedule.execution_timezone == "Europe/London"
    from dagster._utils.schedules import cron_string_iterator

    start = dt.datetime(2026, 10, 23, 12, tzinfo=dt.UTC).timestamp()
    ticks = cron_string_iterator(start, "30 2 * * *", "Europe/London")
    utc = [next(ticks).astimezone(dt.UTC).strftime("%m-%d %H:%M") for _ in range(4)]
    # BST (UTC+1) until Sunday 25 October 2026, then GMT
    assert utc == ["10-24 01:30", "10-25 02:30", "10-26 02:30", "10-27 02:30"]


def test_feedback_asset_lists_exactly_the_audit_findings(settings, tmp_path):
    import pandas as pd

    from spasticity_pipeline.defs.reporting.assets import submission_feedback

    tables = {k: [dict(r) for r in v] for k, v in BASE.items()}
    tables["contacts.csv"][0]["attendance"] = "came"  # R03, cascading R07 to nothing (an assessment)
    tables["patients.csv"][2]["postcode"] = "ZZ9 9ZZ"  # W03
    folder = write_submission(tmp_path / "f", tables)
    sub = landing.submit(folder, settings, "RDR", "2026-09", received_at=T0)
    with dg.instance_for_test() as instance:
        res = dg.materialize(
            [loaded_submissions],
            partition_key=partition_key("RDR", "2026-09"),
            resources={"spasticity": _resource(settings)},
            instance=instance,
        )
        assert res.success
        assert dg.materialize(
            [submission_feedback], resources={"spasticity": _resource(settings)}, instance=instance
        ).success
    with open_warehouse(settings) as wh:
        audit = wh.findings(sub.submission_id).to_pandas()
    csv = pd.read_csv(settings.home / "feedback" / "RDR" / f"{sub.submission_id}.csv", dtype=str, keep_default_na=False)
    key = ["file", "row_number", "field", "rule_id", "message"]
    csv_key = ["file", "row", "column", "rule", "message"]  # the findings CSV's names for them
    got = sorted(map(tuple, csv[csv_key].values.tolist()))
    want = sorted(tuple("" if pd.isna(v) else str(v) for v in row) for row in audit[key].values.tolist())
    assert got == want and {r[3] for r in got} == {"R03", "W03"}
    html = (settings.home / "feedback" / "RDR" / f"{sub.submission_id}.html").read_text()
    assert "ZZ9 9ZZ" not in html and "6328797966" not in html  # no identifier in what the trust reads


def test_a_rejected_submission_is_recorded_and_conserved(settings, tmp_path):
    folder = write_submission(tmp_path / "r", BASE)
    (folder / "goals.csv").unlink()
    sub = landing.submit(folder, settings, "RDR", "2026-09", received_at=T0)
    with dg.instance_for_test() as instance:
        res = dg.materialize(
            [loaded_submissions],
            partition_key=partition_key("RDR", "2026-09"),
            resources={"spasticity": _resource(settings)},
            instance=instance,
        )
    assert res.success
    assert {c.check_name: c.passed for c in res.get_asset_check_evaluations()}["row_conservation"]
    with open_warehouse(settings) as wh:
        assert [(r["submission_id"], r["status"]) for r in wh.submissions().to_pylist()] == [
            (sub.submission_id, "rejected")
        ]


def test_a_staging_contract_breach_blocks_the_load(settings, tmp_path, monkeypatch):
    import pyarrow as pa

    from spasticity_pipeline import flow

    real = flow.to_staging

    def leaky(result, lookup):  # a bug upstream lets the NHS number through
        tables = real(result, lookup)
        p = tables["patients"]
        tables["patients"] = p.append_column("nhs_number", pa.array(["x"] * p.num_rows))
        return tables

    monkeypatch.setattr(flow, "to_staging", leaky)
    sub = _land(settings, tmp_path, "a", T0)
    with dg.instance_for_test() as instance:
        res = dg.materialize(
            [loaded_submissions],
            partition_key=partition_key("RDR", "2026-09"),
            resources={"spasticity": _resource(settings)},
            instance=instance,
            raise_on_error=False,
        )
    assert not res.success  # a blocking check failed: nothing downstream runs
    ev = {c.check_name: c for c in res.get_asset_check_evaluations()}
    assert not ev["staging_schema"].passed
    assert "unexpected column nhs_number" in str(ev["staging_schema"].metadata["failures"].value)
    with open_warehouse(settings) as wh:
        assert wh.scalar("SELECT count(*) FROM raw.patients") == 0
    assert not landing.is_marked_processed(sub)
