"""The password policy (NCSC password guidance; OWASP ASVS v4 2.1): long rather than complex.

A password is refused when it is shorter than 12 characters, is one character repeated, is only
digits and symbols, is on the shipped list of common and breached passwords
(``data/common-passwords.txt``; no network), is such a password with digits or symbols added
around it (``Password2024!``), or contains the user's own email name. No composition rules and
no expiry: NCSC advises against both.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

MIN_LENGTH = 12
#: long enough for any passphrase; bounds the work one sign-in can ask of Argon2
MAX_LENGTH = 1024
_PADDING = "0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "


@cache
def common_passwords() -> frozenset[str]:
    text = files("spasticity_pipeline.portal").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` may not be used, in words for the person choosing it; None when it may."""
    if len(password) < MIN_LENGTH:
        return f"The password must have at least {MIN_LENGTH} characters. A few unrelated words make a good one."
    if len(password) > MAX_LENGTH:
        return f"The password must have at most {MAX_LENGTH} characters."
    if len(set(password)) == 1:
        return "The password cannot be one character repeated."
    folded = password.casefold()
    common = common_passwords()
    base = folded.strip(_PADDING)
    if folded in common or (len(base) >= 4 and base in common):
        return (
            "This password is too common: it is on a list of passwords that attackers try first. "
            "Choose another (a few unrelated words make a good one)."
        )
    if not base:
        return "The password cannot be only digits and symbols: a few unrelated words make a good one."
    name = email.split("@", 1)[0].casefold()
    if len(name) >= 4 and name in folded:
        return "The password cannot contain your email address."
    return None
