"""The dbt project's copies of config stay equal to their sources."""

from __future__ import annotations

import csv
import re

import pytest

from spasticity_pipeline import dbt_copies
from spasticity_pipeline.bank_holidays import england, seed_csv
from spasticity_pipeline.config import Target, Targets, clinical, registry, targets
from spasticity_pipeline.contract.codes import ETHNIC_GROUP
from spasticity_pipeline.contract.fields import FILES
from spasticity_pipeline.contract.metrics import METRICS
from spasticity_pipeline.contract.rules import RULES
from spasticity_pipeline.defs.warehouse.dbt import PROJECT_DIR


def test_organisations_seed_is_the_registry():
    with open(PROJECT_DIR / "seeds" / "organisations.csv", encoding="utf-8") as f:
        seed = [(r["ods"], r["name"], r["role"], r["hub"] or None) for r in csv.DictReader(f)]
    assert seed == [(t.ods, t.name, t.role, t.hub) for t in registry().trusts]


def test_bank_holiday_seed_is_generated_and_right_on_known_years():
    assert (PROJECT_DIR / "seeds" / "england_bank_holidays.csv").read_text(encoding="utf-8") == seed_csv()
    days = {d.isoformat() for d in england(range(2026, 2027))}
    assert days == {
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-04",
        "2026-05-25",
        "2026-08-31",
        "2026-12-25",
        "2026-12-28",
    }  # Boxing Day 2026 is a Saturday: Monday 28 instead
    assert {d.isoformat() for d in england(range(2022, 2023))} >= {
        "2022-06-02",
        "2022-06-03",
        "2022-09-19",
        "2022-12-27",
    }
    # the calendar's whole span is known (core.dim_calendar: 2000–2035), royal one-offs included
    assert {d.isoformat() for d in england()} >= {"2002-06-03", "2011-04-29", "2012-06-05", "2035-12-25"}
    assert all(d.weekday() < 5 for d in england())


def test_rule_and_optional_field_lists_match_the_contract():
    macro = (PROJECT_DIR / "macros" / "contract.sql").read_text(encoding="utf-8")
    ids = [f"F0{i}" for i in range(1, 8)] + [f"R{i:02d}" for i in range(1, 11)] + [f"W0{i}" for i in range(1, 6)]
    assert ids == list(RULES)
    optional = {s.table: [f.name for f in s.fields if not f.required and not f.identifier] for s in FILES}
    for table, fields in optional.items():
        if fields:
            assert re.search(rf"'{table}': \[{', '.join(repr(f) for f in fields)}\]", macro), table


def _seed(name: str) -> list[dict[str, str]]:
    with open(PROJECT_DIR / "seeds" / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_clinical_limits_seed_is_the_clinical_config():
    seed = {
        (r["effective_from"], r["product"]): (
            float(r["upper_limb"]),
            float(r["lower_limb"]),
            float(r["both_limbs"]),
            int(r["min_reinjection_days"]),
        )
        for r in _seed("clinical_limits")
    }
    config = {
        (v.effective_from.isoformat(), product): (lim.upper, lim.lower, lim.both, v.min_reinjection_days)
        for v in clinical().versions
        for product, lim in v.dose_limits.items()
    }
    assert seed == config


def test_metric_targets_seed_is_written_from_the_targets_config():
    """config/targets.yaml is the one source: the seed is what it generates (``make generate``)."""
    seed = {r["metric_id"]: (float(r["target"]), float(r["amber"])) for r in _seed("metric_targets")}
    assert seed == {m: (t.target, t.amber) for m, t in targets().metrics.items()}
    assert seed["M01"] == (0.92, 0.85) and seed["M17"] == (0.08, 0.12)
    # a metric without a target has no row; values are written exactly
    other = Targets(version="x", metrics={"M11": Target(target=0.1, amber=0.3), "M02": Target(target=1 / 3, amber=0.2)})
    assert dbt_copies.metric_targets(other) == "metric_id,target,amber\nM02,0.3333333333333333,0.2\nM11,0.1,0.3\n"


def test_metric_and_ethnic_group_seeds_are_the_contract():
    assert [(r["metric_id"], r["metric_name"], r["domain"], r["better"]) for r in _seed("metrics")] == [
        (m.id, m.name, m.domain, m.better) for m in METRICS
    ]
    assert {r["ethnic_category"]: r["ethnic_group"] for r in _seed("ethnic_groups")} == ETHNIC_GROUP


def test_dataset_files_macro_is_the_contract():
    macro = (PROJECT_DIR / "macros" / "contract.sql").read_text(encoding="utf-8")
    files = dict(re.findall(r"'(\w+\.csv)': '(\w+)'", macro))
    assert files == {s.name: s.table for s in FILES}


def test_target_dir_and_logs_are_ignored():
    ignored = (PROJECT_DIR / ".gitignore").read_text(encoding="utf-8").split()
    assert {"target/", "logs/", "dbt_packages/"} <= set(ignored)


def test_every_generated_copy_is_current():
    """Seeds, the contract macros and sources.yml are what their sources give (``make generate``)."""
    assert dbt_copies.drifted() == [], "run make generate"


def test_drift_is_found_and_mended(tmp_path):
    for rel in dbt_copies.COPIES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(dbt_copies.COPIES[rel](), encoding="utf-8")
    assert dbt_copies.drifted(tmp_path) == []
    (tmp_path / "seeds/organisations.csv").write_text("ods,name,role,hub\nRDR,Somewhere,hub,\n", encoding="utf-8")
    (tmp_path / "macros/contract.sql").unlink()
    assert dbt_copies.drifted(tmp_path) == ["seeds/organisations.csv", "macros/contract.sql"]
    assert dbt_copies.write_all(tmp_path) == ["seeds/organisations.csv", "macros/contract.sql"]
    assert dbt_copies.drifted(tmp_path) == []


def test_a_raw_column_without_a_description_stops_the_generator(monkeypatch):
    from spasticity_pipeline.warehouse import column_docs

    monkeypatch.delitem(column_docs.RAW_COLUMNS, "patient_token")
    with pytest.raises(KeyError, match="raw.patients: no description for patient_token"):
        dbt_copies.sources()


def test_sources_list_every_column_the_loader_writes():
    import yaml

    from spasticity_pipeline.warehouse.schema import tables

    doc = yaml.safe_load((PROJECT_DIR / "models" / "staging" / "sources.yml").read_text(encoding="utf-8"))
    listed = {
        f"{src['schema']}.{t['name']}": [c["name"] for c in t["columns"]]
        for src in doc["sources"]
        for t in src["tables"]
    }
    for name, cols in listed.items():
        assert cols == [c for c, _ in tables()[name]], name
    assert set(listed) == {f"raw.{s.table}" for s in FILES} | {"audit.submissions", "audit.findings"}
