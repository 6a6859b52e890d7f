"""The access audit: who signed in (or failed, or was locked out), second-factor events, resets,
uploads, confirmations, downloads of findings and feedback, and purges of expired data — one
table, ``audit_log``, in the portal's database (``$SPASTICITY_HOME/portal/portal.db``), which
the portal, ``spasticity purge`` and the nightly purge asset write and ``spasticity audit`` lists.

It holds no passwords, codes, tokens or patient identifiers: a failed sign-in names the account
only when one exists (what was typed in the email box may be a password), and details are the
portal's own words.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from .owner_only import private_dir, private_file
from .settings import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    action TEXT NOT NULL,              -- login | mfa | logout | reset | upload | confirm | download | purge
    outcome TEXT NOT NULL,             -- success | failure | refused | throttled | password ok | enrolled | ...
    email TEXT,
    trust TEXT,
    ip TEXT,
    target TEXT,                       -- upload id, submission id or file name
    detail TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
"""
COLUMNS = ("at", "action", "outcome", "email", "trust", "ip", "target", "detail")


def audit_path(settings: Settings) -> Path:
    """The portal's database, where the access audit lives."""
    return settings.home / "portal" / "portal.db"


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def connect(path: Path) -> sqlite3.Connection:
    """The database at ``path``, created owner-only (0600 in a 0700 folder) when it is new."""
    private_dir(path.parent)
    private_file(path)
    con = sqlite3.connect(path, timeout=15)
    con.executescript(SCHEMA)
    return con


def record(settings: Settings, action: str, outcome: str, **fields: Any) -> None:
    """Add one entry (``email``, ``trust``, ``ip``, ``target``, ``detail`` as keywords)."""
    con = connect(audit_path(settings))
    try:
        with con:
            insert(con, action, outcome, **fields)
    finally:
        con.close()


def insert(con: sqlite3.Connection, action: str, outcome: str, **fields: Any) -> None:
    unknown = set(fields) - set(COLUMNS)
    if unknown:
        raise TypeError(f"not audit columns: {', '.join(sorted(unknown))}")
    con.execute(
        f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
        (now_iso(), action, outcome, *(fields.get(c) for c in COLUMNS[3:])),
    )


def entries(
    settings: Settings, since: dt.datetime | None = None, action: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The newest ``limit`` entries (since a time, of one action), newest first."""
    path = audit_path(settings)
    if not path.is_file():
        return []
    where, params = [], []
    if since is not None:
        where.append("at >= ?")
        params.append(since.astimezone(dt.UTC).isoformat(timespec="seconds"))
    if action:
        where.append("action = ?")
        params.append(action)
    sql = "SELECT * FROM audit_log" + (f" WHERE {' AND '.join(where)}" if where else "")
    con = connect(path)
    con.row_factory = sqlite3.Row
    try:
        rows = con.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit)).fetchall()
    finally:
        con.close()
    return [dict(r) for r in rows]
