"""manifest.json (spec §1, §10; issue 13 item 1, issue 14 item 6): hostile manifests give F01/F02
findings, never a traceback; F04 says what differs in the trust's terms and how to fix it."""

from __future__ import annotations

import hashlib
import json
import pathlib

import pytest

from spasticity_pipeline.extract.dialect import load_dialect
from spasticity_pipeline.extract.encode import convert_submission
from spasticity_pipeline.extract.manifest import MAX_DEPTH, FileEntry, Manifest, read_manifest
from spasticity_pipeline.validate import validate_submission

from .conftest import write_submission


def _findings(result):
    return [(f["rule_id"], f["field"], f["message"]) for f in result.findings.to_pylist()]


def _with_manifest(folder, text: bytes | str):
    (folder / "manifest.json").write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


def _manifest(folder) -> dict:
    return json.loads((folder / "manifest.json").read_text())


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda m: "[" * 1000 + "]" * 1000, "1000 levels deep"),
        (lambda m: json.dumps({**m, "files": {"x": {"a": [[[[[[[[[1]]]]]]]]]}}}), "levels deep"),
        (lambda m: json.dumps(m)[:-1] + ', "n": ' + "7" * 5000 + "}", "number too large"),
        (lambda m: json.dumps(m).replace('"rows": 3', '"rows": 1e999', 1), "number too large"),
        (lambda m: json.dumps(m).replace('"rows": 3', '"rows": NaN', 1), "not valid JSON"),
        (lambda m: b"\xff\xfe{}", "not UTF-8"),
        (lambda m: json.dumps([m]), "must hold a JSON object"),
        (lambda m: json.dumps({**m, "files": ["patients.csv"]}), "'files' must be an object"),
        (lambda m: json.dumps({**m, "generated_at": 20261004}), "'generated_at' must be text"),
        (lambda m: json.dumps({k: v for k, v in m.items() if k != "period"}), "lacks required key(s): period"),
        (lambda m: b" " * (2 << 20), "larger than 1024 KB"),
    ],
)
def test_hostile_manifests_are_f01_with_a_clear_message(tmp_path, base, ctx, make, words):
    folder = write_submission(tmp_path / "s", base)
    _with_manifest(folder, make(_manifest(folder)))
    result = validate_submission(folder, ctx)
    assert result.rejected
    [(rule, _, message)] = _findings(result)
    assert rule == "F01" and words in message, message
    assert result.to_json()["status"] == "rejected"


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("format", ["regional-v1"], "format must be text"),
        ("format", {"name": "regional-v1"}, "format must be text"),
        ("trust_ods_code", 42, "trust_ods_code must be text"),
        ("spec_version", None, "spec_version must be the text regional-v1"),
        ("period", 202609, "period must be YYYY-MM text"),
        ("period", "0000-01", "period must be YYYY-MM with a month from 01 to 12"),
        ("period", "2026-13", "period must be YYYY-MM with a month from 01 to 12"),
    ],
)
def test_wrong_types_and_impossible_periods_are_f02(tmp_path, base, ctx, key, value, words):
    folder = write_submission(tmp_path / "s", base, manifest_overrides={key: value})
    result = validate_submission(folder, ctx)
    assert [(r, f) for r, f, _ in _findings(result)] == [("F02", key)]
    assert words in _findings(result)[0][2]


def test_a_wrong_type_and_a_wrong_value_are_each_one_f02(tmp_path, base, ctx):
    folder = write_submission(tmp_path / "s", base, manifest_overrides={"format": [1], "trust_ods_code": "ZZZ"})
    assert sorted(f for _, f, _ in _findings(validate_submission(folder, ctx))) == ["format", "trust_ods_code"]


def test_an_unreadable_manifest_is_f01(tmp_path, base, ctx, monkeypatch):
    folder = write_submission(tmp_path / "s", base)
    real_open = pathlib.Path.open

    def guarded(self, *args, **kwargs):  # tests run as root, where chmod 000 still reads
        if self.name == "manifest.json":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", guarded)
    [(rule, _, message)] = _findings(validate_submission(folder, ctx))
    assert rule == "F01" and message == "manifest.json cannot be read (permission denied)"


def test_a_folder_named_manifest_json_is_f01(tmp_path, base, ctx):
    folder = write_submission(tmp_path / "s", base)
    (folder / "manifest.json").unlink()
    (folder / "manifest.json").mkdir()
    assert _findings(validate_submission(folder, ctx)) == [("F01", None, "manifest.json is not a file")]


@pytest.mark.parametrize(
    ("entry", "rule", "field"),
    [
        ("not an object", "F04", None),  # counts as not listed
        ({"sha256": 12, "rows": 3}, "F04", "sha256"),
        ({"rows": 3}, "F04", "sha256"),
        ({"sha256": "SHA", "rows": True}, "F04", "rows"),  # true is not 1
        ({"sha256": "SHA", "rows": -1}, "F04", "rows"),
        ({"sha256": "SHA", "rows": "3"}, "F04", "rows"),
        ({"sha256": "SHA", "rows": 10**12}, "F04", "rows"),
    ],
)
def test_a_damaged_file_entry_is_f04_at_the_check_it_breaks(tmp_path, base, ctx, entry, rule, field):
    folder = write_submission(tmp_path / "s", base)
    manifest = _manifest(folder)
    if isinstance(entry, dict) and entry.get("sha256") == "SHA":
        entry["sha256"] = manifest["files"]["goals.csv"]["sha256"].upper()  # hex case does not matter
    manifest["files"]["goals.csv"] = entry
    _with_manifest(folder, json.dumps(manifest))
    assert [(r, f) for r, f, _ in _findings(validate_submission(folder, ctx))] == [(rule, field)]


def test_whole_number_floats_count_and_a_damaged_extra_entry_is_ignored(tmp_path, base, ctx):
    folder = write_submission(tmp_path / "s", base)
    manifest = _manifest(folder)
    manifest["files"]["goals.csv"]["rows"] = 3.0
    manifest["files"]["notes.txt"] = [[["anything"]]]
    manifest["uploaded_by"] = {"any": "thing"}  # other top-level keys are ignored
    _with_manifest(folder, json.dumps(manifest))
    assert validate_submission(folder, ctx).status == "accepted"


def test_f04_says_what_the_manifest_says_and_what_the_file_has(tmp_path, base, ctx):
    folder = write_submission(tmp_path / "s", base, trust="RDR", period="2026-09")
    manifest = _manifest(folder)
    manifest["files"]["goals.csv"]["rows"] = 2
    _with_manifest(folder, json.dumps(manifest))
    [(rule, field, message)] = _findings(validate_submission(folder, ctx))
    assert (rule, field) == ("F04", "rows")
    assert message.startswith("goals.csv: manifest says 2 data rows, file has 3;")
    assert "spasticity manifest FOLDER --trust RDR --period 2026-09 --force" in message


def test_f04_on_a_changed_file_points_at_spasticity_manifest(tmp_path, base, ctx):
    folder = write_submission(tmp_path / "s", base)
    (folder / "goals.csv").write_bytes((folder / "goals.csv").read_bytes() + b"\n")
    [(rule, field, message)] = _findings(validate_submission(folder, ctx))
    assert (rule, field) == ("F04", "sha256")
    assert "goals.csv has changed since manifest.json was written" in message and "spasticity manifest" in message


def _workbook_submission(tmp_path, base):
    canonical = write_submission(tmp_path / "c", base, trust="RYY")
    return convert_submission(canonical, tmp_path / "ryy", load_dialect("ryy-community-xlsx"))


def test_f04_on_a_workbook_names_each_sheet_that_differs(tmp_path, base, ctx):
    folder = _workbook_submission(tmp_path, base)
    manifest = _manifest(folder)
    rows = manifest["files"]["spasticity_extract.xlsx"]["rows"]
    assert rows["Goals"] == 3 and set(rows) == {
        "Patients",
        "Referrals",
        "Contacts",
        "Injections",
        "Adverse Events",
        "Goals",
        "Measures",
        "Experience",
    }
    rows["Goals"], rows["Measures"] = 4, 5
    _with_manifest(folder, json.dumps(manifest))
    [(rule, field, message)] = _findings(validate_submission(folder, ctx))
    assert (rule, field) == ("F04", "rows")
    assert message.startswith(
        "spasticity_extract.xlsx: sheet Goals: manifest says 4, file has 3; "
        "sheet Measures: manifest says 5, file has 6 (data rows);"
    )


def test_f04_when_a_workbook_has_one_count_instead_of_one_per_sheet(tmp_path, base, ctx):
    folder = _workbook_submission(tmp_path, base)
    manifest = _manifest(folder)
    manifest["files"]["spasticity_extract.xlsx"]["rows"] = 33
    _with_manifest(folder, json.dumps(manifest))
    [(rule, _, message)] = _findings(validate_submission(folder, ctx))
    assert rule == "F04" and "gives one row count for the workbook; it needs one per sheet" in message


def test_the_model_round_trips_and_writes_atomically(tmp_path):
    m = Manifest(
        spec_version="regional-v1",
        trust_ods_code="RDR",
        period="2026-09",
        format="regional-v1",
        generated_at="2026-10-04T09:12:00Z",
        files={"patients.csv": FileEntry(sha256=hashlib.sha256(b"x").hexdigest(), rows=3)},
    )
    path = m.write(tmp_path)
    assert read_manifest(tmp_path) == m
    assert json.loads(path.read_text())["files"]["patients.csv"]["rows"] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]  # no temporary file left
    with pytest.raises(FileExistsError):
        m.write(tmp_path, force=False)
    assert MAX_DEPTH >= 4  # root → files → entry → rows per sheet
