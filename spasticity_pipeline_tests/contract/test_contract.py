"""The contract module against the spec's own statements, and the docs against the module."""

from __future__ import annotations

from pathlib import Path

import pytest

from spasticity_pipeline.config import (
    Clinical,
    ConfigError,
    Registry,
    Targets,
    clinical,
    load_yaml_model,
    registry,
    targets,
)
from spasticity_pipeline.contract import FILES, ROW_RULE_ORDER, RULES
from spasticity_pipeline.contract.docs import render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_contract_is_generated_from_the_code():
    assert (ROOT / "docs" / "contract.md").read_text() == render_markdown(), (
        "regenerate: python -m spasticity_pipeline.contract.docs > docs/contract.md"
    )


def test_every_rule_of_the_spec_is_defined_with_its_severity():
    expected = {
        **{f"F0{i}": "E1" for i in range(1, 8)},
        **{f"R{i:02d}": "E2" for i in range(1, 11)},
        **{f"W0{i}": "W" for i in range(1, 6)},
    }
    assert {r.id: r.severity for r in RULES.values()} == expected
    assert ROW_RULE_ORDER == ("R01", "R02", "R03", "R04", "R09", "R10", "R08", "R05", "R06", "R07")


def test_eight_files_in_parent_first_order():
    names = [f.name for f in FILES]
    assert len(names) == 8
    for f in FILES:
        if f.foreign_key:
            assert names.index(f.foreign_key.parent_file) < names.index(f.name)


def test_default_registry_is_the_kss_network():
    reg = registry()
    assert len(reg.trusts) == 12
    assert {t.ods for t in reg.trusts if t.role == "hub"} == {"RDR", "RWF", "RA2"}
    assert reg.trust("RN7").hub == "RWF"


def test_clinical_limits_are_effective_dated():
    import datetime as dt

    v = clinical().version_at(dt.date(2026, 6, 1))
    assert v.dose_limits["dysport"].lower == 1500 and v.min_reinjection_days == 84


@pytest.mark.parametrize(
    ("model", "text", "error"),
    [
        (
            Registry,
            "network: n\ntrusts:\n  - {ods: RDR, name: A, role: spoke, hub: XXX}\n",
            "spoke RDR names hub 'XXX'",
        ),
        (Registry, "network: n\ntrusts:\n  - {ods: RDR, name: A, role: boss}\n", "trusts.0.role"),
        (Registry, "network: n\ntrusts: []\nlocked_periods: ['2026-13']\n", "not a YYYY-MM period"),
        (
            Clinical,
            "versions:\n  - effective_from: 2026-01-01\n    min_reinjection_days: 84\n"
            "    dose_limits: {botox: {upper: 0, lower: 1, both: 1}}\n",
            "versions.0.dose_limits.botox.upper",
        ),
        (Clinical, "versions: [\n", "not valid YAML"),
        (Targets, "version: x\nmetrics: {M99: {target: 0.5, amber: 0.4}}\n", "unknown metric id: M99"),
        (Targets, "version: x\nmetrics: {M11: {target: 0.05, amber: 0.01}}\n", "M11: amber must be above"),
        (Targets, "version: x\nmetrics: {M01: {target: 1.5, amber: 0.4}}\n", "metrics.M01.target"),
    ],
)
def test_bad_config_names_the_file_and_key(tmp_path, model, text, error):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_yaml_model(path, model)
    assert str(path) in str(exc.value) and error in str(exc.value)


def test_shipped_targets_cover_every_metric():
    from spasticity_pipeline.contract.metrics import METRICS_BY_ID

    assert set(targets().metrics) == set(METRICS_BY_ID)
