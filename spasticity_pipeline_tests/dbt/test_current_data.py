"""Core's current-data rule (spec §7, §10) through real loads and a real dbt build."""

from __future__ import annotations

import copy
import datetime as dt

from spasticity_pipeline import landing
from spasticity_pipeline.defs.warehouse.dbt import run_dbt
from spasticity_pipeline.flow import build_context, process_submission
from spasticity_pipeline.warehouse import open_warehouse

from ..conftest import make_settings
from ..validate.conftest import BASE, write_submission

T0 = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


def _contact(tables, cid):
    return next(r for r in tables["contacts.csv"] if r["contact_id"] == cid)


def test_resubmission_rejection_quarantine_and_late_arrival(tmp_path):
    settings = make_settings(tmp_path / "home")
    sep1 = copy.deepcopy(BASE)
    sep2 = copy.deepcopy(BASE)
    _contact(sep2, "C1")["consultant_present"] = "N"  # the resubmission corrects C1
    sep_rejected = copy.deepcopy(BASE)
    october = copy.deepcopy(BASE)
    _contact(october, "C1").update(consultant_present="Y", physio_present="N")
    _contact(october, "C2")["attendance"] = "came"  # quarantined in October: September's C2 stays current
    late_sep = copy.deepcopy(BASE)
    _contact(late_sep, "C1").update(consultant_present="N", physio_present="Y")
    plan = [
        ("sep1", "2026-09", sep1),
        ("sep2", "2026-09", sep2),
        ("rejected", "2026-09", sep_rejected),
        ("oct", "2026-10", october),
        ("late_sep", "2026-09", late_sep),
    ]
    ids = {}
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        ctx = build_context(settings, wh, dt.date(2026, 11, 24))
        for i, (name, period, tables) in enumerate(plan):
            folder = write_submission(tmp_path / name, tables, period=period)
            if name == "rejected":
                (folder / "goals.csv").unlink()
            sub = landing.submit(folder, settings, "RDR", period, T0 + dt.timedelta(hours=i))
            ids[name] = sub.submission_id
            process_submission(sub, settings, wh, ctx)
    run_dbt(settings, ["build"], tmp_path / "target")
    with open_warehouse(settings) as wh:
        current = {
            r["period"]: r["submission_id"]
            for r in wh.query("SELECT period, submission_id FROM core.current_submissions").to_pylist()
        }
        c1, c2 = (
            wh.query(
                "SELECT consultant_present, physio_present, attendance, submitted_period AS period, "
                "submission_id "
                "FROM core.fct_contact WHERE contact_id = ?",
                (cid,),
            ).to_pylist()[0]
            for cid in ("C1", "C2")
        )
        injections = wh.query(
            "SELECT injection_id, submitted_period AS period FROM core.fct_injection "
            "WHERE contact_id = 'C2' "
            "ORDER BY injection_id"
        ).to_pylist()
    # the latest accepted Sep submission counts (the rejected one supersedes nothing)
    assert current == {"2026-09": ids["late_sep"], "2026-10": ids["oct"]}
    # October's C1 wins over a September resubmission received later ("latest" is by period first)
    assert (c1["consultant_present"], c1["physio_present"], c1["period"]) == ("Y", "N", "2026-10")
    # C2 was quarantined in October: the September version stays current, and so do its injections
    assert (c2["attendance"], c2["submission_id"]) == ("attended", ids["late_sep"])
    assert injections == [{"injection_id": "I1", "period": "2026-09"}, {"injection_id": "I2", "period": "2026-09"}]
