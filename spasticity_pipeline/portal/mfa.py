"""The second factor: TOTP (RFC 6238, pyotp) and one-time recovery codes.

A user enrols at their first sign-in: the portal makes a random 160-bit key, shows it as a QR
code (an SVG made here by segno: nothing is fetched) and as text for typing into the app, and
keeps it only once a code from the app has been entered. A code is accepted for the current
30-second step or the one either side (clock drift), and only for a step later than the last one
used: a code cannot be replayed, even within its window. Recovery codes (ten, 80 bits each) are
shown once and stored as sha256 hashes; each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp

DIGITS = 6
#: steps either side of now that are accepted (RFC 6238 §5.2 allows for clock drift)
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/i/l


def now() -> float:
    """The clock codes are checked against (tests replace it to sign in many times a minute)."""
    return time.time()


def new_secret() -> str:
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The ``otpauth://`` URI as an inline SVG QR code (no XML declaration; titled for screen readers)."""
    import segno

    qr = segno.make(uri, error="m", micro=False)
    return qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", title="QR code for your authenticator app")


def grouped(secret: str) -> str:
    """The key in groups of four, as authenticator apps show and take it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str | None:
    code = code.replace(" ", "").replace("-", "")
    return code if len(code) == DIGITS and code.isascii() and code.isdigit() else None


def matching_step(secret: str, code: str, last_step: int | None, at: float | None = None) -> int | None:
    """The time step ``code`` belongs to, if it is right now (± drift) and later than ``last_step``."""
    digits = _digits(code)
    if digits is None:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at if at is not None else now())
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def new_recovery_codes(n: int = RECOVERY_CODES) -> list[str]:
    """``n`` codes like ``k7mq-2xrt-9cfa-pw3h`` (16 characters of a 31-letter alphabet: 79 bits)."""
    out = []
    for _ in range(n):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        out.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return out


def recovery_hash(code: str) -> str:
    """sha256 of a recovery code as typed, ignoring case, spaces and hyphens."""
    normal = "".join(ch for ch in code.lower() if ch not in " -")
    return hashlib.sha256(normal.encode("utf-8", "replace")).hexdigest()
