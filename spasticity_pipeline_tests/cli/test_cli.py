"""`spasticity validate|submit` as a trust runs them: output, JSON shape and exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from spasticity_pipeline import landing
from spasticity_pipeline.cli import main

from ..validate.conftest import BASE, write_submission


@pytest.fixture
def env(env_settings):
    return env_settings


def _faulty(tmp_path):
    tables = {k: [dict(r) for r in v] for k, v in BASE.items()}
    tables["patients.csv"][1]["sex"] = "M"
    return write_submission(tmp_path / "faulty", tables)


def test_validate_json_is_the_spec_shape(env, tmp_path):
    res = CliRunner().invoke(main, ["validate", str(_faulty(tmp_path)), "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    assert set(body) == {"status", "files", "findings"}
    assert body["status"] == "accepted_with_warnings"
    assert body["files"]["patients.csv"] == {"rows_in": 3, "rows_loaded": 2, "rows_quarantined": 1}
    assert body["findings"] == {"R03": 1, "R07": 10}
    assert not (env.home / "landing").exists()  # validate writes nothing


def test_validate_human_output_explains_the_fix(env, tmp_path):
    res = CliRunner().invoke(main, ["validate", str(_faulty(tmp_path))])
    assert res.exit_code == 0
    assert "accepted_with_warnings" in res.output and "How to fix" in res.output and "R03" in res.output
    assert "4010232137" not in res.output


def test_rejected_exits_1_and_usage_error_exits_2(env, tmp_path):
    folder = write_submission(tmp_path / "s", BASE)
    (folder / "goals.csv").unlink()
    res = CliRunner().invoke(main, ["validate", str(folder), "--json"])
    assert res.exit_code == 1 and json.loads(res.output)["status"] == "rejected"
    assert json.loads(res.output)["findings"] == {"F03": 1}
    assert CliRunner().invoke(main, ["validate", str(tmp_path / "missing")]).exit_code == 2
    assert CliRunner().invoke(main, ["validate"]).exit_code == 2


def test_submit_lands_accepted_and_refuses_rejected(env, tmp_path):
    bad = write_submission(tmp_path / "bad", BASE, manifest_overrides={"period": "2031-01"})
    res = CliRunner().invoke(main, ["submit", str(bad)])
    assert res.exit_code == 1 and "Not landed" in res.output
    assert landing.scan(env) == []
    res = CliRunner().invoke(main, ["submit", str(_faulty(tmp_path))])
    assert res.exit_code == 0, res.output
    [sub] = landing.scan(env)
    assert (sub.trust, sub.period) == ("RDR", "2026-09") and sub.submission_id in res.output
    assert sorted(p.name for p in sub.folder.iterdir()) == sorted([*BASE, "manifest.json", "received.json"])


def test_dialect_check_shows_mappings_and_unmapped_codes(env, tmp_path):
    from spasticity_pipeline.extract.dialect import load_dialect
    from spasticity_pipeline.extract.encode import convert_submission

    canonical = write_submission(tmp_path / "c", BASE)
    sample = convert_submission(canonical, tmp_path / "ryr", load_dialect("ryr-careflow-epr"))
    res = CliRunner().invoke(main, ["dialect", "check", "ryr-careflow-epr", str(sample)])
    assert res.exit_code == 0, res.output
    assert "ryr-careflow-epr: OK" in res.output
    text = (sample / next(p.name for p in sample.iterdir() if "PAT" in p.name.upper())).read_bytes()
    assert text  # the sample is the trust's own files
    assert "9434765919" not in res.output and "943 476 5919" not in res.output  # preview masks identifiers


def test_users_add_list_disable(env):
    runner = CliRunner()
    add = ["users", "add", "dm@rdr.nhs.uk", "--trust", "RDR", "--password-stdin"]
    res = runner.invoke(main, add, input="a-long-passphrase-1\n")
    assert res.exit_code == 0, res.output
    assert "a-long-passphrase-1" not in res.output
    res = runner.invoke(
        main, ["users", "add", "x@y.nhs.uk", "--trust", "ZZZ", "--password-stdin"], input="a-long-passphrase-1\n"
    )
    assert res.exit_code == 2
    listed = runner.invoke(main, ["users", "list"]).output
    assert "dm@rdr.nhs.uk" in listed and "RDR" in listed and "yes" in listed
    assert runner.invoke(main, ["users", "disable", "dm@rdr.nhs.uk"]).exit_code == 0
    assert "no" in runner.invoke(main, ["users", "list"]).output


def test_users_add_never_takes_the_password_on_the_command_line(env):
    runner = CliRunner()
    res = runner.invoke(main, ["users", "add", "a@rdr.nhs.uk", "--trust", "RDR", "--password", "a-long-passphrase-1"])
    assert res.exit_code == 2 and "No such option" in res.output
    # asked for twice (hidden) when not piped
    res = runner.invoke(main, ["users", "add", "b@rdr.nhs.uk", "--trust", "RDR"], input="long passphrase 77\n" * 2)
    assert res.exit_code == 0 and "long passphrase 77" not in res.output and "Password" in res.output
    # the policy's words reach the administrator
    for weak, words in (("password1234", "too common"), ("aaaaaaaaaaaaaa", "one character repeated"), ("short", "12")):
        res = runner.invoke(main, ["users", "add", "c@rdr.nhs.uk", "--trust", "RDR", "--password-stdin"], input=weak)
        assert res.exit_code == 2 and words in res.output, res.output


def test_validate_without_a_key_writes_no_key_file(env, tmp_path, monkeypatch):
    monkeypatch.delenv("SPASTICITY_PSEUDONYM_KEY")
    res = CliRunner().invoke(main, ["validate", str(_faulty(tmp_path)), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["status"] == "accepted_with_warnings"
    assert not env.key_file.exists()


def test_a_bad_environment_variable_is_one_sentence_and_exit_2(tmp_path):
    import os
    import subprocess
    import sys

    folder = write_submission(tmp_path / "s", BASE)
    env = {**os.environ, "SPASTICITY_HOME": str(tmp_path / "home"), "SPASTICITY_SENSOR_INTERVAL": "soon"}
    res = subprocess.run(
        [sys.executable, "-m", "spasticity_pipeline.cli", "validate", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2, res.stderr
    assert "configuration error: SPASTICITY_SENSOR_INTERVAL:" in res.stderr
    assert "Traceback" not in res.stderr and "pydantic" not in res.stderr


def test_generate_refuses_months_before_the_networks_first(env, tmp_path):
    res = CliRunner().invoke(main, ["generate", "--out", str(tmp_path / "g"), "--months", "60", "--trusts", "RDR"])
    assert res.exit_code == 2 and "before the network's first period, 2024-01" in res.output
    assert not (tmp_path / "g").exists() or not any((tmp_path / "g").rglob("manifest.json"))
    res = CliRunner().invoke(main, ["generate", "--out", str(tmp_path / "g"), "--trusts", "XYZ"])
    assert res.exit_code == 2 and "not in the registry: XYZ" in res.output
