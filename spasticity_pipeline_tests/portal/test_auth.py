"""Sign-in, sessions, CSRF, throttling and the one authorisation rule on every route: a trust
sees only its own submissions and uploads (another trust's by ID is a 404); the network team
sees all; nobody signed out sees anything."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from spasticity_pipeline import landing
from spasticity_pipeline.portal.db import PortalDB
from spasticity_pipeline.portal.users import UserError, add_user, disable_user, list_users
from spasticity_pipeline_tests.validate.conftest import BASE, write_submission

from .conftest import (
    PASSWORD,
    PERIOD,
    USERS,
    client_for,
    csrf_from,
    faulty_tables,
    sign_in,
    sign_in_as,
    submission_files,
    upload,
    wait_checked,
)

PROTECTED_GET = [
    "/submissions",
    "/upload",
    "/network",
    "/submissions/X",
    "/uploads/00000000000000000000000000000000",
    "/uploads/00000000000000000000000000000000/status",
]


@pytest.fixture
def rdr_upload(signed_in, tmp_path):
    """RDR's checked (accepted with warnings) and confirmed upload: (upload path, submission id)."""
    c = signed_in("rdr")
    loc = upload(c, submission_files(tmp_path / "s", faulty_tables())).headers["location"]
    assert wait_checked(c, loc)["status"] == "accepted_with_warnings"
    page = c.get(loc)
    assert c.post(f"{loc}/confirm", data={"csrf_token": csrf_from(page.text)}).status_code == 303
    sid = re.search(r"/submissions/([A-Za-z0-9_-]+)", c.get(loc).text).group(1)
    return loc, sid


def test_signed_out_sees_nothing(anon):
    for path in PROTECTED_GET:
        r = anon.get(path)
        assert r.status_code in (303, 401), path
        if r.status_code == 303:
            assert r.headers["location"].startswith("/login")
    assert anon.get("/uploads/00000000000000000000000000000000/status").status_code == 401
    r = anon.post("/upload", data={"period": PERIOD})
    assert r.status_code == 401


def test_sign_in_sets_a_hardened_session_cookie(anon):
    r = sign_in(anon, "rdr")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("spasticity_session=")][-1]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    assert anon.get("/").headers["location"] == "/submissions"
    page = anon.get("/submissions")
    assert page.status_code == 200 and "Sussex Community NHS Foundation Trust" in page.text


def test_secure_cookie_over_https(app):
    with client_for(app) as c:
        c.base_url = "https://testserver"
        token = csrf_from(c.get("https://testserver/login").text)
        r = c.post(
            "https://testserver/login", data={"email": USERS["rdr"][0], "password": PASSWORD, "csrf_token": token}
        )
        cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("spasticity_session=")][-1]
        assert "Secure" in cookie


def test_wrong_password_and_disabled_user(anon, cfg):
    r = sign_in(anon, "rdr", password="not the password")
    assert r.status_code == 401 and "email address or password is not right" in r.text
    disable_user(USERS["rxc"][0], db=PortalDB(cfg.db_path))
    assert sign_in(anon, "rxc").status_code == 401


def test_disabling_ends_open_sessions(signed_in, cfg):
    c = signed_in("rxc")
    assert c.get("/submissions").status_code == 200
    disable_user(USERS["rxc"][0], db=PortalDB(cfg.db_path))
    assert c.get("/submissions").status_code == 303


def test_login_without_csrf_token_is_refused(anon):
    anon.get("/login")
    r = anon.post("/login", data={"email": USERS["rdr"][0], "password": PASSWORD})
    assert r.status_code == 403
    r = anon.post("/login", data={"email": USERS["rdr"][0], "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403


def test_forms_without_csrf_token_are_refused(signed_in, tmp_path, cfg):
    c = signed_in("rdr")
    files = submission_files(tmp_path / "s")
    r = upload(c, files, csrf="")
    assert r.status_code == 403 and "Nothing was uploaded" in r.text
    r = upload(c, files, csrf="x" * 43)
    assert r.status_code == 403
    assert not cfg.uploads.exists() or not any(cfg.uploads.iterdir())
    loc = upload(c, files).headers["location"]
    wait_checked(c, loc)
    assert c.post(f"{loc}/confirm", data={}).status_code == 403
    assert not cfg.settings.landing.exists()
    assert c.post("/logout", data={}).status_code == 403
    assert c.get("/submissions").status_code == 200  # still signed in


def test_login_throttling(anon, cfg):
    email = USERS["rdr"][0]
    for _ in range(cfg.max_login_failures):
        assert sign_in(anon, "rdr", password="wrong password!").status_code == 401
    r = sign_in(anon, "rdr")  # even the right password, until the window has passed
    assert r.status_code == 429
    assert "Too many attempts" in r.text and "15 minutes" in r.text
    # another user from the same address is not locked out
    assert sign_in(anon, "rxc").status_code == 303
    rows = PortalDB(cfg.db_path).all("SELECT outcome FROM audit_log WHERE action = 'login' AND email = ?", (email,))
    assert [r["outcome"] for r in rows].count("failure") == cfg.max_login_failures
    assert "throttled" in [r["outcome"] for r in rows]


def test_sign_out(signed_in):
    c = signed_in("rdr")
    token = csrf_from(c.get("/submissions").text)
    assert c.post("/logout", data={"csrf_token": token}).status_code == 303
    assert c.get("/submissions").status_code == 303


def test_another_trusts_submission_and_upload_are_404(signed_in, rdr_upload, cfg):
    loc, sid = rdr_upload
    rdr, rxc, net = signed_in("rdr"), signed_in("rxc"), signed_in("net")
    own = [
        loc,
        f"{loc}/status",
        f"{loc}/feedback.html",
        f"{loc}/feedback.csv",
        f"/submissions/{sid}",
        f"/submissions/{sid}/feedback.csv",
        f"/submissions/{sid}/feedback.html",
    ]
    for path in own:
        assert rdr.get(path).status_code == 200, path
        assert net.get(path).status_code == 200, path
        assert rxc.get(path).status_code == 404, path
    assert rxc.post(f"{loc}/confirm", data={"csrf_token": csrf_from(rxc.get("/submissions").text)}).status_code == 404
    history = rxc.get("/submissions").text
    assert sid not in history and loc not in history
    assert sid in rdr.get("/submissions").text and sid in net.get("/submissions").text
    # a submission that reached the landing zone another way (SFTP) is the same
    folder = write_submission(cfg.home / "sftp", BASE, trust="RXC", period=PERIOD)
    other = landing.submit(folder, cfg.settings, "RXC", PERIOD, dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    assert rxc.get(f"/submissions/{other.submission_id}").status_code == 200
    assert rdr.get(f"/submissions/{other.submission_id}").status_code == 404
    assert rdr.get("/submissions/..%2F..%2Fetc").status_code == 404


def test_downloads_are_attachments_and_audited(signed_in, rdr_upload, cfg):
    loc, sid = rdr_upload
    c = signed_in("rdr")
    for path in (f"{loc}/feedback.html", f"/submissions/{sid}/feedback.csv"):
        r = c.get(path)
        assert r.headers["content-disposition"].startswith("attachment")
        assert r.headers["x-content-type-options"] == "nosniff"
    assert signed_in("rxc").get(f"/submissions/{sid}/feedback.csv").status_code == 404
    actions = {(r["action"], r["outcome"]) for r in PortalDB(cfg.db_path).all("SELECT action, outcome FROM audit_log")}
    assert {
        ("login", "success"),
        ("upload", "success"),
        ("confirm", "success"),
        ("download", "success"),
        ("download", "refused"),
    } <= actions


def test_network_page_is_for_the_network_team(signed_in):
    assert signed_in("rdr").get("/network").status_code == 403
    page = signed_in("net").get("/network")
    assert page.status_code == 200 and "RDR" in page.text
    # the network team does not upload
    assert signed_in("net").get("/upload").status_code == 403


def test_security_headers(anon):
    r = anon.get("/login")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "nonce-" in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert anon.get("/assets/nhsuk-frontend.min.css").status_code == 200


def test_users_api(cfg):
    db = PortalDB(cfg.db_path)
    with pytest.raises(UserError, match="already exists"):
        add_user(USERS["rdr"][0], "RDR", PASSWORD, db=db)
    with pytest.raises(UserError, match="neither a trust"):
        add_user("x@y.nhs.uk", "ZZZ", PASSWORD, db=db)
    with pytest.raises(UserError, match="at least"):
        add_user("x@y.nhs.uk", "RDR", "short", db=db)
    with pytest.raises(UserError, match="no user"):
        disable_user("nobody@y.nhs.uk", db=db)
    assert add_user("New@RTK.nhs.uk", "rtk", PASSWORD, db=db)["trust"] == "RTK"
    users = {u["email"]: u for u in list_users(db=db)}
    assert users["New@RTK.nhs.uk"] == {
        "email": "New@RTK.nhs.uk",
        "trust": "RTK",
        "disabled": False,
        "created_at": users["New@RTK.nhs.uk"]["created_at"],
        "mfa": False,  # enrols at first sign-in
    }
    assert users[USERS["net"][0]]["trust"] == "network"
    row = db.one("SELECT password_hash FROM users WHERE email = ?", ("new@rtk.nhs.uk",))
    assert row["password_hash"].startswith("$argon2id$") and PASSWORD not in row["password_hash"]


def test_sign_in_returns_only_to_our_own_pages(anon):
    for target, expected in (
        ("/upload", "/upload"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\t/evil.example", "/"),
    ):
        r = sign_in_as(anon, USERS["rdr"][0], next_=target)  # carried through the second factor
        assert r.headers["location"] == expected
        anon.cookies.delete("spasticity_session")
