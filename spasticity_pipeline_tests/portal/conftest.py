"""A portal on a test home: two trusts' users and a network user, and helpers to sign in and
upload submissions built with the validator tests' ``write_submission``."""

from __future__ import annotations

import copy
import io
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from spasticity_pipeline.portal.app import create_app
from spasticity_pipeline.portal.config import PortalConfig
from spasticity_pipeline.portal.db import PortalDB
from spasticity_pipeline.portal.users import add_user
from spasticity_pipeline_tests.conftest import make_settings
from spasticity_pipeline_tests.validate.conftest import BASE, write_submission

PASSWORD = "a long test password"
USERS = {
    "rdr": ("data@rdr.example.nhs.uk", "RDR"),
    "rxc": ("data@rxc.example.nhs.uk", "RXC"),
    "net": ("team@network.example.nhs.uk", "network"),
}
#: a month the shared test submission fits (its dates run to 2026-08) and that is never in the future
PERIOD = "2026-10"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2 with its production cost takes ~0.2 s a hash; the tests need the code path only."""
    from argon2 import PasswordHasher

    from spasticity_pipeline.portal import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def portal_config(home: Path, max_upload_mb: float = 5) -> PortalConfig:
    return PortalConfig(
        settings=make_settings(home), secret="portal-test-secret", max_upload_bytes=int(max_upload_mb * 1024 * 1024)
    )


class Clock:
    """The clock TOTP codes are checked against: real time, moved on a step for every code the
    tests ask for, so a user can sign in many times a minute without replaying a code."""

    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def next_step(self) -> float:
        self.t += 30
        return self.t


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    from spasticity_pipeline.portal import mfa

    c = Clock()
    monkeypatch.setattr(mfa, "now", c)
    return c


#: each enrolled test user's TOTP key, by email (lower case)
SECRETS: dict[str, str] = {}


def totp_code(email: str, clock: Clock) -> str:
    """The user's code at the next 30-second step."""
    import pyotp

    return pyotp.TOTP(SECRETS[email.lower()]).at(clock.next_step())


def add_enrolled_user(db: PortalDB, email: str, trust: str, clock: Clock, password: str = PASSWORD) -> None:
    """A user who has set up their authenticator app (through the same function enrolment uses)."""
    import pyotp

    from spasticity_pipeline.portal.users import enrol_totp

    add_user(email, trust, password, db=db)
    secret = SECRETS[email.lower()] = pyotp.random_base32()
    user_id = db.one("SELECT id FROM users WHERE email = ?", (email,))["id"]
    assert enrol_totp(db, user_id, secret, pyotp.TOTP(secret).at(clock.next_step()))


@pytest.fixture
def cfg(tmp_path: Path, clock: Clock) -> PortalConfig:
    cfg = portal_config(tmp_path / "home")
    db = PortalDB(cfg.db_path)
    for email, trust in USERS.values():
        add_enrolled_user(db, email, trust, clock)
    return cfg


@pytest.fixture
def app(cfg: PortalConfig):
    return create_app(cfg)


def client_for(app) -> TestClient:
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def _serve(app) -> Iterator[str]:
    import threading

    import uvicorn

    from spasticity_pipeline.portal.app import server_config
    from spasticity_pipeline_tests.ui.test_browser import _free_port

    port = _free_port()
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def served(app) -> Iterator[str]:
    """The app served by a real uvicorn on loopback: its base URL."""
    yield from _serve(app)


@pytest.fixture
def served_with(cfg):
    """``served_with(max_address_attempts=8)`` → (base URL, config) of a portal with those settings."""
    import dataclasses
    from contextlib import ExitStack, contextmanager

    stack = ExitStack()

    def make(**changes):
        changed = dataclasses.replace(cfg, **changes)
        url = stack.enter_context(contextmanager(_serve)(create_app(changed)))
        return url, changed

    with stack:
        yield make


@pytest.fixture
def anon(app) -> Iterator[TestClient]:
    with client_for(app) as c:
        yield c


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def sign_in_as(client: TestClient, email: str, password: str = PASSWORD, next_: str | None = None):
    """Both steps: the password, then the TOTP code (enrolling first when the user has not).
    The last response: the code step's 303 (the recovery codes page after enrolling), or the
    password step's answer when it was not a 303 to the second factor."""
    from spasticity_pipeline.portal import mfa

    token = csrf_from(client.get("/login").text)
    data = {"email": email, "password": password, "csrf_token": token}
    if next_ is not None:
        data["next"] = next_
    r = client.post("/login", data=data)
    location = r.headers.get("location", "")
    if r.status_code != 303 or not location.startswith(("/login/code", "/login/enrol")):
        return r
    page = client.get(location)
    if location.startswith("/login/enrol"):
        key = re.search(r'id="key"><code>([A-Z2-7 ]+)</code>', page.text).group(1).replace(" ", "")
        SECRETS[email.lower()] = key
    code = totp_code(email, mfa.now)  # the patched clock
    return client.post(location, data={"code": code, "csrf_token": csrf_from(page.text)})


def sign_in(client: TestClient, who: str, password: str = PASSWORD):
    return sign_in_as(client, USERS[who][0], password)


@pytest.fixture
def signed_in(app):
    """``signed_in("rdr")`` → a client signed in as that user (closed after the test)."""
    clients: list[TestClient] = []

    def make(who: str) -> TestClient:
        c = client_for(app).__enter__()
        clients.append(c)
        r = sign_in(c, who)
        assert r.status_code == 303, r.text
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def submission_files(folder: Path, tables=None, **kw) -> dict[str, bytes]:
    """The eight regional-v1 CSVs of a test submission (its manifest is the portal's job)."""
    write_submission(folder, copy.deepcopy(tables or BASE), **kw)
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


def faulty_tables():
    """BASE with one patient's NHS number broken (R04: that patient's rows are quarantined)."""
    tables = copy.deepcopy(BASE)
    tables["patients.csv"][0]["nhs_number"] = "943 476 5918"
    return tables


def rejected_tables():
    """BASE with every patient's sex code wrong: more than half a file quarantined (F07: rejected)."""
    tables = copy.deepcopy(BASE)
    for row in tables["patients.csv"]:
        row["sex"] = "M"
    return tables


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def upload(client: TestClient, files: dict[str, bytes], period: str = PERIOD, csrf: str | None = None):
    page = client.get("/upload")
    token = csrf if csrf is not None else csrf_from(page.text)
    return client.post(
        "/upload",
        data={"period": period, "csrf_token": token},
        files=[("files", (name, data, "application/octet-stream")) for name, data in files.items()],
    )


def wait_checked(client: TestClient, location: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = client.get(f"{location}/status").json()
        if s["state"] != "validating":
            return s
        time.sleep(0.1)
    raise AssertionError("the pre-flight check did not finish")
