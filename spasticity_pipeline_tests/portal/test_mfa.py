"""The second factor: the password alone opens no data page; a TOTP code (RFC 6238) or a
one-time recovery code completes the sign-in; a code cannot be replayed; enrolment at first
sign-in with a QR code made locally; resets by the network team through a one-time link."""

from __future__ import annotations

import dataclasses
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
from click.testing import CliRunner

from spasticity_pipeline.portal import mfa
from spasticity_pipeline.portal.app import create_app
from spasticity_pipeline.portal.db import PortalDB
from spasticity_pipeline.portal.users import add_user, check_totp, reset_user

from .conftest import PASSWORD, SECRETS, USERS, client_for, csrf_from, sign_in, sign_in_as, totp_code

DATA_PAGES = [
    "/",
    "/submissions",
    "/network",
    "/upload",
    "/submissions/RDR-2026-10-x",
    "/submissions/RDR-2026-10-x/feedback.csv",
    "/uploads/00000000000000000000000000000000",
    "/uploads/00000000000000000000000000000000/feedback.html",
]


def _password_only(client, who: str = "rdr", next_: str = "/"):
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login", data={"email": USERS[who][0], "password": PASSWORD, "csrf_token": token, "next": next_}
    )


def test_the_page_after_the_password_asks_for_a_code(anon):
    r = _password_only(anon, next_="/upload")
    assert r.status_code == 303 and r.headers["location"] == "/login/code?next=%2Fupload"
    page = anon.get(r.headers["location"])
    assert page.status_code == 200 and "Enter your security code" in page.text
    field = re.search(r"<input[^>]*id=\"code\"[^>]*>", page.text).group(0)
    assert 'autocomplete="one-time-code"' in field and 'inputmode="numeric"' in field
    assert 'name="code"' in field and "<label" in page.text


def test_the_password_alone_serves_no_data(anon, signed_in, cfg):
    signed_in("rdr")  # RDR has data pages worth guarding; the half session below must see none
    _password_only(anon)
    for path in DATA_PAGES:
        r = anon.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login/code"), path
        assert "Sussex" not in r.text and "RDR" not in r.text
    assert anon.get("/uploads/00000000000000000000000000000000/status").status_code == 401
    page = anon.get("/submissions", follow_redirects=True)
    assert "Enter your security code" in page.text and "Your submissions" not in page.text
    token = csrf_from(anon.get("/login/code").text)
    r = anon.post("/upload", data={"period": "2026-10", "csrf_token": token})
    assert r.status_code == 401  # no upload either


def test_a_right_code_signs_in_and_a_wrong_one_does_not(anon, clock):
    r = _password_only(anon)
    location = r.headers["location"]
    token = csrf_from(anon.get(location).text)
    r = anon.post(location, data={"code": "000000", "csrf_token": token})
    assert r.status_code == 401 and "The code is not right" in r.text
    assert anon.get("/submissions").status_code == 303
    r = anon.post(location, data={"code": totp_code(USERS["rdr"][0], clock), "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert anon.get("/submissions").status_code == 200


def test_a_used_code_cannot_be_replayed_within_its_window(anon, clock):
    email = USERS["rdr"][0]
    code = totp_code(email, clock)
    for expected in (303, 401):  # the same code twice, the clock standing still
        location = _password_only(anon).headers["location"]
        token = csrf_from(anon.get(location).text)
        r = anon.post(location, data={"code": code, "csrf_token": token})
        assert r.status_code == expected
        if expected == 303:
            anon.post("/logout", data={"csrf_token": csrf_from(anon.get("/submissions").text)})
    assert "used already" in r.text
    # the previous step's code is no good either once a later one was used (steps only move on)
    earlier = pyotp.TOTP(SECRETS[email.lower()]).at(clock.t - 30)
    r = anon.post(location, data={"code": earlier, "csrf_token": token})
    assert r.status_code == 401


def test_one_code_sent_twice_at_once_signs_in_once(cfg, clock):
    db = PortalDB(cfg.db_path)
    user_id = db.one("SELECT id FROM users WHERE email = ?", (USERS["rxc"][0],))["id"]
    code = totp_code(USERS["rxc"][0], clock)
    start = threading.Barrier(12)

    def use(_):
        start.wait()
        return check_totp(db, user_id, code)

    with ThreadPoolExecutor(12) as pool:
        assert sum(pool.map(use, range(12))) == 1


def test_codes_either_side_of_now_are_accepted(cfg, clock):
    """RFC 6238 §5.2: one step of clock drift each way; two steps is too far."""
    db = PortalDB(cfg.db_path)
    user_id = db.one("SELECT id FROM users WHERE email = ?", (USERS["net"][0],))["id"]
    totp = pyotp.TOTP(SECRETS[USERS["net"][0]])
    now = clock.next_step() + 300
    clock.t = now
    assert not check_totp(db, user_id, totp.at(now - 60))
    assert check_totp(db, user_id, totp.at(now - 30))
    assert check_totp(db, user_id, totp.at(now + 30))
    assert not check_totp(db, user_id, totp.at(now))  # earlier than the step just used


def test_wrong_codes_are_throttled_and_end_the_half_session(anon, cfg, clock):
    location = _password_only(anon).headers["location"]
    token = csrf_from(anon.get(location).text)
    for i in range(cfg.max_login_failures):
        assert anon.post(location, data={"code": f"{i:06d}", "csrf_token": token}).status_code == 401
    r = anon.post(location, data={"code": totp_code(USERS["rdr"][0], clock), "csrf_token": token})
    assert r.status_code == 429 and "too many wrong codes" in r.text
    assert anon.get("/login/code").headers["location"] == "/login"  # start again from the password


def test_the_half_session_expires(cfg, clock):
    app = create_app(dataclasses.replace(cfg, second_factor_s=-1))
    with client_for(app) as c:
        location = _password_only(c).headers["location"]
        assert c.get(location).headers["location"] == "/login"
        r = c.post(location, data={"code": totp_code(USERS["rdr"][0], clock), "csrf_token": "x"})
        assert r.status_code == 401 and "Please sign in again" in r.text


def test_enrolment_at_first_sign_in(app, cfg, clock):
    db = PortalDB(cfg.db_path)
    add_user("new@rdr.example.nhs.uk", "RDR", PASSWORD, db=db)
    with client_for(app) as c:
        token = csrf_from(c.get("/login").text)
        r = c.post("/login", data={"email": "new@rdr.example.nhs.uk", "password": PASSWORD, "csrf_token": token})
        assert r.headers["location"].startswith("/login/enrol")
        assert c.get("/login/code").headers["location"].startswith("/login/enrol")
        page = c.get(r.headers["location"]).text
        key = re.search(r'id="key"><code>([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
        assert len(key) == 32  # 160 bits
        uri = mfa.provisioning_uri(key, "new@rdr.example.nhs.uk", cfg.mfa_issuer)
        assert mfa.qr_svg(uri) in page  # the QR code is the key's otpauth URI, drawn here as SVG
        svg = re.search(r"id=\"qr\">(<svg.*?</svg>)", page, re.S).group(1)
        assert "<title>" in svg and "http" not in svg and "<image" not in svg
        assert 'autocomplete="one-time-code"' in page
        assert c.get("/submissions").headers["location"].startswith("/login/code")  # no data yet
        token = csrf_from(page)
        r = c.post("/login/enrol", data={"code": "123456", "csrf_token": token})
        assert r.status_code == 401 and key[:4] in r.text  # the same key offered again
        code = pyotp.TOTP(key).at(clock.next_step())
        r = c.post("/login/enrol", data={"code": code, "csrf_token": token})
        assert r.status_code == 200 and "Your recovery codes" in r.text
        codes = re.findall(r"<li><code>([a-z0-9-]{19})</code></li>", r.text)
        assert len(codes) == 10 and len(set(codes)) == 10
        assert c.get("/submissions").status_code == 200
    stored = db.all(
        "SELECT code_hash FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = ?",
        ("new@rdr.example.nhs.uk",),
    )
    assert {s["code_hash"] for s in stored} == {mfa.recovery_hash(c) for c in codes}
    assert not any(c in s["code_hash"] for c in codes for s in stored)
    # next time: the code page, not enrolment; and a recovery code works once
    for expected in (200, 401):
        with client_for(app) as c:
            token = csrf_from(c.get("/login").text)
            r = c.post("/login", data={"email": "new@rdr.example.nhs.uk", "password": PASSWORD, "csrf_token": token})
            assert r.headers["location"].startswith("/login/code")
            page = c.get("/login/recovery").text
            r = c.post("/login/recovery", data={"recovery_code": codes[0].upper(), "csrf_token": csrf_from(page)})
            assert r.status_code == expected
            if expected == 200:
                assert "9 left" in r.text and c.get("/submissions").status_code == 200


def test_reset_by_the_network_team(app, cfg, signed_in, clock, monkeypatch):
    from spasticity_pipeline.cli import main

    monkeypatch.setenv("SPASTICITY_HOME", str(cfg.settings.home))
    monkeypatch.setenv("SPASTICITY_PORTAL_URL", "https://portal.example.nhs.uk/")
    open_session = signed_in("rxc")
    assert open_session.get("/submissions").status_code == 200
    res = CliRunner().invoke(main, ["users", "reset", USERS["rxc"][0]])
    assert res.exit_code == 0, res.output
    link = re.search(r"https://portal\.example\.nhs\.uk/reset/[A-Za-z0-9_-]{43}", res.output).group(0)
    path = link.removeprefix("https://portal.example.nhs.uk")
    assert open_session.get("/submissions").status_code == 303  # signed out everywhere
    with client_for(app) as c:
        assert sign_in(c, "rxc").status_code == 401  # the old password is gone
        page = c.get(path)
        assert page.status_code == 200 and USERS["rxc"][0] in page.text
        token = csrf_from(page.text)
        for new, confirm, words in (
            ("password1234", "password1234", "too common"),
            ("a fresh long passphrase", "a different one entirely", "not the same"),
        ):
            r = c.post(path, data={"password": new, "confirm": confirm, "csrf_token": token})
            assert r.status_code == 400 and words in r.text
        r = c.post(
            path,
            data={"password": "a fresh long passphrase", "confirm": "a fresh long passphrase", "csrf_token": token},
        )
        assert r.status_code == 200 and "Your new password is set" in r.text
        assert c.get(path).status_code == 404  # one time only
        assert (
            c.post(
                path, data={"password": "another long phrase", "confirm": "another long phrase", "csrf_token": token}
            ).status_code
            == 404
        )
        r = sign_in_as(c, USERS["rxc"][0], "a fresh long passphrase")
        assert r.status_code == 200 and "Your recovery codes" in r.text  # the second factor enrolled anew
    assert CliRunner().invoke(main, ["users", "reset", "nobody@x.nhs.uk"]).exit_code == 2


def test_an_expired_reset_link(cfg, app):
    db = PortalDB(cfg.db_path)
    token = reset_user(USERS["rdr"][0], db=db, hours=0)
    with client_for(app) as c:
        r = c.get(f"/reset/{token}")
        assert r.status_code == 404 and "has expired" in r.text


def test_the_audit_records_each_step_and_never_a_code(anon, cfg, clock):
    email = USERS["rdr"][0]
    location = _password_only(anon).headers["location"]
    token = csrf_from(anon.get(location).text)
    anon.post(location, data={"code": "999999", "csrf_token": token})
    code = totp_code(email, clock)
    anon.post(location, data={"code": code, "csrf_token": token})
    rows = PortalDB(cfg.db_path).all("SELECT action, outcome, detail FROM audit_log WHERE email = ?", (email,))
    assert [(r["action"], r["outcome"]) for r in rows][-3:] == [
        ("login", "password ok"),
        ("mfa", "failure"),
        ("login", "success"),
    ]
    dump = " ".join(str(v) for r in PortalDB(cfg.db_path).all("SELECT * FROM audit_log") for v in r.values())
    assert code not in dump and "999999" not in dump and PASSWORD not in dump


@pytest.mark.parametrize("route", ["/login/code", "/login/enrol", "/login/recovery"])
def test_second_factor_pages_need_the_password_first(anon, route):
    assert anon.get(route).headers["location"] == "/login"
    r = anon.post(route, data={"code": "123456", "csrf_token": "x"})
    assert r.status_code == 401


def test_reset_tokens_stay_out_of_the_access_log():
    import logging

    from spasticity_pipeline.portal.app import HideResetTokens

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/reset/s3cr3t-token_value?x=1", "1.1", 200),
        None,
    )
    assert HideResetTokens().filter(record)
    assert "s3cr3t" not in record.getMessage() and "/reset/…?x=1" in record.getMessage()
