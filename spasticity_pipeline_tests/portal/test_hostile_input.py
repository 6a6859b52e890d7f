"""Hostile input never answers 5xx: every route of the app is sent hostile tokens, form values,
path segments, cookies, periods and file names, signed out and signed in, and every answer is
below 500 (a traceback would also fail the test: the client re-raises server errors it sees)."""

from __future__ import annotations

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from .conftest import PERIOD, csrf_from, submission_files, upload

HOSTILE_TEXT = [
    "é" * 43,  # non-ASCII where an ASCII token is expected (hmac.compare_digest raised TypeError)
    "😀",
    "\x00",
    "a\x00b",
    "\u202e\u0000\u200b",
    "x" * 5000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "%00%ff",
]
HOSTILE_PERIODS = [
    "0000-01",
    "0001-01",
    "1999-12",
    "2101-01",
    "9999-12",
    "2026-00",
    "2026-13",
    "2026-1",
    "２０２６-10",  # full-width digits
    "2026-10\n",
    " 2026-10",
    "-2026-10",
    "2026-10/../../x",
    "",
]
HOSTILE_NAMES = [
    "пациенты.csv",
    "patients\u202ecsv.exe",
    "patients.csv\x00.exe",
    "x" * 1000 + ".csv",
    "..",
    "../../etc/passwd",
    "\u00e9.zip",
    "😀.xlsx",
    "con.csv",
]
HOSTILE_SEGMENTS = [
    "é",
    "%00",
    "%FF",
    "..%2F..",
    "x" * 3000,
    "%F0%9F%98%80",
    "a%0Ab",
    "00000000000000000000000000000000",
]
#: raw, not-UTF-8 form bodies
RAW_BODIES = [b"csrf_token=%FF%FE&email=%C3&password=%80", b"\xff\xfe\x00", b"csrf_token=" + b"%E9" * 43]


def _paths(app) -> list[tuple[str, str]]:
    """(method, path template) of every route of the app."""
    out = []
    for route in app.routes:
        if isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    out.append((method, route.path))
    return out


def _fill(template: str, value: str) -> str:
    path = template
    for name in ("sid", "uid", "kind", "token"):
        path = path.replace("{" + name + "}", value)
    return path


def _send(c: TestClient, method: str, path: str, **kw):
    r = c.request(method, path, **kw)
    assert r.status_code < 500, (method, path, r.status_code, r.text[:300])
    return r


def _hostile_requests(c: TestClient, app, csrf: str) -> int:
    n = 0
    for method, template in _paths(app):
        paths = [_fill(template, s) for s in HOSTILE_SEGMENTS] if "{" in template else [template]
        for path in paths:
            if method == "GET":
                _send(c, "GET", path, params={"next": "é" * 10, "x": "\x00"})
                n += 1
                continue
            for value in HOSTILE_TEXT:
                data = {"csrf_token": value, "email": value, "password": value, "next": value, "period": value}
                _send(c, method, path, data=data)
                data["csrf_token"] = csrf  # past the CSRF check: the other fields are hostile
                _send(c, method, path, data=data)
                n += 2
            for body in RAW_BODIES:
                _send(c, method, path, content=body, headers={"content-type": "application/x-www-form-urlencoded"})
                _send(
                    c, method, path, content=body, headers={"content-type": "multipart/form-data; boundary=é".encode()}
                )
                n += 2
    return n


def test_hostile_values_signed_out(anon, app):
    csrf = csrf_from(anon.get("/login").text)
    assert _hostile_requests(anon, app, csrf) > 100
    anon.cookies.clear()
    for cookie in ("é" * 40, "\x7f", "a.b.c", "😀." * 20, "\x00"):
        header = f"spasticity_session={cookie}; spasticity_csrf={cookie}".encode()
        for method, template in _paths(app):
            _send(anon, method, _fill(template, "x"), data={"csrf_token": "é"}, headers={"cookie": header})


def test_hostile_values_signed_in(signed_in, app):
    for who in ("rdr", "net"):
        c = signed_in(who)
        assert _hostile_requests(c, app, csrf_from(c.get("/submissions").text)) > 100


def test_non_ascii_csrf_token_is_a_403_not_a_500(anon, signed_in):
    anon.get("/login")
    r = anon.post("/login", data={"email": "a@b.nhs.uk", "password": "x", "csrf_token": "é" * 43})
    assert r.status_code == 403 and "expired" in r.text
    c = signed_in("rdr")
    assert c.post("/logout", data={"csrf_token": "é" * 43}).status_code == 403


@pytest.mark.parametrize("period", HOSTILE_PERIODS)
def test_hostile_periods_are_refused_with_a_message(signed_in, tmp_path, cfg, period):
    r = upload(signed_in("rdr"), submission_files(tmp_path / "s"), period=period)
    assert r.status_code == 400 and "choose the period" in r.text
    assert not cfg.uploads.exists() or not any(cfg.uploads.iterdir())


def test_the_current_month_is_accepted_and_the_next_refused(signed_in, tmp_path):
    import datetime as dt

    today = dt.date.today()
    this = f"{today.year:04d}-{today.month:02d}"
    nxt = f"{today.year + (today.month == 12):04d}-{today.month % 12 + 1:02d}"
    c = signed_in("rdr")
    assert upload(c, submission_files(tmp_path / "a"), period=this).status_code == 303
    r = upload(c, submission_files(tmp_path / "b"), period=nxt)
    assert r.status_code == 400 and "has not happened yet" in r.text


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_file_names_are_refused(signed_in, cfg, name):
    c = signed_in("rdr")
    r = upload(c, {name: b"local_patient_id\nP1\n"}, period=PERIOD)
    assert r.status_code == 400, r.text[:300]
    assert "The upload was not accepted" in r.text


def test_a_file_name_that_is_not_utf8(signed_in, cfg):
    c = signed_in("rdr")
    token = csrf_from(c.get("/upload").text)
    boundary = "b0undary"
    for raw in (b"\xff\xfe.csv", b"patients.csv\xc3", b"\x00"):
        body = b"".join(
            [
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode(),
                f'--{boundary}\r\nContent-Disposition: form-data; name="period"\r\n\r\n{PERIOD}\r\n'.encode(),
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="'.encode(),
                raw,
                b'"\r\nContent-Type: text/csv\r\n\r\nlocal_patient_id\nP1\n\r\n',
                f"--{boundary}--\r\n".encode(),
            ]
        )
        r = c.post("/upload", content=body, headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 400, (raw, r.status_code, r.text[:300])
