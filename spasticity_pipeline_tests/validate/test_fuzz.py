"""Property test (issue 14 item 6): real submissions of the three formats (regional-v1 CSV, the
pipe-delimited cp1252 dialect RYR, the workbook dialect RYY), damaged by hypothesis and
restamped (sha256, and the row counts where the file still reads) so the checks past F04 run.

Whatever the damage, validation gives a result, never a traceback or a hang: a status, rows
conserved per file (rows_in = loaded + quarantined; nothing of a rejected submission), known
rule IDs, no NUL byte in what would be loaded, no identifier in a finding's message. Most cases
run in-process against ``validate_submission``; a few through the real ``spasticity validate
--json`` (exit 0/1, a JSON summary on stdout, no traceback).

Profiles: ``make test`` runs about 2,250 cases, derandomised (the same ones every run; ``make
test-fast`` leaves them out); ``SPASTICITY_FUZZ=long`` runs 30,000 in-process and 300 CLI cases,
random ones, for a manual soak:

    SPASTICITY_FUZZ=long .venv/bin/python -m pytest spasticity_pipeline_tests/validate/test_fuzz.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spasticity_pipeline.contract.rules import RULES
from spasticity_pipeline.extract.dialect import load_dialect
from spasticity_pipeline.extract.read import UnreadableFile, read_csv_text
from spasticity_pipeline.extract.xlsx import read_workbook
from spasticity_pipeline.flow import build_context
from spasticity_pipeline.settings import SHIPPED_POSTCODE_LOOKUP
from spasticity_pipeline.synthetic import generate_network
from spasticity_pipeline.validate import validate_submission

from ..conftest import make_settings
from .hostile import restamp
from .mutations import byte_damage, manifest_damage, workbook_damage

LONG = os.environ.get("SPASTICITY_FUZZ") == "long"
#: (in-process cases of damaged files — half as many of damaged manifests —, CLI cases): CI's
#: budget (about 2,250 cases, derandomised so every run checks the same ones), or a manual soak
BUDGET = (20_000, 300) if LONG else (1500, 8)
#: a case that takes longer than this has hung (generous: CI machines are shared)
CASE_SECONDS = 120
TRUSTS = {"RDR": "regional-v1", "RYR": "ryr-careflow-epr", "RYY": "ryy-community-xlsx"}
STATUSES = {"accepted", "accepted_with_warnings", "rejected"}

common = settings(
    deadline=None,
    database=None,
    derandomize=not LONG,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail a case that runs too long (interrupts Python code; a hang in C shows as the test's
    own timeout)."""

    def alarm(*_):
        raise Hang(f"no result after {seconds}s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, Path]:
    """One real submission per format (small: the damage is the point), with its identifiers."""
    root = tmp_path_factory.mktemp("fuzz")
    subs = generate_network(
        root, trusts=list(TRUSTS), months=["2026-09"], patients=12, seed=5, fault_rate=0.05, e1_faults=False
    )
    return {s.trust: s.folder for s in subs}


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    home = tmp_path_factory.mktemp("fuzz-home")
    return build_context(make_settings(home, lookup=SHIPPED_POSTCODE_LOOKUP), None, dt.date(2026, 11, 24))


@pytest.fixture(scope="module")
def identifiers(bases) -> set[str]:
    """NHS numbers and postcodes of the base submissions: never in a finding's message."""
    canonical = read_csv_text(bases["RDR"] / "patients.csv").table
    values = canonical.column("nhs_number").to_pylist() + canonical.column("postcode").to_pylist()
    return {v for v in values if v and len(v) >= 6}


def _source_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "manifest.json")


def _rows(path: Path, trust: str) -> int | dict[str, int] | None:
    """The file's rows as the reader counts them, or None when it no longer reads."""
    dialect = load_dialect(TRUSTS[trust]) if trust != "RDR" else None
    try:
        if dialect is not None and dialect.type == "xlsx":
            wanted = [t.sheet for t in dialect.tables.values() if t.sheet]
            return {s: t.num_rows for s, t in read_workbook(path, wanted).items()}
        if dialect is not None:
            return read_csv_text(
                path, delimiter=dialect.delimiter, quotechar=dialect.quotechar, encoding=dialect.encoding
            ).num_rows
        return read_csv_text(path).num_rows
    except UnreadableFile:
        return None


@st.composite
def damaged(draw, bases: dict[str, Path], manifest: bool = False) -> tuple[str, str, list[str], bool]:
    """(trust, file, what was done, restamp rows?) drawn; the damage is applied by ``apply``."""
    trust = draw(st.sampled_from(sorted(TRUSTS)))
    name = "manifest.json" if manifest else draw(st.sampled_from(_source_files(bases[trust])))
    strategy = manifest_damage() if manifest else workbook_damage() if name.endswith(".xlsx") else byte_damage()
    steps = draw(st.lists(strategy, min_size=1, max_size=3))
    return trust, name, steps, draw(st.booleans())


def apply(base: Path, case, into: Path) -> Path:
    trust, name, steps, restamp_rows = case
    folder = into / trust
    shutil.copytree(base, folder)
    data = (folder / name).read_bytes()
    for _, mutate in steps:
        data = mutate(data)
    if name == "manifest.json":
        (folder / name).write_bytes(data)
    else:  # sha256 always (so the checks past F04 run), rows where the file still reads
        restamp(folder, name, data)
        if restamp_rows:
            restamp(folder, name, data, _rows(folder / name, trust))
    return folder


def check(result, identifiers: set[str]) -> None:
    assert result.status in STATUSES
    summary = json.loads(json.dumps(result.to_json()))
    for name, f in summary["files"].items():
        assert min(f.values()) >= 0, name
        if result.rejected:
            assert f["rows_loaded"] == f["rows_quarantined"] == 0, name
        else:
            assert f["rows_in"] == f["rows_loaded"] + f["rows_quarantined"], name
    findings = result.findings.to_pylist()
    assert all(f["rule_id"] in RULES for f in findings)
    assert result.rejected == any(f["severity"] == "E1" for f in findings)
    for f in findings:
        assert "\x00" not in f["message"] and not any(i in f["message"] for i in identifiers), f
    if not result.rejected:
        for outcome in result.files.values():
            for table in (outcome.loaded, outcome.quarantined):
                for col in table.columns if table is not None else []:
                    if pa.types.is_string(col.type) and col.null_count < len(col):
                        assert not pc.any(pc.match_substring(col, "\x00")).as_py()


def _run(bases, ctx, identifiers, case) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = apply(bases[case[0]], case, Path(tmp))
        with time_limit(CASE_SECONDS):
            result = validate_submission(folder, ctx)
        check(result, identifiers)


@pytest.mark.parametrize("trust", sorted(TRUSTS))
def test_the_bases_are_accepted(bases, ctx, identifiers, trust):
    result = validate_submission(bases[trust], ctx)
    assert result.status == "accepted_with_warnings"
    check(result, identifiers)


@pytest.mark.slow
@given(data=st.data())
@settings(common, max_examples=BUDGET[0])
def test_damaged_files_give_findings_not_crashes(bases, ctx, identifiers, data):
    _run(bases, ctx, identifiers, data.draw(damaged(bases)))


@pytest.mark.slow
@given(data=st.data())
@settings(common, max_examples=BUDGET[0] // 2)
def test_damaged_manifests_give_findings_not_crashes(bases, ctx, identifiers, data):
    _run(bases, ctx, identifiers, data.draw(damaged(bases, manifest=True)))


def _cli(folder: Path, home: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SPASTICITY_HOME": str(home),
        "SPASTICITY_POSTCODE_LOOKUP": str(SHIPPED_POSTCODE_LOOKUP),
        "SPASTICITY_PSEUDONYM_KEY": "fuzz-key",
    }
    script = Path(sys.executable).parent / "spasticity"
    return subprocess.run(
        [str(script), "validate", "--json", str(folder)], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.slow
@given(data=st.data())
@settings(common, max_examples=BUDGET[1])
def test_the_cli_answers_damaged_submissions_with_json(bases, identifiers, data, tmp_path_factory):
    case = data.draw(damaged(bases))
    with tempfile.TemporaryDirectory() as tmp:
        folder = apply(bases[case[0]], case, Path(tmp))
        res = _cli(folder, tmp_path_factory.mktemp("cli-home"))
    assert "Traceback" not in res.stderr, res.stderr
    assert res.returncode in (0, 1), (res.returncode, res.stderr)
    summary = json.loads(res.stdout)
    assert summary["status"] in STATUSES and (res.returncode == 1) == (summary["status"] == "rejected")
    for name, f in summary["files"].items():
        conserved = f["rows_in"] == f["rows_loaded"] + f["rows_quarantined"]
        assert conserved if summary["status"] != "rejected" else f["rows_loaded"] == f["rows_quarantined"] == 0, name
