"""The sign-in throttle holds under concurrency: parallel requests against a real uvicorn on
loopback, with the Argon2 check made slow (0.3 s, like production's) and counted."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
import pytest

from spasticity_pipeline.portal import users
from spasticity_pipeline.portal.db import PortalDB
from spasticity_pipeline.portal.throttle import PASSWORD, Throttle

from .conftest import PASSWORD as RIGHT
from .conftest import USERS


class CountingHasher:
    """The tests' cheap hasher, made as slow as a production check, counting verifications."""

    def __init__(self, inner, delay: float) -> None:
        self.inner, self.delay, self.calls = inner, delay, 0
        self.lock = threading.Lock()
        #: password → (checking started, may finish): hold one check open while others arrive
        self.held: dict[str, tuple[threading.Event, threading.Event]] = {}

    def verify(self, hashed, password):
        with self.lock:
            self.calls += 1
        if password in self.held:
            started, release = self.held[password]
            started.set()
            release.wait(30)
        threading.Event().wait(self.delay)
        return self.inner.verify(hashed, password)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def counting(monkeypatch):
    hasher = CountingHasher(users._hasher, 0.3)
    monkeypatch.setattr(users, "_hasher", hasher)
    return hasher


def _login_form(base: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    return c, token


def _burst(base: str, attempts: list[tuple[str, str]]) -> list[int]:
    """Every (email, password) posted at once, each from its own client; the status codes."""
    forms = [_login_form(base) for _ in attempts]
    start = threading.Barrier(len(attempts))

    def post(i: int) -> int:
        c, token = forms[i]
        email, password = attempts[i]
        start.wait()
        return c.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code

    with ThreadPoolExecutor(len(attempts)) as pool:
        codes = list(pool.map(post, range(len(attempts))))
    for c, _ in forms:
        c.close()
    return codes


def test_twenty_parallel_wrong_passwords_lock_the_account(served, cfg, counting):
    email = USERS["rdr"][0]
    codes = _burst(served, [(email, f"wrong password {i}") for i in range(20)])
    assert counting.calls <= cfg.max_login_failures == 5
    assert codes.count(401) == counting.calls and codes.count(429) == 20 - counting.calls
    # locked: the right password is refused without being checked
    assert _burst(served, [(email, RIGHT)]) == [429]
    assert counting.calls <= cfg.max_login_failures
    audit = PortalDB(cfg.db_path).all("SELECT outcome FROM audit_log WHERE action = 'login'")
    assert [r["outcome"] for r in audit].count("throttled") >= 16


def test_a_right_password_inside_a_burst_does_not_sign_in(served, cfg, counting):
    """The right password takes its slot first; while it is being checked 20 wrong ones arrive:
    the account went over its limit during the check, so the right one does not sign in either."""
    email = USERS["rdr"][0]
    started, release = counting.held[RIGHT] = (threading.Event(), threading.Event())
    with ThreadPoolExecutor(1) as pool:
        right = pool.submit(_burst, served, [(email, RIGHT)])
        assert started.wait(30)  # the right password has its slot and is being checked ...
        wrong = _burst(served, [(email, f"wrong password {i}") for i in range(20)])  # ... when the burst comes
        release.set()
        assert right.result() == [429], (right.result(), wrong)
    assert 303 not in wrong and counting.calls <= cfg.max_login_failures
    del counting.held[RIGHT]
    assert _burst(served, [(email, RIGHT)]) == [429]


def test_one_address_guessing_many_accounts_is_limited(served_with, counting):
    base, cfg = served_with(max_address_attempts=8)
    attempts = [(f"guess{i}@rdr.example.nhs.uk", "wrong password") for i in range(20)]
    codes = _burst(base, attempts)
    assert counting.calls <= 8 and codes.count(429) >= 12
    # the address stays limited for a real user too, until the window passes
    assert _burst(base, [(USERS["rxc"][0], RIGHT)]) == [429]


def test_a_user_who_mistyped_still_signs_in(served, cfg, counting):
    email = USERS["rdr"][0]
    for i in range(cfg.max_login_failures - 1):
        assert _burst(served, [(email, f"typo {i}")]) == [401]
    assert _burst(served, [(email, RIGHT)]) == [303]


def test_reservations_are_atomic_across_threads(cfg):
    """The throttle alone, 50 threads at once: exactly per_account slots are handed out."""
    throttle = Throttle(PortalDB(cfg.db_path), per_account=5, per_address=100, window_s=900)
    start = threading.Barrier(50)

    def take(i: int):
        start.wait()
        return throttle.reserve(PASSWORD, "Someone@Example.nhs.uk", f"10.0.0.{i}")

    with ThreadPoolExecutor(50) as pool:
        slots = [s for s in pool.map(take, range(50)) if s is not None]
    assert len(slots) == 5
    # a slot that turns out right after the burst went over the limit does not sign in
    assert throttle.succeeded(slots[0]) is False
