"""Uploading: the manifest the portal writes, the pre-flight page, confirming, dialect files, and
every upload that must be refused (zip traversal, links, folders, bombs, size, names)."""

from __future__ import annotations

import copy
import io
import json
import os
import stat
import time
import zipfile

import pytest

from spasticity_pipeline.extract.dialect import load_dialect
from spasticity_pipeline.extract.encode import convert_submission
from spasticity_pipeline.portal.app import create_app
from spasticity_pipeline.portal.db import PortalDB
from spasticity_pipeline.portal.upload_safety import UploadRefused, check_zip
from spasticity_pipeline.portal.users import add_user
from spasticity_pipeline_tests.validate.conftest import BASE, write_submission

from .conftest import (
    PASSWORD,
    PERIOD,
    add_enrolled_user,
    client_for,
    csrf_from,
    faulty_tables,
    portal_config,
    rejected_tables,
    sign_in,
    sign_in_as,
    submission_files,
    upload,
    wait_checked,
    zip_bytes,
)


def _nothing_stored(cfg) -> bool:
    return (not cfg.uploads.exists() or not any(cfg.uploads.iterdir())) and not cfg.settings.landing.exists()


def _check(c, files):
    r = upload(c, files)
    assert r.status_code == 303, r.text
    loc = r.headers["location"]
    return loc, wait_checked(c, loc)


def test_manifest_counts_records_and_the_findings_show_how_to_fix(signed_in, tmp_path, cfg):
    tables = faulty_tables()
    tables["injections.csv"][1]["muscle"] = "flexor\ndigitorum"  # a quoted newline: one record, two lines
    c = signed_in("rdr")
    loc, state = _check(c, submission_files(tmp_path / "s", tables))
    assert state == {"state": "validated", "stage": "done", "status": "accepted_with_warnings"}
    upload_id = loc.rsplit("/", 1)[1]
    manifest = json.loads((cfg.uploads / upload_id / "submission" / "manifest.json").read_text())
    assert manifest["trust_ods_code"] == "RDR" and manifest["period"] == PERIOD
    assert manifest["format"] == "regional-v1" and manifest["spec_version"] == "regional-v1"
    assert manifest["files"]["injections.csv"]["rows"] == len(tables["injections.csv"]) == 6
    assert len(manifest["files"]["injections.csv"]["sha256"]) == 64
    page = c.get(loc).text
    assert "Confirm and submit" in page
    assert "R04" in page and "Correct the patient&#39;s NHS number in your system." in page  # how to fix
    assert "R07" in page and "patients.csv" in page and "nhs_number" in page
    assert "943 476 5918" not in page  # findings carry no identifiers


def test_rejected_preflight_shows_what_to_fix_and_cannot_be_confirmed(signed_in, tmp_path, cfg):
    c = signed_in("rdr")
    loc, state = _check(c, submission_files(tmp_path / "s", rejected_tables()))
    assert state["status"] == "rejected"
    page = c.get(loc).text
    assert "cannot be sent" in page and "Confirm and submit" not in page
    assert "F07" in page and "patients.csv" in page and "mapping or export fault" in page
    r = c.post(f"{loc}/confirm", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 409 and "cannot be submitted" in r.text
    assert not cfg.settings.landing.exists()


def test_confirm_lands_once(signed_in, tmp_path, cfg):
    c = signed_in("rdr")
    loc, state = _check(c, submission_files(tmp_path / "s"))
    assert state["status"] in ("accepted", "accepted_with_warnings")
    token = csrf_from(c.get(loc).text)
    assert c.post(f"{loc}/confirm", data={"csrf_token": token}).status_code == 303
    assert c.post(f"{loc}/confirm", data={"csrf_token": token}).status_code == 409
    landed = [p for p in (cfg.settings.landing / "RDR" / PERIOD).iterdir()]
    assert len(landed) == 1 and (landed[0] / "manifest.json").is_file()
    assert sorted(p.name for p in landed[0].glob("*.csv")) == sorted(BASE)
    history = c.get("/submissions").text
    assert landed[0].name in history and "awaiting processing" in history


def test_a_zip_of_the_eight_files(signed_in, tmp_path):
    c = signed_in("rdr")
    _, state = _check(c, {"extract.zip": zip_bytes(submission_files(tmp_path / "s"))})
    assert state["status"] in ("accepted", "accepted_with_warnings")


def test_missing_files_are_a_rejected_preflight(signed_in, tmp_path):
    c = signed_in("rdr")
    files = submission_files(tmp_path / "s")
    del files["experience.csv"]
    loc, state = _check(c, files)
    assert state["status"] == "rejected"
    assert "F03" in c.get(loc).text


@pytest.mark.parametrize("trust, dialect", [("RYY", "ryy-community-xlsx"), ("RYR", "ryr-careflow-epr")])
def test_a_registered_dialect(app, cfg, tmp_path, trust, dialect):
    add_user(f"data@{trust.lower()}.example.nhs.uk", trust, PASSWORD, db=PortalDB(cfg.db_path))
    canonical = write_submission(tmp_path / "canonical", copy.deepcopy(BASE), trust=trust, period=PERIOD)
    out = convert_submission(canonical, tmp_path / "dialect", load_dialect(dialect))
    expected = json.loads((out / "manifest.json").read_text())["files"]
    with client_for(app) as c:
        sign_in_as(c, f"data@{trust.lower()}.example.nhs.uk")  # enrols the authenticator app on the way
        loc, state = _check(c, {name: (out / name).read_bytes() for name in expected})
        assert state["status"] in ("accepted", "accepted_with_warnings")
        manifest = json.loads((cfg.uploads / loc.rsplit("/", 1)[1] / "submission" / "manifest.json").read_text())
        assert manifest["format"] == dialect
        assert {n: e["rows"] for n, e in manifest["files"].items()} == {n: e["rows"] for n, e in expected.items()}


# -- refused -----------------------------------------------------------------------------------


def _zip_with(info: zipfile.ZipInfo, data: bytes = b"x") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(info, data)
    return buf.getvalue()


def _symlink_entry() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("patients.csv")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    "files, message",
    [
        ({"s.zip": zip_bytes({"../patients.csv": b"a"})}, "unsafe path"),
        ({"s.zip": zip_bytes({"../../etc/cron.d/x": b"a"})}, "unsafe path"),
        ({"s.zip": zip_bytes({"/tmp/patients.csv": b"a"})}, "unsafe path"),
        ({"s.zip": zip_bytes({"C:/x/patients.csv": b"a"})}, "unsafe path"),
        ({"s.zip": zip_bytes({"extract/patients.csv": b"a"})}, "contains folders"),
        ({"s.zip": _zip_with(_symlink_entry(), b"/etc/passwd")}, "symbolic link"),
        ({"s.zip": zip_bytes({"inner.zip": zip_bytes({"patients.csv": b"a"})})}, "not one of the files"),
        ({"s.zip": zip_bytes({"patients.csv": b"\0" * (8 << 20)})}, "zip bomb"),
        ({"s.zip": b"PK\x03\x04 not really a zip"}, "not a valid zip"),
        ({"report.html": b"<script>alert(1)</script>"}, "only .csv, .xlsx and .zip"),
        ({"run.exe": b"MZ"}, "only .csv, .xlsx and .zip"),
        ({"notes.csv": b"a,b\n"}, "not one of the files of a submission"),
        ({"../patients.csv": b"a,b\n"}, "folder path"),
        ({}, "no files were uploaded"),
    ],
)
def test_unsafe_uploads_are_refused_with_a_clear_message(signed_in, cfg, files, message):
    c = signed_in("rdr")
    r = upload(c, files)
    assert r.status_code == 400, r.text[:500]
    assert message in r.text.replace("&#39;", "'")
    assert "The upload was not accepted" in r.text
    assert _nothing_stored(cfg)
    rows = PortalDB(cfg.db_path).all("SELECT outcome, detail FROM audit_log WHERE action = 'upload'")
    assert rows and rows[-1]["outcome"] == "refused"


def test_a_bad_period_is_refused(signed_in, tmp_path, cfg):
    r = upload(signed_in("rdr"), submission_files(tmp_path / "s"), period="2026-13/../../x")
    assert r.status_code == 400 and "choose the period" in r.text
    assert _nothing_stored(cfg)


def test_zip_limits_total_and_entries(tmp_path):
    cfg = portal_config(tmp_path / "home", max_upload_mb=0.1)  # 0.4 MB uncompressed in all
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            zf.writestr(f"f{i}.csv", os.urandom(150_000))  # incompressible: no ratio alarm
    with zipfile.ZipFile(buf) as zf, pytest.raises(UploadRefused, match="expands to .* the limit is"):
        check_zip(zf, cfg, "s.zip", flat=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(60):
            zf.writestr(f"f{i}.csv", b"")
    with zipfile.ZipFile(buf) as zf, pytest.raises(UploadRefused, match="too many"):
        check_zip(zf, cfg, "s.zip", flat=True)


def test_an_xlsx_bomb_is_refused(signed_in, cfg):
    add_user("data@ryy.example.nhs.uk", "RYY", PASSWORD, db=PortalDB(cfg.db_path))
    bomb = zip_bytes({"xl/worksheets/sheet1.xml": b" " * (8 << 20)})
    c = signed_in("rdr")
    c.cookies.clear()
    sign_in_as(c, "data@ryy.example.nhs.uk")
    r = upload(c, {"spasticity_extract.xlsx": bomb})
    assert r.status_code == 400 and "zip bomb" in r.text
    assert _nothing_stored(cfg)


def _damaged_zip() -> bytes:
    good = bytearray(zip_bytes({"patients.csv": b"local_patient_id\n" + b"P1\n" * 5000}))
    i = good.index(b"patients.csv") + len("patients.csv") + 20  # into the compressed data
    good[i : i + 40] = b"\xff" * 40
    return bytes(good)


def test_a_damaged_zip_is_refused(signed_in, cfg):
    r = upload(signed_in("rdr"), {"s.zip": _damaged_zip()})
    assert r.status_code == 400 and "not a valid zip file, or is damaged" in r.text
    assert _nothing_stored(cfg)


def test_a_workbook_with_entities_is_refused(signed_in, cfg):
    add_user("data@ryy.example.nhs.uk", "RYY", PASSWORD, db=PortalDB(cfg.db_path))
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<worksheet>&lol2;</worksheet>"
    )
    c = signed_in("rdr")
    c.cookies.clear()
    sign_in_as(c, "data@ryy.example.nhs.uk")
    r = upload(c, {"spasticity_extract.xlsx": zip_bytes({"xl/worksheets/sheet1.xml": laughs})})
    assert r.status_code == 400 and "document type declaration" in r.text
    assert _nothing_stored(cfg)


def test_oversize_uploads_are_refused(tmp_path, clock):
    cfg = portal_config(tmp_path / "home", max_upload_mb=1)
    from .conftest import USERS

    add_enrolled_user(PortalDB(cfg.db_path), USERS["rdr"][0], "RDR", clock)
    with client_for(create_app(cfg)) as c:
        assert sign_in(c, "rdr").status_code == 303
        r = upload(c, {"patients.csv": b"x" * (2 << 20)})
        assert r.status_code == 413
        assert "The upload is too large" in r.text and "at most 1 MB" in r.text
        # a body without a declared length is counted as it arrives
        token = csrf_from(c.get("/upload").text)
        boundary = "b0undary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="patients.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()

        def body():
            yield head
            for _ in range(40):
                yield b"y" * 65536
            yield f"\r\n--{boundary}--\r\n".encode()

        r = c.post("/upload", content=body(), headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 413
    assert _nothing_stored(cfg)


def test_progress_page_while_checking_and_a_check_that_fails(signed_in, tmp_path, cfg, monkeypatch):
    import threading

    import spasticity_pipeline.validate as validate

    release = threading.Event()
    real = validate.validate_submission

    def slow(folder, ctx):
        release.wait(20)
        return real(folder, ctx)

    monkeypatch.setattr(validate, "validate_submission", slow)
    c = signed_in("rdr")
    loc = upload(c, submission_files(tmp_path / "s")).headers["location"]
    page = c.get(loc).text
    assert 'id="progress"' in page and f'data-status-url="{loc}/status"' in page
    assert '<meta http-equiv="refresh"' in page  # inside <noscript>: no JavaScript, still follows
    assert "Confirm and submit" not in page
    for _ in range(100):  # the manifest is written first, then the check starts (and waits)
        state = c.get(f"{loc}/status").json()
        if "Checking" in state["stage"]:
            break
        time.sleep(0.05)
    assert state["state"] == "validating" and "Checking" in state["stage"]
    assert c.post(f"{loc}/confirm", data={"csrf_token": csrf_from(page)}).status_code == 409
    release.set()
    assert wait_checked(c, loc)["state"] == "validated"

    def broken(folder, ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(validate, "validate_submission", broken)
    loc = upload(c, submission_files(tmp_path / "t")).headers["location"]
    assert wait_checked(c, loc)["state"] == "failed"
    page = c.get(loc).text
    assert "The check could not run" in page and "boom" not in page
