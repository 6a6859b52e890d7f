"""Config YAML as an engineer writes it (issue 13 item 5): YAML 1.1 booleans and numbers in code
maps are read as the text written, and every mistake is a sentence naming the file, the line and
the key, never validator internals."""

from __future__ import annotations

from pathlib import Path

import pytest

from spasticity_pipeline.config import Clinical, ConfigError, Registry, Targets, load_yaml_model
from spasticity_pipeline.extract.dialect import Dialect
from spasticity_pipeline.settings import PROJECT_ROOT

SHIPPED = (PROJECT_ROOT / "config" / "dialects" / "ryr-careflow-epr.yaml").read_text()
QUOTED_YES_NO = '{"Yes": "Y", "No": "N"}'


def _load(tmp_path: Path, text: str, model=Dialect, name: str = "ryr-careflow-epr.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path, load_yaml_model(path, model)


def _error(tmp_path: Path, text: str, model=Dialect) -> tuple[Path, str]:
    path = tmp_path / "ryr-careflow-epr.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_yaml_model(path, model)
    message = str(exc.value)
    for internal in ("function-after", "function-before", "[type=", "pydantic", "Column]", "For further information"):
        assert internal not in message
    return path, message


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ("{Yes: Y, No: N}", {"Yes": "Y", "No": "N"}),
        ("{On: Y, Off: N}", {"On": "Y", "Off": "N"}),
        ("{y: Y, n: N}", {"y": "Y", "n": "N"}),
        ("{YES: Y, NO: N}", {"YES": "Y", "NO": "N"}),
        ("{true: Y, false: N}", {"true": "Y", "false": "N"}),
        ("{01: Y, 1:30: N}", {"01": "Y", "1:30": "N"}),  # YAML 1.1 would read 1 and 90
    ],
)
def test_unquoted_code_maps_are_read_as_written(tmp_path, codes, expected):
    _, dialect = _load(tmp_path, SHIPPED.replace(QUOTED_YES_NO, codes))
    assert dialect.tables["referrals.csv"].column("standard_route").codes == expected
    assert dialect.tables["goals.csv"].column("is_primary").codes == expected


def test_a_map_written_unquoted_decodes_like_the_shipped_one(tmp_path):
    import pyarrow as pa

    from spasticity_pipeline.extract.harmonise import decode_column

    _, dialect = _load(tmp_path, SHIPPED.replace(QUOTED_YES_NO, "{Yes: Y, No: N}"))
    source = pa.table({"STD_FORM": pa.array(["Yes", "No", "Maybe"], pa.string())})
    column = dialect.tables["referrals.csv"].column("standard_route")
    assert decode_column(column, source).to_pylist() == ["Y", "N", "Maybe"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ('codes: {M: "1", F: "2", I: "9", U: "X"}', "codes: [M, F]"),
            ", line 16, tables.patients.csv.columns.sex.codes: should be a mapping of key: value pairs",
        ),
        (
            ("nhs_number: NHS_NO", "nhs_number: {source: NHS_NO, constant: x}"),
            ", line 14, tables.patients.csv.columns.nhs_number: give exactly one of source, join or constant",
        ),
        (("delimiter:", "delimter:"), ", line 7, delimter: not a setting here (check its spelling and indentation)"),
        (
            (QUOTED_YES_NO, '{"Yes": "Y", "Yes": "N"}'),
            ", line 33, tables.referrals.csv.columns.standard_route.codes.Yes: given twice; keep one",
        ),
        (("tables:", "tables: ["), ", line 11, column 9: not valid YAML (expected ',' or ']', but got ':')"),
        (("    file: SPAS_GOALS.TXT\n", ""), ", line 70, tables.goals.csv.file: missing: this setting is required"),
    ],
)
def test_dialect_errors_are_sentences_with_file_line_and_key(tmp_path, edit, expected):
    path, message = _error(tmp_path, SHIPPED.replace(*edit, 1))
    assert message == f"{path}{expected}"


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [
        (
            Registry,
            "network: n\ntrusts:\n  - {ods: RDR, name: A, role: boss}\n",
            ", line 3, trusts.0.role: Input should be 'hub' or 'spoke'",
        ),
        (Registry, "network: n\ntrusts: []\nlocked_periods: ['2026-13']\n", ", line 3, locked_periods: '2026-13' is"),
        (
            Clinical,
            "versions:\n  - effective_from: 2026-01-01\n    min_reinjection_days: 84\n"
            "    dose_limits: {botox: {upper: 0, lower: 1, both: 1}, dysport: {upper: 1, lower: 1, both: 1},"
            " xeomin: {upper: 1, lower: 1, both: 1}}\n",
            ", line 4, versions.0.dose_limits.botox.upper: Input should be greater than 0",
        ),
        (Clinical, "versions:\n  - effective_from: someday\n", ", line 2, versions.0.effective_from: Input should"),
        (
            Targets,
            "version: x\nmetrics:\n  M01: {target: 1.5, amber: 0.4}\n",
            ", line 3, metrics.M01.target: Input should be less than or equal to 1",
        ),
        (Targets, "version: x\nmetrics: {M99: {target: 0.5, amber: 0.4}}\n", ": unknown metric id: M99"),
    ],
)
def test_every_config_file_errs_in_sentences(tmp_path, model, text, expected):
    path, message = _error(tmp_path, text, model)
    assert message.startswith(f"{path}{expected}"), message


def test_shipped_config_loads_the_same_with_text_scalars():
    from spasticity_pipeline.config import clinical, registry, targets

    v = clinical().versions[0]
    assert str(v.effective_from) == "2000-01-01" and v.dose_limits["dysport"].lower == 1500.0
    assert registry().submission_deadline_day == 15 and registry().quarantine_warn_share == 0.05
    assert targets().metrics["M01"].target == 0.92 and targets().version == "2026-11"
