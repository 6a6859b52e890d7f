"""Portal accounts: each user belongs to one trust (its ODS code) or to the network team
(``network``). Passwords follow ``passwords.py``'s policy and are stored only as Argon2id hashes (argon2-cffi).

Every account has a second factor (``mfa.py``): a TOTP app enrolled at first sign-in, and
one-time recovery codes. The network team resets a user's password and second factor with a
one-time link (``reset_user``), never by typing a password for them.

``spasticity users add|disable|list|reset`` calls ``add_user``, ``disable_user``, ``list_users``
and ``reset_user``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..config import registry
from . import mfa
from .db import PortalDB, now_iso, open_db
from .passwords import password_problem

NETWORK = "network"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")

_hasher = PasswordHasher()
#: verified against when the email is unknown, so a miss takes as long as a wrong password
_DUMMY_HASH = _hasher.hash("not a password of anyone's")


class UserError(ValueError):
    """A user cannot be added or changed; the message says why, in words for an administrator."""


def _check(email: str, trust: str, password: str) -> tuple[str, str]:
    email = email.strip()
    if not _EMAIL.fullmatch(email):
        raise UserError(f"{email!r} is not an email address")
    trust = trust.strip()
    if trust.lower() == NETWORK:
        trust = NETWORK
    elif trust.upper() in registry().codes:
        trust = trust.upper()
    else:
        raise UserError(
            f"{trust!r} is neither a trust in the registry ({', '.join(registry().codes)}) "
            f"nor {NETWORK!r} (the network team)"
        )
    problem = password_problem(password, email)
    if problem:
        raise UserError(problem)
    return email, trust


def add_user(email: str, trust: str, password: str, db: PortalDB | None = None) -> dict[str, Any]:
    """Create an account for ``trust`` (an ODS code of the registry, or ``network``)."""
    email, trust = _check(email, trust, password)
    db = db or open_db()
    if db.one("SELECT 1 FROM users WHERE email = ?", (email,)):
        raise UserError(f"a user {email} already exists")
    db.run(
        "INSERT INTO users (email, trust, password_hash, created_at) VALUES (?, ?, ?, ?)",
        (email, trust, _hasher.hash(password), now_iso()),
    )
    return {"email": email, "trust": trust, "disabled": False}


def disable_user(email: str, db: PortalDB | None = None) -> None:
    """Stop ``email`` signing in, and end their open sessions at once."""
    db = db or open_db()
    user = db.one("SELECT id FROM users WHERE email = ?", (email.strip(),))
    if user is None:
        raise UserError(f"no user {email}")
    with db.connect() as con:
        con.execute("UPDATE users SET disabled = 1 WHERE id = ?", (user["id"],))
        con.execute("DELETE FROM sessions WHERE user_id = ?", (user["id"],))


def list_users(db: PortalDB | None = None) -> list[dict[str, Any]]:
    db = db or open_db()
    rows = db.all(
        "SELECT email, trust, disabled, created_at, mfa_enrolled_at IS NOT NULL AS mfa FROM users ORDER BY trust, email"
    )
    return [{**r, "disabled": bool(r["disabled"]), "mfa": bool(r["mfa"])} for r in rows]


def authenticate(db: PortalDB, email: str, password: str) -> dict[str, Any] | None:
    """The enabled user with this email and password, else None (same work either way)."""
    user = db.one("SELECT * FROM users WHERE email = ?", (email.strip(),))
    try:
        _hasher.verify(user["password_hash"] if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or user["disabled"]:
        return None
    if _hasher.check_needs_rehash(user["password_hash"]):
        db.run("UPDATE users SET password_hash = ? WHERE id = ?", (_hasher.hash(password), user["id"]))
    return user


# -- the second factor --------------------------------------------------------------------------


def check_totp(db: PortalDB, user_id: int, code: str) -> bool:
    """Whether ``code`` is the user's current TOTP code and not one used before (the step is
    recorded in the same statement that checks it is new, so two requests cannot both use it)."""
    user = db.one("SELECT totp_secret, totp_last_step FROM users WHERE id = ?", (user_id,))
    if user is None or not user["totp_secret"]:
        return False
    step = mfa.matching_step(user["totp_secret"], code, user["totp_last_step"])
    if step is None:
        return False
    return bool(
        db.run(
            "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
            (step, user_id, step),
        )
    )


def enrol_totp(db: PortalDB, user_id: int, secret: str, code: str) -> list[str] | None:
    """Keep ``secret`` as the user's second factor when ``code`` comes from it; the new recovery
    codes (shown once, stored hashed), or None when the code is wrong or the user is enrolled."""
    step = mfa.matching_step(secret, code, None)
    if step is None:
        return None
    codes = mfa.new_recovery_codes()
    with db.connect() as con:
        taken = con.execute(
            "UPDATE users SET totp_secret = ?, totp_last_step = ?, mfa_enrolled_at = ? WHERE id = ? "
            "AND totp_secret IS NULL",
            (secret, step, now_iso(), user_id),
        ).rowcount
        if not taken:
            return None
        con.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))
        con.executemany(
            "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)",
            [(user_id, mfa.recovery_hash(c)) for c in codes],
        )
    return codes


def use_recovery_code(db: PortalDB, user_id: int, code: str) -> int | None:
    """Spend one recovery code: the number left, or None when it is wrong or used already."""
    with db.connect() as con:
        used = con.execute(
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
            (now_iso(), user_id, mfa.recovery_hash(code)),
        ).rowcount
        if not used:
            return None
        return con.execute(
            "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", (user_id,)
        ).fetchone()[0]


# -- resets by the network team ------------------------------------------------------------------

#: a reset link works once, within this many hours
RESET_LINK_HOURS = 24
#: no Argon2 hash looks like this: nobody signs in with the password while a reset is pending
_NO_PASSWORD = "!"


def reset_user(email: str, db: PortalDB | None = None, hours: int = RESET_LINK_HOURS) -> str:
    """Take away the user's password and second factor, sign them out everywhere, and return the
    token of a one-time link with which they choose a new password (then enrol again)."""
    db = db or open_db()
    user = db.one("SELECT id FROM users WHERE email = ?", (email.strip(),))
    if user is None:
        raise UserError(f"no user {email}")
    token = secrets.token_urlsafe(32)
    now = time.time()
    with db.connect() as con:
        con.execute(
            "UPDATE users SET password_hash = ?, totp_secret = NULL, totp_last_step = NULL, mfa_enrolled_at = NULL "
            "WHERE id = ?",
            (_NO_PASSWORD, user["id"]),
        )
        for table in ("sessions", "recovery_codes", "reset_links"):
            con.execute(f"DELETE FROM {table} WHERE user_id = ?", (user["id"],))
        con.execute(
            "INSERT INTO reset_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (_token_hash(token), user["id"], now, now + hours * 3600),
        )
    return token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def reset_link_user(db: PortalDB, token: str) -> dict[str, Any] | None:
    """The user a reset link is for, while it is unused and unexpired."""
    return db.one(
        "SELECT u.id, u.email, u.trust FROM reset_links r JOIN users u ON u.id = r.user_id "
        "WHERE r.token_hash = ? AND r.used_at IS NULL AND r.expires_at > ?",
        (_token_hash(token), time.time()),
    )


def complete_reset(db: PortalDB, token: str, password: str) -> dict[str, Any]:
    """Set the new password through a reset link, spending the link; ``UserError`` says why not."""
    user = reset_link_user(db, token)
    if user is None:
        raise UserError("This link has expired or has been used already. Ask the network team for a new one.")
    problem = password_problem(password, user["email"])
    if problem:
        raise UserError(problem)
    hashed = _hasher.hash(password)
    with db.connect() as con:
        spent = con.execute(
            "UPDATE reset_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
            (time.time(), _token_hash(token), time.time()),
        ).rowcount
        if not spent:
            raise UserError("This link has expired or has been used already. Ask the network team for a new one.")
        con.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hashed, user["id"]))
    return user
