"""Dialects (spec §5, issue 4): transforms, round trips, source positions, bad dialect files."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from spasticity_pipeline.config import ConfigError, load_yaml_model
from spasticity_pipeline.extract.dialect import Column, Dialect, load_dialect
from spasticity_pipeline.extract.encode import convert_submission, encode_date
from spasticity_pipeline.extract.harmonise import column_letter, decode_column, decode_date, map_codes
from spasticity_pipeline.validate import validate_submission

from .conftest import write_submission

SHIPPED = ("ryr-careflow-epr", "ryy-community-xlsx", "rtk-rio-activity")
TRUST_OF = {"ryr-careflow-epr": "RYR", "ryy-community-xlsx": "RYY", "rtk-rio-activity": "RTK"}


def s(values):
    return pa.array(values, pa.string())


@pytest.mark.parametrize(
    ("fmt", "source", "iso"),
    [
        ("DD/MM/YYYY", "17/05/1960", "1960-05-17"),
        ("YYYYMMDD", "19600517", "1960-05-17"),
        ("DD-Mon-YYYY", "17-May-1960", "1960-05-17"),
        ("DD-Mon-YYYY", "7-may-1960", "1960-05-07"),
        ("excel", "46000", "2025-12-09"),  # 45658 is 2025-01-01
        ("excel", "2026-01-02", "2026-01-02"),  # a real date cell, already read as ISO
    ],
)
def test_decode_date(fmt, source, iso):
    assert decode_date(s([source]), fmt).to_pylist() == [iso]


@pytest.mark.parametrize("fmt", ["DD/MM/YYYY", "YYYYMMDD", "DD-Mon-YYYY", "excel"])
def test_dates_round_trip_and_bad_dates_pass_through(fmt):
    values = s(["2026-02-28", "1999-12-31", None])
    assert decode_date(encode_date(values, fmt), fmt).to_pylist() == values.to_pylist()
    assert decode_date(s(["31/02/2026x"]), fmt).to_pylist() == ["31/02/2026x"]


def test_unmapped_codes_pass_through_to_fail_r03():
    assert map_codes(s(["M", "F", "Q", None]), {"M": "1", "F": "2"}).to_pylist() == ["1", "2", "Q", None]


def test_join_split_constant_and_case():
    src = pa.table({"out": s(["tn1", None]), "in": s(["2ab", None]), "both": s(["Y/N", "/N"])})
    assert decode_column(Column(join=("out", "in"), case="upper"), src).to_pylist() == ["TN1 2AB", None]
    half = pa.table({"out": s(["tn1"]), "in": s([None])})
    assert decode_column(Column(join=("out", "in")), half).to_pylist() == ["tn1 "]
    assert decode_column(Column(source="both", sep="/", part=0), src).to_pylist() == ["Y", None]
    assert decode_column(Column(source="both", sep="/", part=1), src).to_pylist() == ["N", "N"]
    assert decode_column(Column(constant="RDR"), src).to_pylist() == ["RDR", "RDR"]


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def _dialect_submission(tmp_path, base, name, period="2026-09"):
    canonical = write_submission(tmp_path / "canonical", base, trust=TRUST_OF[name], period=period)
    return canonical, convert_submission(canonical, tmp_path / name, load_dialect(name))


@pytest.mark.parametrize("name", SHIPPED)
def test_dialect_gives_the_same_rows_and_findings_as_regional_v1(tmp_path, base, ctx, name):
    base["patients.csv"][1]["sex"] = "Q"  # an unmapped code: quarantined in both
    base["outcome_measures.csv"][4]["measure_date"] = "2026-02-31"  # an impossible date
    base["contacts.csv"][3]["contact_date"] = "2026-01-01"  # before the referral (and R08 beats R07)
    canonical, dialect = _dialect_submission(tmp_path, base, name)
    a, b = validate_submission(canonical, ctx), validate_submission(dialect, ctx)
    assert b.status == a.status == "accepted_with_warnings"
    assert b.counts_by_rule() == a.counts_by_rule() == {"R02": 1, "R03": 1, "R07": 9, "R08": 1}
    for file in a.files:
        drop = ["row_number"]
        assert b.files[file].loaded.drop_columns(drop).equals(a.files[file].loaded.drop_columns(drop)), file
        assert b.files[file].rows_quarantined == a.files[file].rows_quarantined


def test_findings_point_at_the_trusts_own_file_row_and_column_in_csv(tmp_path, base, ctx):
    base["patients.csv"][1]["sex"] = "Q"
    _, folder = _dialect_submission(tmp_path, base, "ryr-careflow-epr")
    finding = validate_submission(folder, ctx).findings.to_pylist()[0]
    assert (finding["file"], finding["row_number"], finding["field"], finding["rule_id"]) == (
        "SPAS_PATIENTS.TXT",
        2,
        "GENDER",
        "R03",
    )
    assert "'Q'" in finding["message"]


def test_findings_in_a_stacked_file_use_its_own_row_numbers(tmp_path, base, ctx):
    base["adverse_events.csv"][1]["severity"] = "awful"
    _, folder = _dialect_submission(tmp_path, base, "rtk-rio-activity")
    finding = validate_submission(folder, ctx).findings.to_pylist()[0]
    # six appointment rows come first in activity.csv, then the adverse events
    assert (finding["file"], finding["row_number"], finding["field"]) == ("activity.csv", 8, "AESeverity")


def test_findings_in_excel_name_sheet_row_and_cell(tmp_path, base, ctx):
    base["goals.csv"][2]["baseline_score"] = "5"
    _, folder = _dialect_submission(tmp_path, base, "ryy-community-xlsx")
    finding = validate_submission(folder, ctx).findings.to_pylist()[0]
    assert (finding["file"], finding["row_number"], finding["field"], finding["rule_id"]) == (
        "spasticity_extract.xlsx[Goals]",
        3,
        "Baseline",
        "R10",
    )
    assert finding["message"].endswith("(cell H4)")


def test_joined_source_columns_are_named_together(tmp_path, base, ctx):
    base["patients.csv"][0]["postcode"] = "TN12"
    _, folder = _dialect_submission(tmp_path, base, "rtk-rio-activity")
    finding = validate_submission(folder, ctx).findings.to_pylist()[0]
    assert finding["field"] == "PostcodeOutward+PostcodeInward"


def _manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def test_missing_mapped_column_is_f06_naming_the_mapping(tmp_path, base, ctx):
    _, folder = _dialect_submission(tmp_path, base, "ryr-careflow-epr")
    path = folder / "SPAS_PATIENTS.TXT"
    path.write_bytes(path.read_bytes().replace(b"GENDER", b"SEX"))
    manifest = _manifest(folder)
    import hashlib

    manifest["files"]["SPAS_PATIENTS.TXT"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = validate_submission(folder, ctx)
    assert result.rejected
    [finding] = result.findings.to_pylist()
    assert (finding["rule_id"], finding["file"], finding["field"]) == ("F06", "SPAS_PATIENTS.TXT", "GENDER")
    assert "maps sex of patients.csv from column 'GENDER'" in finding["message"]


def test_wrong_sheet_is_e1(tmp_path, base, ctx):
    from openpyxl import load_workbook

    _, folder = _dialect_submission(tmp_path, base, "ryy-community-xlsx")
    path = folder / "spasticity_extract.xlsx"
    wb = load_workbook(path)
    wb["Goals"].title = "Goals 2026"
    wb.save(path)
    manifest = _manifest(folder)
    import hashlib

    manifest["files"]["spasticity_extract.xlsx"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = validate_submission(folder, ctx)
    assert [(f["rule_id"], f["field"]) for f in result.findings.to_pylist()] == [("F03", "Goals")]


def test_not_a_workbook_is_f05(tmp_path, base, ctx):
    _, folder = _dialect_submission(tmp_path, base, "ryy-community-xlsx")
    path = folder / "spasticity_extract.xlsx"
    path.write_bytes(b"not a zip")
    manifest = _manifest(folder)
    import hashlib

    manifest["files"]["spasticity_extract.xlsx"]["sha256"] = hashlib.sha256(b"not a zip").hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert [f["rule_id"] for f in validate_submission(folder, ctx).findings.to_pylist()] == ["F05"]


def test_dialect_not_registered_for_the_trust_is_f02(tmp_path, base, ctx):
    canonical = write_submission(tmp_path / "c", base, trust="RDR")
    folder = convert_submission(canonical, tmp_path / "d", load_dialect("ryr-careflow-epr"))
    assert [f["rule_id"] for f in validate_submission(folder, ctx).findings.to_pylist()] == ["F02"]


def test_extra_source_columns_are_w01(tmp_path, base, ctx):
    for row in base["referrals.csv"]:
        row["consultant_name"] = "Dr X"
    _, folder = _dialect_submission(tmp_path, base, "ryr-careflow-epr")
    result = validate_submission(folder, ctx)
    assert [(f["rule_id"], f["file"], f["field"]) for f in result.findings.to_pylist()] == [
        ("W01", "SPAS_REFERRALS.TXT", "consultant_name")
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("name: x\ntables: {}\n", "no mapping for patients.csv"),
        (
            "name: x\ntables:\n  patients.csv: {file: a.csv, columns: {sex: {source: A, constant: '1'}}}\n",
            "give exactly one of source, join or constant",
        ),
        ("name: x\ntype: xls\ntables: {}\n", "type: Input should be 'csv' or 'xlsx'"),
    ],
)
def test_bad_dialect_files_say_which_key_is_wrong(tmp_path, text, error):
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_yaml_model(path, Dialect)
    assert str(path) in str(exc.value) and error in str(exc.value)


def test_shipped_dialects_load_and_are_registered():
    from spasticity_pipeline.config import registry

    for name in SHIPPED:
        assert load_dialect(name).name == name
        assert name in registry().trust(TRUST_OF[name]).dialects


def test_dialect_check_shows_mappings_gaps_and_a_masked_preview(tmp_path, base):
    from spasticity_pipeline.validate.dialect_check import check_dialect, format_report

    base["patients.csv"][0]["sex"] = "Q"
    base["referrals.csv"][1]["triage_date"] = "2026-13-45x"
    _, folder = _dialect_submission(tmp_path, base, "ryr-careflow-epr")
    (folder / "manifest.json").unlink()  # a sample needs no manifest
    report = check_dialect(load_dialect("ryr-careflow-epr"), folder)
    patients = next(t for t in report.tables if t.name == "patients.csv")
    sex = next(c for c in patients.columns if c.target == "sex")
    assert sex.unmapped_codes == {"Q": 1}
    assert sex.mapping.startswith("GENDER → codes(M→1")
    referrals = next(t for t in report.tables if t.name == "referrals.csv")
    assert next(c for c in referrals.columns if c.target == "triage_date").unparsed_dates == 1
    text = format_report(report)
    assert "needs attention" in text and "'Q'×1" in text
    assert "943 476 5919" not in text and "tn1 2ab" not in text.lower()  # identifiers are masked
    assert patients.preview[0]["nhs_number"] == "•••"


def test_dialect_check_reports_a_missing_mapped_column(tmp_path, base):
    from spasticity_pipeline.validate.dialect_check import check_dialect

    _, folder = _dialect_submission(tmp_path, base, "rtk-rio-activity")
    path = folder / "clients.csv"
    path.write_bytes(path.read_bytes().replace(b"SexCode", b"Sex"))
    report = check_dialect(load_dialect("rtk-rio-activity"), folder)
    assert not report.ok
    assert any("'SexCode'" in p and p.startswith("F06") for p in report.problems)
