"""Validation rules of regional-v1 (spec §3, §10): IDs, severities, order, and the plain words
a trust data manager reads in their feedback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["E1", "E2", "W"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    what: str
    #: how to fix it, in a trust data manager's words (shown in feedback; never holds data)
    fix: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "F01",
            "E1",
            "manifest.json missing, not JSON, or lacking a required key",
            "Write the manifest last, with all six keys: spasticity manifest FOLDER --trust ODS --period YYYY-MM.",
        ),
        Rule(
            "F02",
            "E1",
            "unknown trust, bad or future period, period locked, or unknown spec_version/format",
            "Check the trust ODS code, the period (YYYY-MM, not in the future nor locked) and the format.",
        ),
        Rule(
            "F03",
            "E1",
            "a required file is missing",
            "Include all eight files, even when one has no data rows (header only).",
        ),
        Rule(
            "F04",
            "E1",
            "a file's sha256 or row count differs from the manifest",
            "A file changed after the manifest was written (or the manifest is wrong): if the files are right, "
            "write it again with spasticity manifest FOLDER --trust ODS --period YYYY-MM --force.",
        ),
        Rule(
            "F05",
            "E1",
            "a file is unreadable: not UTF-8, ragged rows, broken quoting, blank line, NUL byte, lone CR line end, "
            "not a valid workbook",
            "Save the file as UTF-8 CSV (or the encoding and delimiter your dialect declares) with LF or CRLF line "
            "ends and the same number of fields on every line; save a workbook again from Excel, one table per "
            "sheet with its header in row 1.",
        ),
        Rule(
            "F06",
            "E1",
            "a required column is missing",
            "Add the missing column to the header (it may hold empty values if optional).",
        ),
        Rule(
            "F07",
            "E1",
            "more than half of a file's rows would be quarantined",
            "Usually a mapping or export fault: check the extract's columns and codes.",
        ),
        Rule("R01", "E2", "a required field is empty", "Fill in the field in your system and resubmit the period."),
        Rule(
            "R02",
            "E2",
            "a value of the wrong type (impossible date, non-numeric number, too long)",
            "Dates must be real dates in the form your extract declares (regional-v1: YYYY-MM-DD); numbers "
            "must be numeric; respect length limits.",
        ),
        Rule(
            "R03",
            "E2",
            "a code outside its list, or a malformed postcode",
            "Use a code from the regional-v1 list, or one your dialect maps (codes are case-sensitive).",
        ),
        Rule(
            "R04",
            "E2",
            "NHS number not 10 digits or failing the modulus 11 check",
            "Correct the patient's NHS number in your system.",
        ),
        Rule(
            "R05",
            "E2",
            "primary key duplicated within the file (every copy is quarantined)",
            "Each ID must appear once in the file: remove or renumber the duplicates.",
        ),
        Rule(
            "R06",
            "E2",
            "a reference that matches no row of its parent file",
            "Include the parent row in the same submission, or correct the reference.",
        ),
        Rule("R07", "E2", "its parent row was quarantined", "Fix the parent row's finding; this row will then load."),
        Rule(
            "R08",
            "E2",
            "inconsistent dates or structure",
            "Check that the dates are in order and that paired fields are both filled or both empty.",
        ),
        Rule(
            "R09",
            "E2",
            "a date after the period's last day, or implausibly early",
            "Correct the date: it cannot be after the end of the period submitted.",
        ),
        Rule(
            "R10",
            "E2",
            "a number outside its allowed range",
            "Check units, scores and measure values against the allowed ranges.",
        ),
        Rule(
            "W01",
            "W",
            "extra, unknown columns were dropped before loading",
            "Remove columns that are not in regional-v1 from your extract.",
        ),
        Rule(
            "W02",
            "W",
            "NHS number in the test range (starting 999)",
            "Test patients should not be submitted; use the patient's real NHS number.",
        ),
        Rule(
            "W03",
            "W",
            "postcode not in the postcode lookup (deprivation unknown)",
            "Check the postcode; if it is correct, the network will update its lookup.",
        ),
        Rule(
            "W04",
            "W",
            "the injection session's dose is above the licensed maximum",
            "Check the units recorded for this session against the product's licence.",
        ),
        Rule(
            "W05",
            "W",
            "re-injection less than 84 days after the patient's previous injection",
            "Check the contact date; if correct, this is a clinical governance exception.",
        ),
    )
}

#: Submission-level checks in the order they run (spec §10); F04 runs twice (sha256, then rows).
E1_ORDER = ("F01", "F02", "F03", "F04", "F05", "F04", "F06", "F07")

#: The first failing rule in this order decides a row's one E2 finding (spec §3).
ROW_RULE_ORDER = ("R01", "R02", "R03", "R04", "R09", "R10", "R08", "R05", "R06", "R07")

WARNING_RULES = ("W01", "W02", "W03", "W04", "W05")

#: F07: a file is a mapping fault when more than this share of its rows would be quarantined.
F07_SHARE = 0.5


def severity(rule_id: str) -> Severity:
    return RULES[rule_id].severity
