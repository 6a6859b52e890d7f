"""A submission's identity and lifecycle (spec §1): ``received`` → ``rejected`` | ``accepted`` |
``accepted_with_warnings``. The status is a ``StrEnum``: members are the strings stored in
``audit.submissions``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class SubmissionRef:
    """A landed submission as the warehouse records it, besides its contents."""

    submission_id: str
    trust: str
    period: str
    received_at: dt.datetime  # UTC


class SubmissionStatus(StrEnum):
    RECEIVED = "received"
    REJECTED = "rejected"  # any E1 finding: nothing of it is loaded
    ACCEPTED = "accepted"  # no finding at all
    ACCEPTED_WITH_WARNINGS = "accepted_with_warnings"  # loaded, with E2 or W findings

    @property
    def loaded(self) -> bool:
        """Whether the submission's rows were loaded (it counts towards current data)."""
        return self in (SubmissionStatus.ACCEPTED, SubmissionStatus.ACCEPTED_WITH_WARNINGS)

    @classmethod
    def of_findings(cls, n_findings: int) -> SubmissionStatus:
        """The status of a submission that was not rejected, from how many findings it has."""
        return cls.ACCEPTED if n_findings == 0 else cls.ACCEPTED_WITH_WARNINGS


#: the statuses under which a submission's rows were loaded, as SQL text (``status IN (...)``)
LOADED_SQL = ", ".join(f"'{s}'" for s in SubmissionStatus if s.loaded)
REJECTED = SubmissionStatus.REJECTED
