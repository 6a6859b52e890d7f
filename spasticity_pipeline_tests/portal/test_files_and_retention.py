"""Owner-only files whatever the umask; HSTS behind a trusted https proxy (and only then);
retention: raw uploads and rejected landings purged after the retention period, each purge in
the access audit, by the CLI and by the nightly asset."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import stat
from pathlib import Path

import dagster as dg
import httpx2 as httpx
import pytest
from click.testing import CliRunner

from spasticity_pipeline import access_audit, landing
from spasticity_pipeline.portal.app import create_app
from spasticity_pipeline.portal.config import load_config
from spasticity_pipeline.portal.db import PortalDB
from spasticity_pipeline.retention import purge
from spasticity_pipeline_tests.validate.conftest import BASE, write_submission

from .conftest import (
    PERIOD,
    USERS,
    add_enrolled_user,
    client_for,
    csrf_from,
    portal_config,
    sign_in,
    submission_files,
    upload,
    wait_checked,
)


@pytest.fixture
def umask_000():
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _readable_by_others(home: Path) -> list[str]:
    found = []
    for p in [home, *home.rglob("*")]:
        if p.is_symlink():
            continue
        mode = stat.S_IMODE(p.stat().st_mode)
        if mode & 0o077:
            found.append(f"{oct(mode)} {p.relative_to(home)}")
    return found


def test_no_file_under_the_portals_home_is_readable_by_others(umask_000, tmp_path, clock, monkeypatch):
    """A fresh portal under umask 000: secret, database (with its WAL), uploads, the pre-flight's
    outputs, a download and the landing zone are all 0600/0700."""
    cfg = portal_config(tmp_path / "home")
    os.chmod(cfg.settings.home, 0o700)  # the test's own folder (with the lookup file): not the portal's doing
    os.chmod(cfg.settings.postcode_lookup, 0o600)
    monkeypatch.delenv("SPASTICITY_PORTAL_SECRET", raising=False)
    cfg = dataclasses.replace(cfg, secret=load_config(cfg.settings).secret)  # the generated secret file
    add_enrolled_user(PortalDB(cfg.db_path), USERS["rdr"][0], "RDR", clock)
    with client_for(create_app(cfg)) as c:
        assert sign_in(c, "rdr").status_code == 303
        loc = upload(c, submission_files(tmp_path / "files")).headers["location"]
        assert wait_checked(c, loc)["state"] == "validated"
        assert c.get(f"{loc}/feedback.csv").status_code == 200
        assert c.post(f"{loc}/confirm", data={"csrf_token": csrf_from(c.get(loc).text)}).status_code == 303
    home = cfg.settings.home
    made = {p.name for p in home.rglob("*")}
    assert {"portal.key", "portal.db", "manifest.json", "findings.parquet", "received.json"} <= made
    assert any(p.suffix == ".csv" for p in (home / "landing").rglob("*"))
    assert _readable_by_others(home) == []


def test_a_secret_made_in_a_new_home_leaves_it_owner_only(umask_000, tmp_path):
    from spasticity_pipeline.settings import get_settings

    home = tmp_path / "fresh" / "home"
    load_config(get_settings(home=home, portal_secret=""))
    assert _readable_by_others(tmp_path / "fresh") == []


def _get(base: str, path: str, **headers) -> httpx.Response:
    return httpx.get(base + path, headers=headers, timeout=30)


def test_hsts_behind_a_trusted_https_proxy_only(served_with):
    trusted, _ = served_with(trusted_proxies=("127.0.0.1",))
    r = _get(trusted, "/login", **{"x-forwarded-proto": "https"})
    assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "Secure" in r.headers["set-cookie"]  # the CSRF cookie follows the client's scheme too
    assert "strict-transport-security" not in _get(trusted, "/login").headers  # plain http: no HSTS
    untrusted, _ = served_with(trusted_proxies=("10.9.9.9",))
    r = _get(untrusted, "/login", **{"x-forwarded-proto": "https"})
    assert "strict-transport-security" not in r.headers and "Secure" not in r.headers["set-cookie"]
    nobody, _ = served_with(trusted_proxies=())
    assert "strict-transport-security" not in _get(nobody, "/login", **{"x-forwarded-proto": "https"}).headers


def test_forwarded_for_counts_only_from_a_trusted_proxy(served_with, cfg):
    for proxies, expected in ((("127.0.0.1",), "203.0.113.7"), ((), "127.0.0.1")):
        base, _ = served_with(trusted_proxies=proxies)
        with httpx.Client(base_url=base) as c:
            token = csrf_from(c.get("/login").text)
            c.post(
                "/login",
                data={"email": USERS["rdr"][0], "password": "wrong password!", "csrf_token": token},
                headers={"x-forwarded-for": "203.0.113.7"},
            )
        row = PortalDB(cfg.db_path).one("SELECT ip FROM audit_log WHERE outcome = 'failure' ORDER BY id DESC")
        assert row["ip"] == expected


# -- retention ----------------------------------------------------------------------------------

OLD = dt.datetime.now(dt.UTC) - dt.timedelta(days=120)


def _age(path: Path, when: dt.datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.fixture
def aged(signed_in, cfg, tmp_path):
    """An old and a new checked upload, and old/new rejected and old accepted landings."""
    c = signed_in("rdr")
    locs = []
    for name in ("old", "new"):
        loc = upload(c, submission_files(tmp_path / name)).headers["location"]
        assert wait_checked(c, loc)["state"] == "validated"
        locs.append(loc)
    _age(cfg.uploads / locs[0].rsplit("/", 1)[1] / "submission", OLD)
    subs = {}
    for name, when, status in (
        ("old_rejected", OLD, "rejected"),
        ("new_rejected", dt.datetime.now(dt.UTC), "rejected"),
        ("old_accepted", OLD + dt.timedelta(seconds=1), "accepted"),
    ):
        folder = write_submission(tmp_path / name, BASE, trust="RXC", period=PERIOD)
        sub = landing.submit(folder, cfg.settings, "RXC", PERIOD, when)
        landing.mark_processed(sub, status)
        subs[name] = sub
    return c, locs, subs


def test_purge_after_the_retention_period(aged, cfg, monkeypatch):
    c, (old_loc, new_loc), subs = aged
    monkeypatch.setenv("SPASTICITY_HOME", str(cfg.settings.home))
    monkeypatch.setenv("SPASTICITY_RETENTION_DAYS", "90")
    from spasticity_pipeline.cli import main

    dry = CliRunner().invoke(main, ["purge", "--dry-run"])
    assert dry.exit_code == 0 and "would delete 1 raw upload(s) and 1 rejected landing(s)" in dry.output
    assert subs["old_rejected"].folder.is_dir()  # a dry run deletes nothing
    res = CliRunner().invoke(main, ["purge"])
    assert res.exit_code == 0 and "deleted 1 raw upload(s) and 1 rejected landing(s)" in res.output, res.output
    old_id, new_id = old_loc.rsplit("/", 1)[1], new_loc.rsplit("/", 1)[1]
    assert not (cfg.uploads / old_id / "submission").exists()
    assert (cfg.uploads / old_id / "result.json").is_file()  # the check's result stays (no identifiers)
    assert (cfg.uploads / new_id / "submission" / "patients.csv").is_file()
    assert not subs["old_rejected"].folder.exists()
    assert subs["new_rejected"].folder.is_dir() and subs["old_accepted"].folder.is_dir()
    # each purge is in the access audit, which the CLI lists
    purges = access_audit.entries(cfg.settings, action="purge")
    assert {e["target"] for e in purges} == {old_id, subs["old_rejected"].submission_id}
    listed = CliRunner().invoke(main, ["audit", "--action", "purge"])
    assert listed.exit_code == 0 and subs["old_rejected"].submission_id in listed.output
    # the purged upload's page still shows its check; confirming it says why it cannot be sent
    page = c.get(old_loc)
    assert page.status_code == 200
    r = c.post(f"{old_loc}/confirm", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 409 and "deleted after 90 days" in r.text
    assert CliRunner().invoke(main, ["purge"]).output.startswith("deleted 0 raw upload(s)")


def test_the_warehouse_says_which_landings_were_rejected(cfg, tmp_path):
    folder = write_submission(tmp_path / "s", BASE, trust="RDR", period=PERIOD)
    sub = landing.submit(folder, cfg.settings, "RDR", PERIOD, OLD)  # no marker: only the warehouse knows
    assert purge(cfg.settings, 90, rejected=()).landings == []
    assert purge(cfg.settings, 90, rejected={sub.submission_id}).landings == [sub.submission_id]
    assert not sub.folder.exists()


def test_the_nightly_asset_purges(aged, cfg):
    from spasticity_pipeline.defs.operations import expired_uploads_purged
    from spasticity_pipeline.defs.resources import SpasticityResource

    _, _, subs = aged
    s = cfg.settings
    resource = SpasticityResource(
        home=str(s.home), warehouse_url=s.warehouse_url, postcode_lookup=str(s.postcode_lookup)
    )
    result = dg.materialize([expired_uploads_purged], resources={"spasticity": resource})
    assert result.success
    meta = result.asset_materializations_for_node("expired_uploads_purged")[0].metadata
    assert meta["raw uploads deleted"].value == 1 and meta["rejected landings deleted"].value == 1
    assert not subs["old_rejected"].folder.exists()
