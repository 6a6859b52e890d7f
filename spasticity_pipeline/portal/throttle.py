"""Guess limits that hold under concurrency: a slot is reserved *before* a secret is checked.

Every attempt at a step (``password`` or ``code``) takes a row in ``login_attempts`` inside one
``BEGIN IMMEDIATE`` transaction that first counts the attempts already made, so however many
requests arrive together, at most ``per_account`` of them are checked for one account and at most
``per_address`` for one client address within the window. An attempt over either limit is
recorded as ``refused`` and never reaches the (≈0.5 s Argon2) check.

A right secret does not sign in when the account went over its limit while it was being checked
(a correct guess inside a burst): :meth:`Throttle.succeeded` counts the other attempts checked in
the window and those refused since this one took its slot, and turns such a success into a
failure. The lock lasts until the window has passed since the ``per_account``-th failure (a
refused attempt does not extend it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .db import PortalDB

PASSWORD = "password"
CODE = "code"
#: attempts that were (or are being) checked count towards the limits
_CHECKED = "('checking', 'failure')"


@dataclass(frozen=True)
class Attempt:
    id: int
    step: str
    account: str
    address: str


class Throttle:
    def __init__(self, db: PortalDB, per_account: int, per_address: int, window_s: int) -> None:
        self.db, self.per_account, self.per_address, self.window_s = db, per_account, per_address, window_s

    def reserve(self, step: str, account: str, address: str) -> Attempt | None:
        """A slot to check one guess, or None when the account or the address is at its limit."""
        account = account.strip().lower()
        now = time.time()
        since = now - self.window_s
        with self.db.connect() as con:
            con.execute("DELETE FROM login_attempts WHERE at < ?", (since,))
            by_account = con.execute(
                f"SELECT count(*) FROM login_attempts WHERE step = ? AND account = ? AND outcome IN {_CHECKED}",
                (step, account),
            ).fetchone()[0]
            by_address = con.execute(
                f"SELECT count(*) FROM login_attempts WHERE step = ? AND address = ? AND outcome IN {_CHECKED}",
                (step, address),
            ).fetchone()[0]
            allowed = by_account < self.per_account and by_address < self.per_address
            cur = con.execute(
                "INSERT INTO login_attempts (step, account, address, at, outcome) VALUES (?, ?, ?, ?, ?)",
                (step, account, address, now, "checking" if allowed else "refused"),
            )
            return Attempt(int(cur.lastrowid or 0), step, account, address) if allowed else None

    def failed(self, attempt: Attempt) -> None:
        self.db.run("UPDATE login_attempts SET outcome = 'failure' WHERE id = ?", (attempt.id,))

    def succeeded(self, attempt: Attempt) -> bool:
        """Whether the right secret may sign in: not when the account went over its limit while this
        one was checked (other attempts checked, or refused after it took its slot); then it
        counts as a failure."""
        with self.db.connect() as con:
            others = con.execute(
                "SELECT count(*) FROM login_attempts WHERE step = ? AND account = ? AND id != ? "
                f"AND (outcome IN {_CHECKED} OR (outcome = 'refused' AND id > ?))",
                (attempt.step, attempt.account, attempt.id, attempt.id),
            ).fetchone()[0]
            if others >= self.per_account:
                con.execute("UPDATE login_attempts SET outcome = 'failure' WHERE id = ?", (attempt.id,))
                return False
            # a success forgets this address's failures for the account (as a user who mistyped expects)
            con.execute(
                "DELETE FROM login_attempts WHERE step = ? AND account = ? AND (id = ? OR (address = ? "
                "AND outcome = 'failure'))",
                (attempt.step, attempt.account, attempt.id, attempt.address),
            )
            return True

    def clear(self, step: str, account: str) -> None:
        """Forget an account's attempts (a reset by the network team)."""
        self.db.run("DELETE FROM login_attempts WHERE step = ? AND account = ?", (step, account.strip().lower()))
