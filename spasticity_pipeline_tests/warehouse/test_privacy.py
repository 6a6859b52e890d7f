"""Identifiers never leave ingest except into quarantine: not staging, not findings, not logs."""

from __future__ import annotations

import datetime as dt
import logging
import re

from spasticity_pipeline import landing
from spasticity_pipeline.flow import build_context, process_submission
from spasticity_pipeline.settings import SHIPPED_POSTCODE_LOOKUP
from spasticity_pipeline.synthetic import generate_network
from spasticity_pipeline.warehouse import open_warehouse

from ..conftest import make_settings


def test_no_identifier_outside_quarantine(tmp_path, caplog):
    subs = generate_network(
        tmp_path / "gen", trusts=["RDR", "RYY"], months=["2026-08", "2026-09"], patients=60, seed=3, fault_rate=0.08
    )
    settings = make_settings(tmp_path / "home", lookup=SHIPPED_POSTCODE_LOOKUP)
    caplog.set_level(logging.DEBUG)
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        ctx = build_context(settings, wh, dt.date(2026, 11, 24))
        for s in sorted(subs, key=lambda s: s.order):
            sub = landing.submit(
                s.folder,
                settings,
                s.trust,
                s.period,
                dt.datetime(2026, 10, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=s.order),
            )
            process_submission(sub, settings, wh, ctx)
        # every NHS number, postcode and birth date the trusts sent (quarantine keeps them as received)
        q = wh.query("SELECT nhs_number, postcode, birth_date FROM quarantine.patients").to_pylist()
        staged = wh.query("SELECT * FROM raw.patients").to_pylist()
        assert q and staged  # the network has faults and clean rows
        identifiers = set()
        for folder in (tmp_path / "gen").rglob("patients.csv"):
            for line in folder.read_text().splitlines()[1:]:
                cells = [c.strip('"') for c in line.split(",")]
                identifiers |= {cells[1].replace(" ", ""), cells[2], cells[5]}
        identifiers.discard("")
        tables = [
            t
            for t in wh.query(
                "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
                "WHERE table_schema IN ('raw', 'audit')"
            )
            .column("t")
            .to_pylist()
        ]
        texts = []
        for t in tables:
            for row in wh.query(f"SELECT * FROM {t}").to_pylist():
                texts += [str(v) for v in row.values() if v is not None]
    haystack = "\n".join(texts) + "\n" + caplog.text
    leaked = sorted(i for i in identifiers if i in haystack)
    assert leaked == []
    # NHS numbers are ten digits: nothing that long and numeric appears at all
    assert not re.search(r"(?<!\d)\d{10}(?!\d)", "\n".join(t for t in texts if not re.fullmatch(r"[0-9a-f]{64}", t)))
