"""Everything validation needs from outside the submission folder, passed in explicitly so the
same validator serves `spasticity validate`, `submit`, the Dagster asset and the tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from ..config import Clinical, Registry

#: Columns of the W05 history: one row per contact version in the current data of earlier
#: accepted submissions of the trust (other periods), before the "latest period wins" rule.
HISTORY_SCHEMA = pa.schema(
    [
        ("contact_id", pa.string()),
        ("period", pa.string()),
        ("patient_token", pa.string()),
        ("contact_date", pa.date32()),
        ("contact_type", pa.string()),
        ("attendance", pa.string()),
    ]
)


def no_history(trust: str, period: str) -> pa.Table:
    return HISTORY_SCHEMA.empty_table()


@dataclass
class ValidationContext:
    registry: Registry
    clinical: Clinical
    #: F02's "future" is judged against this day
    today: dt.date
    #: postcode → lsoa_code, imd_decile (normalised postcodes), for W03 and pseudonymisation
    postcode_lookup: pa.Table
    #: normalised NHS numbers → patient tokens (HMAC); same length and order as the input
    tokenise: Callable[[pa.Array], pa.Array]
    #: (trust, period) → HISTORY_SCHEMA rows of the trust's current data, excluding `period`
    contact_history: Callable[[str, str], pa.Table] = field(default=no_history)
