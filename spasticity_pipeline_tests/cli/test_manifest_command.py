"""`spasticity manifest` (issue 13 item 1): a trust's folder without a manifest gets one that
validates exactly like the one the submission was made with, in every format."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from spasticity_pipeline.cli import main
from spasticity_pipeline.synthetic import generate_network
from spasticity_pipeline.validate import validate_submission

from ..validate.conftest import BASE, ctx, write_submission  # noqa: F401  (ctx is a fixture)

#: regional-v1 trusts (the E1 faults go on these), and one trust per shipped dialect
TRUSTS = ["RDR", "RXC", "RWF", "RVV", "RYR", "RYY", "RTK"]
MONTHS = ["2026-08", "2026-09"]
#: faults in the manifest itself: a new manifest repairs them by design
MANIFEST_FAULTS = {"F01", "F02", "F04"}


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    out = tmp_path_factory.mktemp("network")
    return generate_network(out, trusts=TRUSTS, months=MONTHS, patients=30, seed=11, fault_rate=0.05)


def _remanifest(sub, tmp_path):
    copy = tmp_path / f"{sub.trust}-{sub.period}-{sub.folder.name}"
    shutil.copytree(sub.folder, copy)
    (copy / "manifest.json").unlink()
    res = CliRunner().invoke(main, ["manifest", str(copy), "--trust", sub.trust, "--period", sub.period])
    assert res.exit_code == 0, res.output
    return copy


@pytest.mark.slow
def test_every_format_validates_exactly_like_the_original(network, tmp_path, ctx, env_settings):  # noqa: F811
    formats, e1 = set(), set()
    for sub in network:
        original = validate_submission(sub.folder, ctx)
        again = validate_submission(_remanifest(sub, tmp_path), ctx)
        faults = set(sub.expected["findings"]) & MANIFEST_FAULTS
        if sub.expected["status"] == "rejected" and faults:
            assert not set(again.counts_by_rule()) & MANIFEST_FAULTS, sub.folder  # repaired
            continue
        formats.add(json.loads((sub.folder / "manifest.json").read_text())["format"])
        e1 |= set(original.counts_by_rule()) & {"F03", "F05", "F06", "F07"}
        assert again.to_json() == original.to_json(), sub.folder
        assert again.findings.equals(original.findings), sub.folder
    assert formats == {"regional-v1", "ryr-careflow-epr", "ryy-community-xlsx", "rtk-rio-activity"}
    assert e1 == {"F03", "F05", "F06", "F07"}  # rejected ones too: the same findings


def test_the_workbook_manifest_counts_rows_per_sheet(network, tmp_path, env_settings):
    sub = next(s for s in network if s.trust == "RYY")
    original = json.loads((sub.folder / "manifest.json").read_text())
    made = json.loads((_remanifest(sub, tmp_path) / "manifest.json").read_text())
    assert made["format"] == "ryy-community-xlsx"
    assert made["files"] == original["files"]
    assert set(made["files"]["spasticity_extract.xlsx"]["rows"]) >= {"Patients", "Goals", "Experience"}
    assert made["generated_by"] == "spasticity manifest" and made["generated_at"].endswith("Z")


def test_refuses_to_overwrite_without_force(tmp_path, env_settings):
    folder = write_submission(tmp_path / "s", BASE)
    before = (folder / "manifest.json").read_bytes()
    args = ["manifest", str(folder), "--trust", "RDR", "--period", "2026-09"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2 and "already exists; add --force" in res.output
    assert (folder / "manifest.json").read_bytes() == before
    res = CliRunner().invoke(main, [*args, "--force"])
    assert res.exit_code == 0, res.output
    assert json.loads((folder / "manifest.json").read_text())["files"] == json.loads(before)["files"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--trust", "ZZZ", "--period", "2026-09"], "'ZZZ' is not a trust in the network's registry"),
        (["--trust", "RDR", "--period", "2026-9"], "must be YYYY-MM"),
        (["--trust", "RDR", "--period", "0000-01"], "must be YYYY-MM"),
        (["--trust", "RDR", "--period", "2026-09", "--format", "ryr-careflow-epr"], "not one RDR may send"),
    ],
)
def test_usage_errors_are_one_line(tmp_path, env_settings, args, words):
    folder = write_submission(tmp_path / "s", BASE)
    (folder / "manifest.json").unlink()
    res = CliRunner().invoke(main, ["manifest", str(folder), *args])
    assert res.exit_code == 2 and words in res.output and "Traceback" not in res.output
    assert not (folder / "manifest.json").exists()


def test_an_unknown_or_ambiguous_format_is_a_clear_error(tmp_path, env_settings):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("x")
    res = CliRunner().invoke(main, ["manifest", str(empty), "--trust", "RYR", "--period", "2026-09"])
    assert res.exit_code == 2 and "none of the files of a format this trust may send" in res.output
    assert "SPAS_PATIENTS.TXT" in res.output  # says what it looked for
    both = write_submission(tmp_path / "both", {"patients.csv": BASE["patients.csv"]})
    (both / "manifest.json").unlink()
    (both / "SPAS_PATIENTS.TXT").write_text("MRN\n")
    res = CliRunner().invoke(main, ["manifest", str(both), "--trust", "RYR", "--period", "2026-09"])
    assert res.exit_code == 2 and "more than one format (regional-v1, ryr-careflow-epr)" in res.output
    res = CliRunner().invoke(
        main, ["manifest", str(both), "--trust", "RYR", "--period", "2026-09", "--format", "regional-v1"]
    )
    assert res.exit_code == 0 and "patients.csv" in json.loads((both / "manifest.json").read_text())["files"]


def test_missing_and_unreadable_files_are_noted_and_found_by_validate(tmp_path, env_settings, ctx):  # noqa: F811
    folder = write_submission(tmp_path / "s", BASE)
    (folder / "manifest.json").unlink()
    (folder / "goals.csv").unlink()
    (folder / "experience.csv").write_bytes(b"response_id,referral_id\nX1\n")  # ragged
    res = CliRunner().invoke(main, ["manifest", str(folder), "--trust", "RDR", "--period", "2026-09"])
    assert res.exit_code == 0, res.output
    assert "goals.csv is not in the folder" in res.output and "experience.csv cannot be read" in res.output
    result = validate_submission(folder, ctx)
    assert result.counts_by_rule() == {"F03": 1, "F05": 1}


def test_a_file_that_cannot_be_opened_is_noted_not_a_traceback(tmp_path, env_settings, monkeypatch):
    from spasticity_pipeline.extract import manifest as manifest_module

    real = manifest_module.sha256_of

    def guarded(path):  # tests run as root, where chmod 000 still reads
        if path.name == "goals.csv":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(manifest_module, "sha256_of", guarded)
    folder = write_submission(tmp_path / "s", BASE)
    (folder / "manifest.json").unlink()
    res = CliRunner().invoke(main, ["manifest", str(folder), "--trust", "RDR", "--period", "2026-09"])
    assert res.exit_code == 0 and "goals.csv cannot be read (cannot be opened: permission denied)" in res.output
    assert "goals.csv" not in json.loads((folder / "manifest.json").read_text())["files"]
