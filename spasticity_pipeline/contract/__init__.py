"""The regional-v1 contract as code: files, fields, codes and rules (spec §2, §3, §10)."""

from .fields import FILE_NAMES, FILES, FILES_BY_NAME, Field, FileSpec
from .rules import E1_ORDER, ROW_RULE_ORDER, RULES, WARNING_RULES, Rule
from .submission import SubmissionRef, SubmissionStatus

__all__ = [
    "FILES",
    "FILES_BY_NAME",
    "FILE_NAMES",
    "FileSpec",
    "Field",
    "RULES",
    "Rule",
    "E1_ORDER",
    "ROW_RULE_ORDER",
    "WARNING_RULES",
    "SubmissionRef",
    "SubmissionStatus",
]
