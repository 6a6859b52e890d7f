"""Sessions and CSRF (the security headers are ``middleware.py``'s, throttling ``throttle.py``'s).

- The session cookie holds a random token signed with the portal secret (itsdangerous); the
  server keeps only the token's sha256 with the user, a CSRF token and timestamps, so signing out,
  disabling a user or an idle/absolute timeout ends a session at once. HttpOnly, SameSite=Lax,
  Secure over https (or always/never: ``SPASTICITY_PORTAL_SECURE_COOKIES``).
- CSRF: every POST carries ``csrf_token``. Signed in, it must equal the session's token; on the
  sign-in form (no session yet) it must equal a signed double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, Signer
from starlette.requests import Request
from starlette.responses import Response

from .config import PortalConfig
from .db import PortalDB

SESSION_COOKIE = "spasticity_session"
CSRF_COOKIE = "spasticity_csrf"
#: last_seen is written at most this often (seconds), not on every request
_TOUCH_EVERY = 60


@dataclass(frozen=True)
class User:
    id: int
    email: str
    trust: str  # an ODS code, or "network"
    csrf: str

    @property
    def is_network(self) -> bool:
        return self.trust == "network"

    def may_see(self, trust: str | None) -> bool:
        """The one authorisation rule: the network team sees every trust, a trust only itself."""
        return self.is_network or (trust is not None and trust == self.trust)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, cfg: PortalConfig, db: PortalDB) -> None:
        self.cfg, self.db = cfg, db
        self.signer = Signer(cfg.secret, salt="spasticity-portal-session")
        self.csrf_signer = Signer(cfg.secret, salt="spasticity-portal-csrf")

    # -- cookies -----------------------------------------------------------------------------
    def secure(self, request: Request) -> bool:
        if self.cfg.secure_cookies == "auto":
            return request.url.scheme == "https"
        return self.cfg.secure_cookies == "true"

    def _set_cookie(self, response: Response, request: Request, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=self.secure(request)
        )

    # -- sessions ----------------------------------------------------------------------------
    def start(self, request: Request, response: Response, user_id: int) -> None:
        token = secrets.token_urlsafe(32)
        now = time.time()
        self.db.run(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
            (_hash(token), user_id, secrets.token_urlsafe(32), now, now),
        )
        self._set_cookie(response, request, SESSION_COOKIE, self.signer.sign(token).decode(), self.cfg.session_max_s)
        response.delete_cookie(CSRF_COOKIE, path="/")

    def _token(self, request: Request) -> str | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            return self.signer.unsign(raw).decode()
        except BadSignature:
            return None

    def user(self, request: Request) -> User | None:
        token = self._token(request)
        if token is None:
            return None
        row = self.db.one(
            "SELECT s.token_hash, s.csrf, s.created_at, s.last_seen, u.id, u.email, u.trust, u.disabled "
            "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
            (_hash(token),),
        )
        now = time.time()
        if row is None:
            return None
        if (
            row["disabled"]
            or now - row["last_seen"] > self.cfg.session_idle_s
            or now - row["created_at"] > self.cfg.session_max_s
        ):
            self.db.run("DELETE FROM sessions WHERE token_hash = ?", (row["token_hash"],))
            return None
        if now - row["last_seen"] > _TOUCH_EVERY:
            self.db.run("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (now, row["token_hash"]))
        return User(row["id"], row["email"], row["trust"], row["csrf"])

    def end(self, request: Request, response: Response | None) -> None:
        """Forget the request's session on the server (and in the browser, given a response)."""
        token = self._token(request)
        if token:
            self.db.run("DELETE FROM sessions WHERE token_hash = ?", (_hash(token),))
        if response is not None:
            response.delete_cookie(SESSION_COOKIE, path="/")

    # -- CSRF --------------------------------------------------------------------------------
    def anonymous_csrf(self, request: Request) -> tuple[str, str | None]:
        """(token for the form, cookie value to set or None when the browser already has one)."""
        raw = request.cookies.get(CSRF_COOKIE)
        if raw:
            try:
                return self.csrf_signer.unsign(raw).decode(), None
            except BadSignature:
                pass
        token = secrets.token_urlsafe(32)
        return token, self.csrf_signer.sign(token).decode()

    def set_csrf_cookie(self, request: Request, response: Response, cookie: str | None) -> None:
        if cookie:
            self._set_cookie(response, request, CSRF_COOKIE, cookie, 2 * 60 * 60)

    def csrf_ok(self, request: Request, form: Any, user: User | None) -> bool:
        sent = form.get("csrf_token") if form is not None else None
        if not isinstance(sent, str) or not sent:
            return False
        if user is not None:
            return same_secret(sent, user.csrf)
        raw = request.cookies.get(CSRF_COOKIE)
        if not raw:
            return False
        try:
            expected = self.csrf_signer.unsign(raw).decode()
        except (BadSignature, UnicodeError):
            return False
        return same_secret(sent, expected)


def same_secret(sent: str, expected: str) -> bool:
    """Constant-time comparison that takes any text (``hmac.compare_digest`` raises TypeError on
    a non-ASCII ``str``, which a hostile form can send)."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def client_ip(request: Request) -> str:
    """The client's address (uvicorn applies X-Forwarded-For only from trusted proxies)."""
    return request.client.host if request.client else "unknown"
