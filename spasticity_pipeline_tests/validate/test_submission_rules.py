"""Submission-level rules F01–F07 (spec §3, §10): order, skipping, and what a rejection reports."""

from __future__ import annotations

import json

import pytest

from spasticity_pipeline.validate import validate_submission

from .conftest import write_submission


def rules(result):
    return [(r["rule_id"], r["file"], r["field"]) for r in result.findings.to_pylist()]


def folder(tmp_path, base, **kw):
    return write_submission(tmp_path / "sub", base, **kw)


def test_missing_manifest_is_f01(tmp_path, base, ctx):
    sub = folder(tmp_path, base)
    (sub / "manifest.json").unlink()
    result = validate_submission(sub, ctx)
    assert result.rejected and rules(result) == [("F01", "manifest.json", None)]


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"spec_version": "regional-v1"}'])
def test_bad_manifest_is_f01(tmp_path, base, ctx, text):
    sub = folder(tmp_path, base)
    (sub / "manifest.json").write_text(text)
    assert rules(validate_submission(sub, ctx)) == [("F01", "manifest.json", None)]


def test_manifest_files_must_be_an_object(tmp_path, base, ctx):
    sub = folder(tmp_path, base, manifest_overrides={"files": []})
    assert rules(validate_submission(sub, ctx))[0][0] == "F01"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"trust_ods_code": "XXX"}, "trust_ods_code"),
        ({"period": "2026-13"}, "period"),
        ({"period": "2026-1"}, "period"),
        ({"period": "2026-12"}, "period"),  # future: its first day is after today (2026-11-24)
        ({"spec_version": "regional-v2"}, "spec_version"),
        ({"format": "some-dialect"}, "format"),
    ],
)
def test_f02(tmp_path, base, ctx, override, field):
    result = validate_submission(folder(tmp_path, base, manifest_overrides=override), ctx)
    assert rules(result) == [("F02", "manifest.json", field)]


def test_current_month_is_allowed(tmp_path, base, ctx):
    assert not validate_submission(folder(tmp_path, base, period="2026-11"), ctx).rejected


def test_locked_period_is_f02(tmp_path, base, ctx):
    ctx.registry = ctx.registry.model_copy(update={"locked_periods": ("2026-09",)})
    assert rules(validate_submission(folder(tmp_path, base), ctx)) == [("F02", "manifest.json", "period")]


def test_missing_file_is_f03_and_unlisted_file_f04(tmp_path, base, ctx):
    sub = folder(tmp_path, base)
    (sub / "goals.csv").unlink()
    manifest = json.loads((sub / "manifest.json").read_text())
    del manifest["files"]["experience.csv"]
    (sub / "manifest.json").write_text(json.dumps(manifest))
    result = validate_submission(sub, ctx)
    assert rules(result) == [("F03", "goals.csv", None), ("F04", "experience.csv", None)]
    assert result.to_json()["files"]["goals.csv"] == {"rows_in": 0, "rows_loaded": 0, "rows_quarantined": 0}


def test_changed_file_is_f04_sha(tmp_path, base, ctx):
    sub = folder(tmp_path, base)
    with (sub / "contacts.csv").open("a") as fh:
        fh.write("C9,R1,2026-06-01,review,attended,Y,Y,RDR\n")
    assert rules(validate_submission(sub, ctx)) == [("F04", "contacts.csv", "sha256")]


def test_wrong_row_count_is_f04_rows(tmp_path, base, ctx):
    sub = folder(tmp_path, base)
    manifest = json.loads((sub / "manifest.json").read_text())
    manifest["files"]["goals.csv"]["rows"] = 99
    (sub / "manifest.json").write_text(json.dumps(manifest))
    assert rules(validate_submission(sub, ctx)) == [("F04", "goals.csv", "rows")]


def _rewrite(sub, name, data: bytes):
    (sub / name).write_bytes(data)
    manifest = json.loads((sub / "manifest.json").read_text())
    import hashlib

    manifest["files"][name]["sha256"] = hashlib.sha256(data).hexdigest()
    (sub / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.replace(b"\n", b",extra\n", 2),  # ragged: a long record
        lambda b: b.replace(b",RDR\n", b"\n", 1),  # ragged: a short record
        lambda b: b.replace(b"\n", b"\n\n", 2),  # a blank line inside
        lambda b: b.replace(b"assessment", b"assessm\xe9nt"),  # not UTF-8
        lambda b: b.replace(b"C1,", b'"C1,', 1),  # broken quoting
    ],
)
def test_unreadable_file_is_f05(tmp_path, base, ctx, mutate):
    sub = folder(tmp_path, base)
    _rewrite(sub, "contacts.csv", mutate((sub / "contacts.csv").read_bytes()))
    result = validate_submission(sub, ctx)
    assert rules(result) == [("F05", "contacts.csv", None)]


def test_bom_crlf_and_quoted_values_are_fine(tmp_path, base, ctx):
    sub = folder(tmp_path, base)
    data = (sub / "goals.csv").read_bytes().replace(b"\n", b"\r\n").replace(b",pain,", b',"pain",')
    _rewrite(sub, "goals.csv", b"\xef\xbb\xbf" + data)
    result = validate_submission(sub, ctx)
    assert result.status == "accepted", rules(result)


def test_missing_required_column_is_f06(tmp_path, base, ctx):
    sub = folder(tmp_path, base)
    # preferred_contact is optional, but its column is required; it is the last column
    lines = [line.rsplit(",", 1)[0] for line in (sub / "experience.csv").read_text().splitlines()]
    _rewrite(sub, "experience.csv", ("\n".join(lines) + "\n").encode())
    assert rules(validate_submission(sub, ctx)) == [("F06", "experience.csv", "preferred_contact")]


def test_more_than_half_quarantined_is_f07_and_only_e1_is_reported(tmp_path, base, ctx):
    for row in base["experience.csv"][:2]:
        row["fft_response"] = "9"
    result = validate_submission(folder(tmp_path, base), ctx)
    assert result.rejected
    assert rules(result) == [("F07", "experience.csv", None)]
    assert result.to_json() == {
        "status": "rejected",
        "files": {name: {"rows_in": len(rows), "rows_loaded": 0, "rows_quarantined": 0} for name, rows in base.items()},
        "findings": {"F07": 1},
    }


def test_checks_after_a_failed_one_are_skipped(tmp_path, base, ctx):
    # F02 stops the file checks: the missing file is not reported
    sub = folder(tmp_path, base, manifest_overrides={"period": "2099-01"})
    (sub / "goals.csv").unlink()
    assert [r[0] for r in rules(validate_submission(sub, ctx))] == ["F02"]


def test_a_submission_landed_under_another_trust_or_month_is_f02(tmp_path, base, ctx):
    sub = folder(tmp_path, base)  # the manifest says RDR 2026-09
    assert rules(validate_submission(sub, ctx, landed_as=("RDR", "2026-09"))) == []
    for landed in (("RXC", "2026-09"), ("RDR", "2026-08")):
        result = validate_submission(sub, ctx, landed_as=landed)
        assert result.rejected and rules(result) == [("F02", "manifest.json", "trust_ods_code")]
        assert "RDR 2026-09" in result.findings["message"][0].as_py()
        assert f"{landed[0]}/{landed[1]}" in result.findings["message"][0].as_py()
        # F02 stops the file checks: nothing is counted or loaded
        assert all(f.rows_in == 0 for f in result.files.values())


def test_a_period_before_the_networks_first_is_f02(tmp_path, base, ctx):
    first = ctx.registry.first_period
    before = folder(tmp_path, base, manifest_overrides={"period": "2023-12"})
    assert first == "2024-01"
    result = validate_submission(before, ctx)
    assert rules(result) == [("F02", "manifest.json", "period")]
    assert "before the network's first period, 2024-01" in result.findings["message"][0].as_py()
