"""Drops straight into the landing zone (the SFTP case) that cannot be read are recorded as
rejected with their findings; nothing a drop holds blocks its trust × month (issue 14 item 6)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from spasticity_pipeline import flow, landing
from spasticity_pipeline.defs.ingest import loaded_submissions
from spasticity_pipeline.defs.ingest.partitions import partition_key
from spasticity_pipeline.defs.resources import SpasticityResource
from spasticity_pipeline.warehouse import open_warehouse

from ..conftest import make_settings
from ..validate.conftest import BASE, write_submission
from ..validate.hostile import restamp

PERIOD = "2026-09"


@pytest.fixture(params=["duckdb", "postgres"])
def settings(request, tmp_path, monkeypatch):
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    s = make_settings(tmp_path / "home", url)
    monkeypatch.setenv("SPASTICITY_HOME", str(s.home))
    monkeypatch.setenv("SPASTICITY_POSTCODE_LOOKUP", str(s.postcode_lookup))
    monkeypatch.setenv("SPASTICITY_PSEUDONYM_KEY", "test-key")
    return s


def _materialise(settings) -> dg.ExecuteInProcessResult:
    resource = SpasticityResource(
        home=str(settings.home), warehouse_url=settings.warehouse_url, postcode_lookup=str(settings.postcode_lookup)
    )
    with dg.instance_for_test() as instance:
        return dg.materialize(
            [loaded_submissions],
            partition_key=partition_key("RDR", PERIOD),
            resources={"spasticity": resource},
            instance=instance,
            raise_on_error=False,
        )


def _drop(settings, tmp_path: Path, name: str, mutate=None) -> Path:
    """A submission copied into the landing zone by other means: no received.json."""
    folder = write_submission(tmp_path / "out" / name, BASE, period=PERIOD)
    if mutate:
        mutate(folder)
    target = settings.landing / "RDR" / PERIOD / name
    shutil.copytree(folder, target)
    return target


def _audit(settings) -> dict[str, tuple[str, bool, dict[str, int]]]:
    with open_warehouse(settings) as wh:
        subs = wh.submissions().to_pylist()
        return {
            s["submission_id"]: (
                s["status"],
                s["superseded"],
                {
                    r: sum(1 for f in wh.findings(s["submission_id"]).to_pylist() if f["rule_id"] == r)
                    for r in ("F01", "F05")
                },
            )
            for s in subs
        }


def _nul(folder: Path) -> None:
    data = (folder / "contacts.csv").read_bytes().replace(b"attended", b"atten\x00ded", 1)
    restamp(folder, "contacts.csv", data)


def _cr_only(folder: Path) -> None:
    restamp(folder, "patients.csv", (folder / "patients.csv").read_bytes().replace(b"\n", b"\r"))


def _forged_stamp(folder: Path) -> None:
    _nul(folder)
    (folder / landing.RECEIVED).write_text(json.dumps({"submission_id": 5, "received_at": "yesterday"}))


def test_unreadable_drops_are_rejected_and_the_next_upload_of_the_month_loads(settings, tmp_path):
    drops = {"nul": _nul, "cr-only": _cr_only, "forged-stamp": _forged_stamp}
    for name, mutate in drops.items():
        _drop(settings, tmp_path, name, mutate)
    res = _materialise(settings)
    assert res.success
    audit = _audit(settings)
    assert sorted(audit.values(), key=str) == [("rejected", False, {"F01": 0, "F05": 1})] * 3
    # the forged stamp named no submission: the drop got an id of its own
    ids = {sub.folder.name: sub.submission_id for sub in landing.scan(settings, "RDR", PERIOD)}
    assert ids["forged-stamp"].startswith(f"RDR-{PERIOD}-") and set(ids.values()) == set(audit)
    # a NUL byte never reached the warehouse (Postgres refuses it in COPY: the run would fail)
    with open_warehouse(settings) as wh:
        assert "\x00" not in json.dumps(wh.query("SELECT * FROM audit.findings").to_pylist())

    good = write_submission(tmp_path / "good", BASE, period=PERIOD)
    later = landing.submit(good, settings, "RDR", PERIOD, received_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert _materialise(settings).success
    assert _audit(settings)[later.submission_id] == ("accepted", False, {"F01": 0, "F05": 0})
    assert landing.is_marked_processed(later)


@pytest.mark.slow  # the failing run is retried twice, 5 s apart
def test_a_submission_that_fails_to_process_blocks_nothing(settings, tmp_path, monkeypatch):
    poison = _drop(settings, tmp_path, "poison")
    real = flow.validate_submission

    def crashing(folder, ctx, **kwargs):
        if Path(folder) == poison:
            raise RuntimeError("a bug, quoting 943 476 5919")
        return real(folder, ctx, **kwargs)

    monkeypatch.setattr(flow, "validate_submission", crashing)
    good = write_submission(tmp_path / "good", BASE, period=PERIOD)
    later = landing.submit(good, settings, "RDR", PERIOD, received_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    res = _materialise(settings)
    # the run fails (and is retried, then alerts) but the later upload was loaded first
    assert not res.success
    assert _audit(settings) == {later.submission_id: ("accepted", False, {"F01": 0, "F05": 0})}
    # the run says what failed and where, never what the exception quoted
    events = "\n".join(str(e) for e in res.all_events)
    assert "builtins.RuntimeError at test_hostile_drops.py" in events and "943 476 5919" not in events
    # once the bug is fixed the waiting drop is processed and, received earlier, supersedes nothing
    monkeypatch.setattr(flow, "validate_submission", real)
    assert _materialise(settings).success
    audit = _audit(settings)
    assert audit[later.submission_id][:2] == ("accepted", False)
    assert [v[:2] for k, v in audit.items() if k != later.submission_id] == [("accepted", True)]


def test_scan_survives_what_a_drop_may_hold(settings, tmp_path):
    base = settings.landing / "RDR" / PERIOD
    garbage = {"not json": "{", "a list": "[]", "no time": '{"submission_id": "x"}', "naive": None}
    for name, stamp in garbage.items():
        folder = _drop(settings, tmp_path, name.replace(" ", "-"))
        if stamp is None:  # an id of the right shape with a time without a zone
            stamp = json.dumps({"submission_id": f"RDR-{PERIOD}-x", "received_at": "2026-10-01T00:00:00"})
        (folder / landing.RECEIVED).write_text(stamp)
    (base / "manifest-is-a-folder" / landing.MANIFEST).mkdir(parents=True)
    found = landing.scan(settings, "RDR", PERIOD)
    assert sorted(s.folder.name for s in found) == ["a-list", "naive", "no-time", "not-json"]
    assert all(s.received_at.tzinfo is not None for s in found)
    # the ids are stable from one scan to the next (the drops were stamped on first sight)
    assert [s.submission_id for s in landing.scan(settings, "RDR", PERIOD)] == [s.submission_id for s in found]
