"""Statuses come from the published copy of the warehouse (never the live DuckDB file the pipeline
writes); the history shows counts and supersession; the network team sees who is late."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from spasticity_pipeline import landing
from spasticity_pipeline.config import registry
from spasticity_pipeline.flow import build_context, process_submission
from spasticity_pipeline.periods import deadline, last_due
from spasticity_pipeline.portal.status import network_overview, submissions
from spasticity_pipeline.warehouse import open_warehouse
from spasticity_pipeline_tests.validate.conftest import BASE, write_submission

from .conftest import faulty_tables, rejected_tables


@pytest.fixture
def processed(cfg, tmp_path):
    """Due-period submissions: RDR faulty then corrected (on time), RXC rejected; processed into the
    live warehouse, then published the way the pipeline publishes it."""
    settings = cfg.settings
    reg = registry()
    period = last_due(dt.date.today(), reg.submission_deadline_day)
    due = deadline(period, reg.submission_deadline_day)
    at = dt.datetime.combine(due, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(days=2)
    subs = []
    for i, (trust, tables) in enumerate([("RDR", faulty_tables()), ("RDR", BASE), ("RXC", rejected_tables())]):
        folder = write_submission(tmp_path / f"s{i}", tables, trust=trust, period=period)
        subs.append(landing.submit(folder, settings, trust, period, at + dt.timedelta(hours=i)))
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        for sub in subs:
            process_submission(sub, settings, wh, build_context(settings, wh))
    return period, subs


def _publish(settings):
    settings.published_duckdb.parent.mkdir(parents=True, exist_ok=True)
    with open_warehouse(settings) as wh:
        wh.publish_copy(settings.published_duckdb)


def test_statuses_wait_for_the_published_copy(cfg, processed, signed_in):
    period, (first, second, rxc) = processed
    by_id = {s.submission_id: s for s in submissions(cfg.settings)}
    assert {by_id[s.submission_id].status for s in (first, second, rxc)} == {"awaiting processing"}
    _publish(cfg.settings)
    by_id = {s.submission_id: s for s in submissions(cfg.settings)}
    assert by_id[first.submission_id].superseded and not by_id[second.submission_id].superseded
    assert by_id[first.submission_id].status == "accepted_with_warnings"
    assert by_id[first.submission_id].rows_quarantined > 0
    assert by_id[rxc.submission_id].status == "rejected"
    page = signed_in("rdr").get("/submissions").text
    assert "superseded" in page and "accepted with warnings" in page and rxc.submission_id not in page
    detail = signed_in("rdr").get(f"/submissions/{first.submission_id}").text
    assert "As recorded when the pipeline processed" in detail and "R04" in detail


def test_the_portal_never_holds_the_live_warehouse(cfg, processed, signed_in):
    _publish(cfg.settings)
    c = signed_in("net")
    assert c.get("/submissions").status_code == 200
    # the pipeline can still take its write lock while the portal serves pages
    con = duckdb.connect(str(cfg.settings.duckdb_path))
    try:
        assert c.get("/network").status_code == 200
        con.execute("CREATE TABLE IF NOT EXISTS audit.portal_probe (x INT)")
    finally:
        con.close()


def test_network_overview_marks_late_trusts(cfg, processed, signed_in):
    period, _ = processed
    _publish(cfg.settings)
    got_period, _, rows = network_overview(cfg.settings)
    states = {r.ods: r.state for r in rows}
    assert got_period == period
    assert states["RDR"] == "on time" and states["RXC"] == "rejected only"
    assert {s for t, s in states.items() if t not in ("RDR", "RXC")} == {"late"}
    page = signed_in("net").get("/network").text
    assert f"late for {period}" in page and "RXC" in page


@pytest.mark.postgres
def test_statuses_from_a_postgres_warehouse(pg_url, tmp_path):
    """With Postgres there is no single-writer lock: the portal reads the audit tables directly."""
    from spasticity_pipeline_tests.conftest import make_settings

    settings = make_settings(tmp_path / "pg-home", pg_url)
    folder = write_submission(tmp_path / "s", faulty_tables(), trust="RDR", period="2026-09")
    sub = landing.submit(folder, settings, "RDR", "2026-09")
    assert submissions(settings)[0].status == "awaiting processing"
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        process_submission(sub, settings, wh, build_context(settings, wh))
    got = submissions(settings)[0]
    assert (got.submission_id, got.status, got.in_warehouse) == (sub.submission_id, "accepted_with_warnings", True)
    assert got.rows_quarantined > 0
