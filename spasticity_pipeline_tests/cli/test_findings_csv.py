"""`spasticity validate --findings-csv` (issue 13 item 2): every finding, one row each, in the
trust's terms, with no identifier and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from spasticity_pipeline.cli import main
from spasticity_pipeline.extract.dialect import load_dialect
from spasticity_pipeline.extract.encode import convert_submission
from spasticity_pipeline.reporting.findings_csv import COLUMNS

from ..validate.conftest import BASE, NHS_NUMBERS, write_submission


def _tables():
    return {k: [dict(r) for r in v] for k, v in BASE.items()}


def _faulty(tmp_path):
    t = _tables()
    # patient 1's rows (the first of each file); the other two patients stay clean (no F07)
    t["patients.csv"][0]["sex"] = "9434765919"  # an NHS number typed into the wrong column: R03
    t["referrals.csv"][0]["triage_date"] = "2026-02-30"  # R02 (before the cascade's R07)
    t["experience.csv"][0]["preferred_contact"] = "=HYPERLINK(1)"  # R03
    t["goals.csv"][0]["baseline_score"] = "5"  # R10
    t["patients.csv"][2]["postcode"] = "ZZ9 9ZZ"  # W03: not in the lookup
    for row in t["contacts.csv"]:
        row["=SUM(A1)"] = "x"  # an extra column with a formula for a name: W01
    return write_submission(tmp_path / "faulty", t)


def _read(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def _run(folder, out):
    res = CliRunner().invoke(main, ["validate", str(folder), "--json", "--findings-csv", str(out)])
    return res, json.loads(res.stdout)


def test_one_row_per_finding_no_identifier_no_formula(env_settings, tmp_path):
    out = tmp_path / "findings.csv"
    res, summary = _run(_faulty(tmp_path), out)
    assert res.exit_code == 0, res.output
    rows = _read(out)
    assert list(rows[0]) == list(COLUMNS)
    # R07: patient 1's 2 contacts, 2 injections, 1 adverse event, 2 measures
    assert summary["findings"] == {"R02": 1, "R03": 2, "R07": 7, "R10": 1, "W01": 1, "W03": 1}
    assert len(rows) == sum(summary["findings"].values())
    assert {r: sum(1 for x in rows if x["rule"] == r) for r in summary["findings"]} == summary["findings"]
    text = out.read_text(encoding="utf-8-sig")
    for identifier in (*NHS_NUMBERS, "9434765919", "4010232137", "ZZ9 9ZZ", "tn1 2ab", "TN1 2AB", "1960-05-17"):
        assert identifier not in text
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    w01 = next(r for r in rows if r["rule"] == "W01")
    assert w01["column"] == "'=SUM(A1)" and w01["file"] == "contacts.csv"


def test_rows_say_where_in_the_trusts_file_and_how_to_fix(env_settings, tmp_path):
    out = tmp_path / "findings.csv"
    _run(_faulty(tmp_path), out)
    rows = _read(out)
    r02 = next(r for r in rows if r["rule"] == "R02")
    # triage_date is the 7th column of referrals.csv; data row 1 is Excel row 2
    assert {k: r02[k] for k in ("file", "sheet", "row", "column", "cell", "severity")} == {
        "file": "referrals.csv",
        "sheet": "",
        "row": "1",
        "column": "triage_date",
        "cell": "G2",
        "severity": "E2",
    }
    assert r02["message"] == "triage_date is not a real date in YYYY-MM-DD form"
    assert r02["how_to_fix"].startswith("Dates must be real dates")
    assert [r["severity"] for r in rows] == sorted((r["severity"] for r in rows), key=["E1", "E2", "W"].index)


def test_a_workbook_finding_names_file_sheet_and_cell(env_settings, tmp_path):
    t = _tables()
    t["goals.csv"][2]["baseline_score"] = "5"
    canonical = write_submission(tmp_path / "c", t, trust="RYY")
    folder = convert_submission(canonical, tmp_path / "ryy", load_dialect("ryy-community-xlsx"))
    out = tmp_path / "findings.csv"
    res, summary = _run(folder, out)
    assert res.exit_code == 0 and summary["findings"] == {"R10": 1}
    [row] = _read(out)
    assert {k: row[k] for k in ("file", "sheet", "row", "column", "cell", "rule")} == {
        "file": "spasticity_extract.xlsx",
        "sheet": "Goals",
        "row": "3",
        "column": "Baseline",
        "cell": "H4",
        "rule": "R10",
    }


def test_a_rejected_submission_lists_its_e1_findings(env_settings, tmp_path):
    folder = write_submission(tmp_path / "s", _tables())
    (folder / "goals.csv").unlink()
    out = tmp_path / "findings.csv"
    res, summary = _run(folder, out)
    assert res.exit_code == 1 and summary["findings"] == {"F03": 1}
    [row] = _read(out)
    assert (row["file"], row["rule"], row["severity"], row["row"], row["cell"]) == ("goals.csv", "F03", "E1", "", "")


def test_a_column_made_of_two_names_both_cells(env_settings, tmp_path):
    t = _tables()
    t["patients.csv"][0]["postcode"] = "TN12"  # malformed: R03 on PostcodeOutward+PostcodeInward
    canonical = write_submission(tmp_path / "c", t, trust="RTK")
    folder = convert_submission(canonical, tmp_path / "rtk", load_dialect("rtk-rio-activity"))
    out = tmp_path / "findings.csv"
    _run(folder, out)
    row = next(r for r in _read(out) if r["rule"] == "R03")
    header = [h.strip('"') for h in (folder / "clients.csv").read_text(encoding="latin-1").splitlines()[0].split(";")]
    letters = [chr(ord("A") + header.index(c)) for c in ("PostcodeOutward", "PostcodeInward")]
    assert (row["file"], row["row"], row["column"]) == ("clients.csv", "1", "PostcodeOutward+PostcodeInward")
    assert row["cell"] == f"{letters[0]}2+{letters[1]}2"
    assert "TN12" not in row["message"]


def test_a_findings_csv_that_cannot_be_written_is_one_line(env_settings, tmp_path):
    (tmp_path / "afile").write_text("x")
    folder = write_submission(tmp_path / "s", _tables())
    res = CliRunner().invoke(main, ["validate", str(folder), "--findings-csv", str(tmp_path / "afile" / "f.csv")])
    assert res.exit_code == 2 and "cannot write" in res.output and "Traceback" not in res.output
    assert isinstance(res.exception, SystemExit)
