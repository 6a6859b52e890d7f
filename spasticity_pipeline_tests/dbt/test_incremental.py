"""The incremental nightly gives the full rebuild's tables (issue 16.2), on DuckDB and on Postgres.

A synthetic network of a hub and its spoke (which sends a dialect, and shares patients with the hub)
is loaded submission by submission through the real loader into two warehouses at once. After each
step warehouse A runs the nightly's dbt incrementally and warehouse B rebuilds from scratch
(``--full-refresh``); every table of ``core`` and ``marts`` must then hold the same rows. The steps
include what makes incremental hard: a rejected upload and its correction, a resubmission of a
month, and — after later months have landed — a resubmission of the first month that withdraws
contacts, moves an injection date (so the previous-injection interval of later contacts changes) and
swaps two patients' NHS numbers (so their tokens move between people).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from spasticity_pipeline import landing
from spasticity_pipeline.defs.warehouse.dbt import dbt_env
from spasticity_pipeline.flow import build_context, process_submission
from spasticity_pipeline.synthetic import generate_network
from spasticity_pipeline.warehouse import open_warehouse

from ..conftest import PG_ADMIN, make_settings
from .conftest import failures, run_dbt

MONTHS = ["2026-05", "2026-06", "2026-07", "2026-08"]
T0 = dt.datetime(2026, 6, 3, 8, tzinfo=dt.UTC)
SCHEMAS = ("core", "marts")


def _restamp(folder: Path) -> None:
    """Recompute the manifest's sha256 and row counts after editing a submission's files."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest["files"].items():
        data = (folder / name).read_bytes()
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["rows"] = max(0, len(list(csv.reader(io.StringIO(data.decode("utf-8"))))) - 1)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _edit(path: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        columns, rows = list(reader.fieldnames or []), list(reader)
    rows = change(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, columns, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _rework(original: Path, out: Path) -> Path:
    """The first month sent again: two contacts withdrawn, an injection a week earlier, two
    patients' NHS numbers swapped."""
    shutil.copytree(original, out)

    def contacts(rows):
        injections = [r for r in rows if r["contact_type"] == "injection" and r["attendance"] == "attended"]
        moved = injections[0]
        moved["contact_date"] = (dt.date.fromisoformat(moved["contact_date"]) - dt.timedelta(days=7)).isoformat()
        withdrawn = {r["contact_id"] for r in rows if r["contact_type"] == "review"}
        return [r for r in rows if r["contact_id"] not in sorted(withdrawn)[:2]]

    def patients(rows):
        rows[0]["nhs_number"], rows[1]["nhs_number"] = rows[1]["nhs_number"], rows[0]["nhs_number"]
        return rows

    _edit(out / "contacts.csv", contacts)
    _edit(out / "patients.csv", patients)
    _restamp(out)
    return out


def _steps(root: Path) -> list[list[tuple[str, str, Path]]]:
    """Landing batches, in the order the network would send them."""
    subs = generate_network(
        root / "network", trusts=["RDR", "RYR"], months=MONTHS, patients=30, seed=5, fault_rate=0.05
    )
    by_month = {m: [(s.trust, s.period, s.folder) for s in subs if s.period == m] for m in MONTHS}
    first_rdr = [s.folder for s in subs if s.trust == "RDR" and s.period == MONTHS[0]][-1]  # the accepted one
    return [
        by_month[MONTHS[0]],
        by_month[MONTHS[1]],
        [s for s in by_month[MONTHS[2]] if s[0] == "RDR"],
        [s for s in by_month[MONTHS[2]] if s[0] == "RYR"] + by_month[MONTHS[3]],
        [("RDR", MONTHS[0], _rework(first_rdr, root / "rework"))],
    ]


def _plain(v: Any) -> Any:
    if isinstance(v, float | decimal.Decimal):
        return round(float(v), 9)
    return v


class Side:
    """One warehouse of the comparison: loads, dbt, and its core and marts tables as row multisets."""

    def __init__(self, home: Path, url: str) -> None:
        self.settings = make_settings(home, url)
        self.env = dbt_env(self.settings)
        self.work = home

    def load(self, batch: list[tuple[str, str, Path]], received: list[dt.datetime]) -> None:
        with open_warehouse(self.settings) as wh:
            wh.ensure_schema()
            ctx = build_context(self.settings, wh, dt.date(2026, 9, 20))
            for (trust, period, folder), at in zip(batch, received):
                sub = landing.submit(folder, self.settings, trust, period, received_at=at)
                process_submission(sub, self.settings, wh, ctx)

    def dbt(self, *args: str) -> None:
        res = run_dbt(["run", *args], self.env, self.work)
        assert not failures(res), failures(res)

    def modes(self) -> dict[str, str]:
        """How each incremental model was built by the last run (dbt_state.incremental_models)."""
        with open_warehouse(self.settings, read_only=True) as wh:
            rows = wh.query(
                "SELECT model_name, build_mode FROM dbt_state.incremental_models WHERE submission_id = '#fingerprint'"
            ).to_pylist()
        return {r["model_name"]: r["build_mode"] for r in rows}

    def tables(self) -> dict[str, Counter]:
        with open_warehouse(self.settings, read_only=True) as wh:
            names = wh.query(
                "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
                f"WHERE table_schema IN {SCHEMAS} ORDER BY 1"
            ).column("t")
            out = {}
            for name in names.to_pylist():
                cols = sorted(
                    wh.query(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_schema || '.' || table_name = ?",
                        (name,),
                    )
                    .column("column_name")
                    .to_pylist()
                )
                rows = wh.query(f"SELECT {', '.join(cols)} FROM {name}").to_pylist()
                out[name] = Counter(tuple(_plain(r[c]) for c in cols) for r in rows)
        return out


def _pg_databases(n: int) -> Iterator[list[str]]:
    names = [f"spasticity_incr_{uuid.uuid4().hex[:10]}" for _ in range(n)]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}" for name in names]
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=[pytest.param("duckdb"), pytest.param("postgres", marks=pytest.mark.postgres)])
def sides(request, tmp_path) -> Iterator[tuple[Side, Side]]:
    if request.param == "duckdb":
        yield (
            Side(tmp_path / "incremental", f"duckdb:///{tmp_path / 'incremental' / 'warehouse.duckdb'}"),
            Side(tmp_path / "full", f"duckdb:///{tmp_path / 'full' / 'warehouse.duckdb'}"),
        )
        return
    gen = _pg_databases(2)
    a, b = next(gen)
    try:
        yield Side(tmp_path / "incremental", a), Side(tmp_path / "full", b)
    finally:
        gen.close()


def test_incremental_after_each_step_equals_the_full_build(sides, tmp_path):
    incremental, full = sides
    steps = _steps(tmp_path)
    received = iter(T0 + dt.timedelta(days=i) for i in range(100))
    seeded = False
    for n, batch in enumerate(steps, 1):
        at = [next(received) for _ in batch]
        incremental.load(batch, at)
        full.load(batch, at)
        if not seeded:  # seeds once; the first run creates every table
            for side in sides:
                res = run_dbt(["seed"], side.env, side.work)
                assert not failures(res), failures(res)
            seeded = True
        incremental.dbt()
        full.dbt("--full-refresh")
        modes = incremental.modes()
        assert len(modes) >= 15
        if n == 1:
            assert set(modes.values()) == {"full"}
        else:  # never the fallback: every model took in the step by its keys
            assert set(modes.values()) <= {"incremental", "none"} and "incremental" in modes.values(), modes
            assert modes["fct_contact"] == modes["governance_metrics"] == "incremental"
        got, want = incremental.tables(), full.tables()
        assert set(got) == set(want)
        assert sum(len(c) for c in want.values()) > 1000, "the network is too small to mean anything"
        for name in want:
            assert got[name] == want[name], (
                f"step {n}: {name} differs: {len(got[name] - want[name])} rows only incremental, "
                f"{len(want[name] - got[name])} only full"
            )
