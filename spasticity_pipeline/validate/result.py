"""What validating one submission produces: per-file outcomes and findings.

Row conservation is structural: every data row of a file is in exactly one of ``loaded`` or
``quarantined`` (a rejected submission loads and quarantines nothing).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..contract.rules import RULES
from ..contract.submission import SubmissionStatus

FINDINGS_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("row_number", pa.int64()),  # 1 = first data row; null for file-level findings
        ("field", pa.string()),
        ("rule_id", pa.string()),
        ("severity", pa.string()),
        ("message", pa.string()),
    ]
)


def empty_findings() -> pa.Table:
    return FINDINGS_SCHEMA.empty_table()


@dataclass
class FileOutcome:
    name: str
    rows_in: int = 0
    #: typed regional-v1 columns of the rows that load, plus ``row_number`` (int64). Patients also
    #: carry ``patient_token``; referrals and contacts carry ``patient_token`` too (joined within
    #: the submission). Identifiers (nhs_number, postcode, birth_date) are still present here:
    #: ``pseudonymise.to_staging`` removes them.
    loaded: pa.Table | None = None
    #: the quarantined rows as received (trimmed strings of the regional-v1 columns), plus
    #: ``row_number``, ``rule_id`` and ``field`` of the row's one E2 finding.
    quarantined: pa.Table | None = None

    @property
    def rows_loaded(self) -> int:
        return 0 if self.loaded is None else self.loaded.num_rows

    @property
    def rows_quarantined(self) -> int:
        return 0 if self.quarantined is None else self.quarantined.num_rows


@dataclass
class ValidationResult:
    folder: Path
    status: SubmissionStatus
    manifest: dict[str, Any] | None = None
    files: dict[str, FileOutcome] = field(default_factory=dict)
    findings: pa.Table = field(default_factory=empty_findings)
    #: a dialect submission's source file labels (``file`` in findings) → the regional-v1 file
    file_labels: dict[str, str] = field(default_factory=dict)
    #: file label (as in findings) → column heading → Excel column letter(s) (``A+B`` for a joined
    #: column), for the findings CSV's cell references
    cells: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def trust_ods_code(self) -> str | None:
        return (self.manifest or {}).get("trust_ods_code")

    @property
    def period(self) -> str | None:
        return (self.manifest or {}).get("period")

    @property
    def format(self) -> str | None:
        return (self.manifest or {}).get("format")

    @property
    def rejected(self) -> bool:
        return self.status == SubmissionStatus.REJECTED

    def counts_by_rule(self) -> dict[str, int]:
        counts = Counter(self.findings.column("rule_id").to_pylist())
        return {rule: counts[rule] for rule in RULES if counts[rule]}

    @property
    def rows_in(self) -> int:
        return sum(f.rows_in for f in self.files.values())

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files.values())

    @property
    def n_warnings(self) -> int:
        return int(sum(1 for s in self.findings.column("severity").to_pylist() if s == "W"))

    def to_json(self) -> dict[str, Any]:
        """The shape of ``spasticity validate --json`` (spec §9)."""
        return {
            "status": str(self.status),
            "files": {
                name: {
                    "rows_in": f.rows_in,
                    "rows_loaded": f.rows_loaded,
                    "rows_quarantined": f.rows_quarantined,
                }
                for name, f in self.files.items()
            },
            "findings": self.counts_by_rule(),
        }
