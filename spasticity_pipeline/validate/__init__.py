"""Validation of a submission against regional-v1: E1 checks, row rules, warnings."""

from .context import ValidationContext
from .result import FileOutcome, ValidationResult
from .submission import validate_submission

__all__ = ["ValidationContext", "ValidationResult", "FileOutcome", "validate_submission"]
