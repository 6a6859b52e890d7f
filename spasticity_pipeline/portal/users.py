"""Portal accounts: each user belongs to one trust (its ODS code) or to the network team
(``network``). Passwords follow ``passwords.py``'s policy and are stored only as Argon2id hashes (argon2-cffi).

``spasticity users add|disable|list`` calls ``add_user``, ``disable_user`` and ``list_users``.
"""

from __future__ import annotations

import re
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..config import registry
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
    rows = db.all("SELECT email, trust, disabled, created_at FROM users ORDER BY trust, email")
    return [{**r, "disabled": bool(r["disabled"])} for r in rows]


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
