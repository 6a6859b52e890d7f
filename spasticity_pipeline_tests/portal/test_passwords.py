"""The password policy (NCSC): at least 12 characters, not a common or breached password (nor
one with digits and symbols around it), not one character repeated, not the user's email name."""

from __future__ import annotations

import pytest

from spasticity_pipeline.portal.db import PortalDB
from spasticity_pipeline.portal.passwords import common_passwords, password_problem
from spasticity_pipeline.portal.users import UserError, add_user


@pytest.mark.parametrize(
    "password, words",
    [
        ("aaaaaaaaaaaa", "one character repeated"),
        ("............................", "one character repeated"),
        ("password1234", "too common"),
        ("Password1234", "too common"),  # case does not help
        ("PASSWORD2024!!", "too common"),  # nor digits and symbols around a common one
        ("qwertyuiop123", "too common"),
        ("123456789012", "only digits and symbols"),
        ("!!dragon12345", "too common"),
        ("short", "at least 12 characters"),
        ("elevenchars", "at least 12 characters"),
        ("x" * 1025 + "y", "at most 1024"),
        ("jane.smith likes tea", "email address"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, words):
    assert words in (password_problem(password, "Jane.Smith@rdr.nhs.uk") or "")


@pytest.mark.parametrize(
    "password", ["a long test password", "correct horse battery staple", "Tractor-Cupboard-Lemon", "éèê ünïcödé ok"]
)
def test_good_passwords_pass(password):
    assert password_problem(password, "jane.smith@rdr.nhs.uk") is None


def test_the_shipped_list():
    common = common_passwords()
    assert len(common) == 30000
    assert {"password", "123456", "qwerty", "iloveyou", "password1234"} <= common
    assert not any(p.startswith("#") for p in common)


def test_add_user_applies_the_policy(tmp_path):
    db = PortalDB(tmp_path / "portal.db")
    with pytest.raises(UserError, match="too common"):
        add_user("a@rdr.nhs.uk", "RDR", "password1234", db=db)
    with pytest.raises(UserError, match="one character repeated"):
        add_user("a@rdr.nhs.uk", "RDR", "aaaaaaaaaaaa", db=db)
    assert add_user("a@rdr.nhs.uk", "RDR", "a long test password", db=db)["trust"] == "RDR"
