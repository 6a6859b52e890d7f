"""The generator's ground truth is what the pipeline finds, to the row and the rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from spasticity_pipeline import landing
from spasticity_pipeline.config import clinical, registry
from spasticity_pipeline.contract.rules import RULES
from spasticity_pipeline.flow import build_context, process_submission
from spasticity_pipeline.postcodes import load_lookup
from spasticity_pipeline.settings import SHIPPED_POSTCODE_LOOKUP
from spasticity_pipeline.synthetic import generate_network
from spasticity_pipeline.synthetic.postcodes import build_lookup
from spasticity_pipeline.validate import ValidationContext, validate_submission
from spasticity_pipeline.validate.context import HISTORY_SCHEMA
from spasticity_pipeline.warehouse import open_warehouse

from ..conftest import make_settings

TODAY = dt.date(2026, 11, 24)
#: the issue's network: 12 trusts × 12 months
MONTHS = [f"{y}-{m:02d}" for y, m in [(2025, 10), (2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 10)]]


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    out = tmp_path_factory.mktemp("network")
    subs = generate_network(out, months=MONTHS, patients=50, seed=5, fault_rate=0.05)
    return out, subs


@pytest.mark.slow
def test_every_rule_is_injected_somewhere(network):
    _, subs = network
    seen = Counter()
    for s in subs:
        seen.update(s.expected["findings"])
    assert set(seen) == set(RULES), sorted(set(RULES) - set(seen))
    statuses = Counter(s.expected["status"] for s in subs)
    assert statuses["rejected"] == 7 and statuses["accepted_with_warnings"] > 0


@pytest.mark.slow
def test_ground_truth_holds_through_the_whole_pipeline(network, tmp_path):
    """Every submission, landed in the generator's order and processed into the warehouse
    (so W05 sees earlier months), gives exactly its expected status, counts and findings."""
    out, subs = network
    settings = make_settings(tmp_path / "home", lookup=SHIPPED_POSTCODE_LOOKUP)
    truth = json.loads((out / "ground_truth.json").read_text())
    assert [t["expected"] for t in truth["submissions"]] == [s.expected for s in subs]
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    mismatches = []
    with open_warehouse(settings) as wh:
        wh.ensure_schema()
        ctx = build_context(settings, wh, TODAY)
        for s in sorted(subs, key=lambda s: s.order):
            landed = landing.submit(s.folder, settings, s.trust, s.period, start + dt.timedelta(minutes=s.order))
            got = process_submission(landed, settings, wh, ctx)
            got_json = {"status": got.status, "files": got.files, "findings": got.findings}
            if got_json != s.expected:
                mismatches.append((s.folder.relative_to(out), s.expected, got_json))
        stats = wh.query(
            "SELECT count(*) AS n, count(*) FILTER (WHERE superseded) AS sup, "
            "count(*) FILTER (WHERE status = 'rejected') AS rejected FROM audit.submissions"
        ).to_pylist()[0]
    assert mismatches == []
    # the plain resubmission supersedes its original; a rejected submission is never current,
    # so its corrected resubmission supersedes nothing
    assert stats == {"n": len(subs), "sup": 1, "rejected": 7}


def _hmac_tokeniser(values: pa.Array) -> pa.Array:
    distinct = pc.unique(values).drop_null()
    tokens = pa.array(
        [hmac.new(b"synthetic-test", v.encode(), hashlib.sha256).hexdigest() for v in distinct.to_pylist()], pa.string()
    )
    return pc.take(tokens, pc.index_in(values, distinct))


def _attended_injections(result, period: str) -> pa.Table:
    c = result.files["contacts.csv"].loaded
    c = c.filter(pc.and_(pc.equal(c["contact_type"], "injection"), pc.equal(c["attendance"], "attended")))
    return pa.table(
        {
            "contact_id": c["contact_id"],
            "period": pa.array([period] * c.num_rows, pa.string()),
            "patient_token": c["patient_token"],
            "contact_date": c["contact_date"],
            "contact_type": c["contact_type"],
            "attendance": c["attendance"],
        }
    ).cast(HISTORY_SCHEMA)


@pytest.mark.slow
def test_ground_truth_is_what_validate_finds_in_order_and_standalone(network):
    """The validator alone, in the generator's order, with W05's history kept in memory (the
    current data of each trust's other periods: the latest accepted submission wins) gives every
    expected result; a submission validated on its own (no history) gives the same, because an
    injected W05 always has both contacts in the snapshot."""
    _, subs = network
    subs = [s for s in subs if s.period in MONTHS[:2]]  # the whole-pipeline test above covers every month
    current: dict[tuple[str, str], pa.Table] = {}

    def history(trust: str, period: str) -> pa.Table:
        tables = [t for (tr, p), t in current.items() if tr == trust and p != period]
        return pa.concat_tables(tables) if tables else HISTORY_SCHEMA.empty_table()

    ctx = ValidationContext(
        registry(), clinical(), TODAY, load_lookup(SHIPPED_POSTCODE_LOOKUP), _hmac_tokeniser, contact_history=history
    )
    alone = ValidationContext(registry(), clinical(), TODAY, ctx.postcode_lookup, _hmac_tokeniser)
    mismatches = []
    for s in sorted(subs, key=lambda s: s.order):
        got = validate_submission(s.folder, ctx)
        if got.to_json() != s.expected:
            mismatches.append((s.folder.name, s.trust, s.period, s.expected, got.to_json()))
        if "W05" in s.expected["findings"] and validate_submission(s.folder, alone).to_json() != s.expected:
            mismatches.append((s.folder.name, s.trust, s.period, "standalone"))
        if not got.rejected:
            current[(s.trust, s.period)] = _attended_injections(got, s.period)
    assert mismatches == []
    assert sum(s.expected["findings"].get("W05", 0) for s in subs) > 0


def test_dialect_trusts_send_the_same_rows_as_regional_v1(tmp_path):
    """RYR (pipe cp1252), RYY (Excel) and RTK (combined activity file) harmonise to exactly
    the rows their regional-v1 twins load; the two networks are the same submissions in the same
    order with the same ground truth (E1 faults sit on trusts without a dialect either way)."""
    kw = dict(trusts=["RDR", "RYR", "RYY", "RTK"], months=["2026-09"], patients=120, seed=9, fault_rate=0.05)
    dialect = generate_network(tmp_path / "d", dialects=True, **kw)
    plain = generate_network(tmp_path / "p", dialects=False, **kw)
    assert [(s.trust, s.period, s.order, s.expected) for s in dialect] == [
        (s.trust, s.period, s.order, s.expected) for s in plain
    ]
    assert any(s.expected["status"] == "rejected" for s in dialect)
    settings = make_settings(tmp_path / "home", lookup=SHIPPED_POSTCODE_LOOKUP)
    ctx = build_context(settings, None, TODAY)
    for a, b in zip(dialect, plain, strict=True):
        if a.trust == "RDR":  # no dialect: the very same files
            assert {p.name: p.read_bytes() for p in a.folder.iterdir()} == {
                p.name: p.read_bytes() for p in b.folder.iterdir()
            }
            continue
        ra, rb = validate_submission(a.folder, ctx), validate_submission(b.folder, ctx)
        assert ra.format != "regional-v1" and rb.format == "regional-v1"
        assert ra.to_json() == rb.to_json() == a.expected == b.expected
        for name, f in ra.files.items():
            cols = [c for c in f.loaded.column_names if c != "row_number"]
            assert (
                f.loaded.select(cols)
                .sort_by([(cols[0], "ascending")])
                .equals(rb.files[name].loaded.select(cols).sort_by([(cols[0], "ascending")]))
            ), name


def test_same_seed_same_bytes_and_a_clean_network_is_all_accepted(tmp_path):
    kw = dict(trusts=["RDR", "RYY"], months=["2026-09"], patients=80, seed=4)

    def digest(root):
        return {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    generate_network(tmp_path / "a", **kw)
    generate_network(tmp_path / "b", **kw)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    clean = generate_network(tmp_path / "c", fault_rate=0, **kw)
    settings = make_settings(tmp_path / "home", lookup=SHIPPED_POSTCODE_LOOKUP)
    ctx = build_context(settings, None, TODAY)
    assert {validate_submission(s.folder, ctx).status for s in clean} == {"accepted"}


def test_hub_and_spoke_share_patients_by_token(tmp_path):
    subs = generate_network(
        tmp_path / "n",
        trusts=["RDR", "RYR", "RXC"],
        months=["2026-09"],
        patients=200,
        seed=2,
        fault_rate=0,
        dialects=False,
    )
    settings = make_settings(tmp_path / "home", lookup=SHIPPED_POSTCODE_LOOKUP)
    ctx = build_context(settings, None, TODAY)
    tokens = {
        s.trust: set(
            pc.unique(
                validate_submission(s.folder, ctx).files["patients.csv"].loaded.column("patient_token")
            ).to_pylist()
        )
        for s in subs
    }
    assert tokens["RDR"] & tokens["RYR"] and tokens["RDR"] & tokens["RXC"]
    assert not tokens["RYR"] & tokens["RXC"]  # spokes of one hub do not share by construction


def test_shipped_postcode_lookup_is_the_generated_one():
    import pyarrow.csv as pacsv

    shipped = pacsv.read_csv(SHIPPED_POSTCODE_LOOKUP)
    built = build_lookup()
    assert shipped.column("postcode").to_pylist() == built.column("postcode").to_pylist()
    assert shipped.num_rows > 3000


@pytest.mark.slow
def test_warehouse_from_dialects_equals_warehouse_from_regional_v1(tmp_path):
    """Issue 4's 'done when': the same network, sent in dialects or all in regional-v1, loads the
    same raw rows (row numbers and submission ids aside: they are the trust's own files')."""
    kw = dict(
        trusts=["RDR", "RYR", "RYY", "RTK"],
        months=["2026-08", "2026-09"],
        patients=60,
        seed=8,
        fault_rate=0.05,
        e1_faults=False,
    )
    contents = []
    for name, dialects in (("dialects", True), ("plain", False)):
        subs = generate_network(tmp_path / name, dialects=dialects, **kw)
        settings = make_settings(tmp_path / f"home-{name}", lookup=SHIPPED_POSTCODE_LOOKUP)
        with open_warehouse(settings) as wh:
            wh.ensure_schema()
            ctx = build_context(settings, wh, TODAY)
            for s in sorted(subs, key=lambda s: s.order):
                sub = landing.submit(
                    s.folder,
                    settings,
                    s.trust,
                    s.period,
                    dt.datetime(2026, 10, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=s.order),
                )
                process_submission(sub, settings, wh, ctx)
            tables = {}
            for t in (
                "patients",
                "referrals",
                "contacts",
                "injections",
                "adverse_events",
                "goals",
                "outcome_measures",
                "experience",
            ):
                rows = wh.query(f"SELECT * FROM raw.{t}").to_pylist()
                tables[t] = sorted(
                    tuple((k, str(v)) for k, v in r.items() if k not in ("submission_id", "row_number")) for r in rows
                )
            tables["quarantined"] = sorted(
                (r["trust_ods_code"], r["period"], r["n"])
                for r in wh.query(
                    "SELECT trust_ods_code, period, sum(rows_quarantined) AS n FROM audit.submissions GROUP BY 1, 2"
                ).to_pylist()
            )
        contents.append(tables)
    assert contents[0]["contacts"] and contents[0] == contents[1]
