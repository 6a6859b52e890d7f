"""Findings as the pages show them: most severe first, in the files' parent-to-child order, each
with the rule's "how to fix it"."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..contract.fields import FILES
from ..contract.rules import RULES


def how_to_fix(rule_id: str) -> str:
    rule = RULES.get(rule_id)
    return rule.fix if rule else ""


_SEVERITY_ORDER = {"E1": 0, "E2": 1, "W": 2}
_FILE_ORDER = {"manifest.json": -1, **{s.name: i for i, s in enumerate(FILES)}}


def finding_rows(findings: pa.Table, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` findings, most severe first, then in the files' parent-to-child order
    (so a patient's finding comes before the rows it cascades to), each with "how to fix".
    Sorted in Arrow: a broken extract can have a finding on every one of 100,000 rows."""
    import pyarrow.compute as pc

    def rank(column: str, order: dict[str, int]) -> pa.Array:
        keys = pa.array(list(order), pa.string())
        ranks = pc.take(pa.array(list(order.values()), pa.int32()), pc.index_in(findings.column(column), keys))
        return pc.fill_null(ranks, len(order))

    keyed = (
        findings.append_column("__sev", rank("severity", _SEVERITY_ORDER))
        .append_column("__file", rank("file", _FILE_ORDER))
        .append_column("__row", pc.fill_null(findings.column("row_number"), 0))
    )  # file-level findings first
    idx = pc.sort_indices(keyed, sort_keys=[(k, "ascending") for k in ("__sev", "__file", "file", "__row", "rule_id")])
    rows = findings.take(idx[:limit]).to_pylist()
    return [
        {**r, "how_to_fix": how_to_fix(r["rule_id"]), "what": RULES[r["rule_id"]].what if r["rule_id"] in RULES else ""}
        for r in rows
    ]
