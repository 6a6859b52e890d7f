"""Any JSON in any manifest key, and damaged manifest bytes, give F01/F02/F04 findings — never an
exception (issue 14 item 6, manifest part). Property-based: hypothesis draws the values."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spasticity_pipeline.extract.manifest import ManifestProblems, parse_manifest
from spasticity_pipeline.validate import validate_submission

from .conftest import BASE, write_submission

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
KEYS = ("spec_version", "trust_ods_code", "period", "format", "generated_at", "files")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """One submission; each example rewrites only its manifest."""
    folder = write_submission(tmp_path_factory.mktemp("s"), BASE)
    return folder, (folder / "manifest.json").read_text()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(KEYS), value=JSON, entry=st.booleans())
def test_any_value_in_any_key_is_a_finding(folder, ctx, key, value, entry):
    folder, original = folder
    manifest = json.loads(original)
    if entry:  # inside a file's entry instead of at the top
        manifest["files"]["goals.csv"][key] = value
    else:
        manifest[key] = value
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = validate_submission(folder, ctx)
    rules = set(result.counts_by_rule())
    assert result.status in ("rejected", "accepted")
    assert result.status == "accepted" or rules <= {"F01", "F02", "F04"}, rules


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300), cut=st.integers(min_value=0, max_value=400))
def test_damaged_bytes_never_raise_anything_else(data, cut):
    good = json.dumps({k: "x" for k in KEYS[:-1]} | {"files": {"a.csv": {"sha256": "0" * 64, "rows": 1}}}).encode()
    for raw in (data, good[:cut] + data, good[:cut]):
        try:
            parse_manifest(raw)
        except ManifestProblems as problems:
            assert problems.f01 or problems.f02
