"""Trust × month partitions: trusts from the registry, months from the network's first period
to the current month (a trust added to the registry, or a new month, is a new partition)."""

from __future__ import annotations

import dagster as dg

from ...config import registry

trust_month = dg.MultiPartitionsDefinition(
    {
        "trust": dg.StaticPartitionsDefinition(list(registry().codes)),
        "month": dg.MonthlyPartitionsDefinition(start_date=registry().first_period, fmt="%Y-%m", end_offset=1),
    }
)


def partition_key(trust: str, period: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"trust": trust, "month": period})


def _months() -> dg.PartitionsDefinition:
    return next(d.partitions_def for d in trust_month.partitions_defs if d.name == "month")


def is_partition(trust: str, period: str) -> bool:
    """Whether a landed (trust, period) has a partition (unknown trusts and future months do not)."""
    return trust in registry().codes and _months().has_partition_key(period)
