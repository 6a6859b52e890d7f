"""Sessions and CSRF (the security headers are ``middleware.py``'s, throttling ``throttle.py``'s).

- The session cookie holds a random token signed with the portal secret (itsdangerous); the
  server keeps only the token's sha256 with the user, a CSRF token and timestamps, so signing out,
  disabling a user or an idle/absolute timeout ends a session at once. HttpOnly, SameSite=Lax,
  Secure over https (or always/never: ``SPASTICITY_PORTAL_SECURE_COOKIES``).
- Two steps: the password starts a *half* session (``mfa = 0``) that reaches only the
  second-factor pages and lasts ``second_factor_s``; the code (or a recovery code) replaces it
  with a full session under a new token. ``user()`` answers only for a full session.
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


@dataclass(frozen=True)
class Halfway:
    """A session after the password, before the second factor: it reaches the code pages only."""

    user_id: int
    email: str
    trust: str
    csrf: str
    enrolled: bool
    enrol_secret: str | None


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
    def start(self, request: Request, response: Response, user_id: int, *, mfa: bool = False) -> None:
        """A new session for the user: after the password alone (``mfa=False``: it reaches only the
        second-factor pages), or after both factors."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        self.db.run(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen, mfa) VALUES (?, ?, ?, ?, ?, ?)",
            (_hash(token), user_id, secrets.token_urlsafe(32), now, now, int(mfa)),
        )
        max_age = self.cfg.session_max_s if mfa else self.cfg.second_factor_s
        self._set_cookie(response, request, SESSION_COOKIE, self.signer.sign(token).decode(), max_age)
        response.delete_cookie(CSRF_COOKIE, path="/")

    def complete(self, request: Request, response: Response, user_id: int) -> None:
        """The second factor is in: the half session ends and a full one starts (a new token)."""
        self.end(request, None)
        self.start(request, response, user_id, mfa=True)

    def _token(self, request: Request) -> str | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            return self.signer.unsign(raw).decode()
        except (BadSignature, UnicodeError):
            return None

    def _row(self, request: Request) -> dict[str, Any] | None:
        """The request's live session joined with its user (expired ones are deleted)."""
        token = self._token(request)
        if token is None:
            return None
        row = self.db.one(
            "SELECT s.token_hash, s.csrf, s.created_at, s.last_seen, s.mfa, s.enrol_secret, u.id, u.email, "
            "u.trust, u.disabled, u.totp_secret IS NOT NULL AS enrolled "
            "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
            (_hash(token),),
        )
        now = time.time()
        if row is None:
            return None
        lifetime = self.cfg.session_max_s if row["mfa"] else self.cfg.second_factor_s
        if row["disabled"] or now - row["last_seen"] > self.cfg.session_idle_s or now - row["created_at"] > lifetime:
            self.db.run("DELETE FROM sessions WHERE token_hash = ?", (row["token_hash"],))
            return None
        if now - row["last_seen"] > _TOUCH_EVERY:
            self.db.run("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (now, row["token_hash"]))
        return row

    def user(self, request: Request) -> User | None:
        """The signed-in user: both factors given. A password-only session is no user here."""
        row = self._row(request)
        if row is None or not row["mfa"]:
            return None
        return User(row["id"], row["email"], row["trust"], row["csrf"])

    def halfway(self, request: Request) -> Halfway | None:
        """The user who gave the right password and still owes the second factor."""
        row = self._row(request)
        if row is None or row["mfa"]:
            return None
        return Halfway(row["id"], row["email"], row["trust"], row["csrf"], bool(row["enrolled"]), row["enrol_secret"])

    def keep_enrol_secret(self, request: Request, secret: str) -> None:
        token = self._token(request)
        if token:
            self.db.run("UPDATE sessions SET enrol_secret = ? WHERE token_hash = ? AND mfa = 0", (secret, _hash(token)))

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

    def csrf_ok(self, request: Request, form: Any, user: User | Halfway | None) -> bool:
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
    """The client's address (X-Forwarded-For is applied, by the app's proxy middleware, only from trusted proxies)."""
    return request.client.host if request.client else "unknown"
