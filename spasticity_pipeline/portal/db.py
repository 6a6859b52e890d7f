"""The portal's own state in SQLite (``$SPASTICITY_HOME/portal/portal.db``): users, sessions,
login attempts, uploads and the audit log. Never the warehouse: the pipeline owns that."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import access_audit
from ..settings import Settings, get_settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    trust TEXT NOT NULL,               -- an ODS code, or 'network' for the network team
    password_hash TEXT NOT NULL,       -- Argon2id; '!' while a reset link is outstanding
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    totp_secret TEXT,                  -- mfa.py: NULL until the user enrols (at first sign-in)
    totp_last_step INTEGER,            -- the last 30-second step whose code was used (no replay)
    mfa_enrolled_at TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,       -- sha256 of the random token in the signed cookie
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL,
    mfa INTEGER NOT NULL DEFAULT 0,    -- 0: the password only (no data page); 1: both factors
    enrol_secret TEXT                  -- the key being enrolled, until a code from it is entered
);
CREATE TABLE IF NOT EXISTS recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,           -- sha256; the codes themselves are shown once
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE IF NOT EXISTS reset_links (
    token_hash TEXT PRIMARY KEY,       -- sha256 of the one-time token in the link
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL
);
DROP TABLE IF EXISTS login_failures;
CREATE TABLE IF NOT EXISTS login_attempts (    -- throttle.py: a slot per guess, taken before the check
    id INTEGER PRIMARY KEY,
    step TEXT NOT NULL,                -- password | code
    account TEXT NOT NULL,             -- the email typed (lower case), or the user id at the code step
    address TEXT NOT NULL,
    at REAL NOT NULL,
    outcome TEXT NOT NULL              -- checking | failure | refused
);
CREATE INDEX IF NOT EXISTS login_attempts_account ON login_attempts (step, account, outcome);
CREATE INDEX IF NOT EXISTS login_attempts_address ON login_attempts (step, address, outcome);
CREATE INDEX IF NOT EXISTS login_attempts_at ON login_attempts (at);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    trust TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    period TEXT NOT NULL,
    format TEXT,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,               -- validating | validated | failed | landing | landed
    stage TEXT,                        -- what the background check is doing, for the progress page
    status TEXT,                       -- the pre-flight status: rejected | accepted | accepted_with_warnings
    error TEXT,
    submission_id TEXT,
    landed_at TEXT
);
CREATE INDEX IF NOT EXISTS uploads_trust ON uploads (trust, created_at);
"""  # and the access audit's audit_log (access_audit.py)


#: columns added after their table was first shipped: (table, column, declaration)
_ADDED_COLUMNS = [
    ("users", "totp_secret", "TEXT"),
    ("users", "totp_last_step", "INTEGER"),
    ("users", "mfa_enrolled_at", "TEXT"),
    ("sessions", "mfa", "INTEGER NOT NULL DEFAULT 0"),
    ("sessions", "enrol_secret", "TEXT"),
]


def db_path(settings: Settings) -> Path:
    return access_audit.audit_path(settings)


now_iso = access_audit.now_iso


class PortalDB:
    def __init__(self, path: Path) -> None:
        self.path = path
        con = access_audit.connect(path)  # owner-only: 0600 (SQLite gives -wal and -shm its mode) in 0700
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)
            for table, column, decl in _ADDED_COLUMNS:
                if column not in {r[1] for r in con.execute(f"PRAGMA table_info({table})")}:
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
            con.commit()
        finally:
            con.close()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """One short transaction (committed on success, rolled back on error)."""
        con = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        with self.connect() as con:
            row = con.execute(sql, params).fetchone()
        return dict(row) if row else None

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.connect() as con:
            return [dict(r) for r in con.execute(sql, params).fetchall()]

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Execute one statement; returns the number of rows changed."""
        with self.connect() as con:
            return con.execute(sql, params).rowcount

    def audit(self, action: str, outcome: str, **fields: Any) -> None:
        """An access-audit entry (``email``, ``trust``, ``ip``, ``target``, ``detail``)."""
        with self.connect() as con:
            access_audit.insert(con, action, outcome, **fields)


def open_db(settings: Settings | None = None) -> PortalDB:
    """The portal database under ``SPASTICITY_HOME`` (created on first use)."""
    return PortalDB(db_path(settings or get_settings()))
