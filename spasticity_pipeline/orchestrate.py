"""``spasticity run`` without the terminal: every waiting submission's trust × month partition,
then the nightly build, materialised in-process through the same Dagster jobs the landing sensor
and the nightly schedule launch (so each run is in the Dagster instance the UI shows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .landing import LandedSubmission
from .settings import Settings

#: in-process runs log to the Dagster instance (see them in the UI); the terminal shows progress
QUIET: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

#: the tag the landing sensor sets on its runs; ``cli`` marks the runs ``spasticity run`` starts
LAUNCHED_BY_CLI = "cli"


class Progress(Protocol):
    """Where a run reports how far it has got (the CLI draws bars; tests pass nothing)."""

    def stage(self, description: str, total: int) -> None:
        """A new stage of ``total`` steps begins."""

    def step(self, description: str) -> None:
        """The current stage's next step begins."""

    def advance(self) -> None:
        """The current step is done."""


class _Silent:
    def stage(self, description: str, total: int) -> None:
        pass

    def step(self, description: str) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass
class RunPlan:
    """What a run will do: partitions in the order their first waiting submission arrived, and
    landed submissions under no partition (an unknown trust or month), which it skips."""

    partitions: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[LandedSubmission] = field(default_factory=list)


@dataclass
class RunOutcome:
    partitions: list[tuple[str, str]]
    failed: list[str]  # "TRUST PERIOD" of each failed partition run, and "nightly build"

    @property
    def processed(self) -> list[dict[str, str]]:
        return [{"trust": t, "period": p} for t, p in self.partitions]


def plan_run(settings: Settings) -> RunPlan:
    """Check the warehouse can be written (a lock held by another process is said now, not after
    three retries), set up the Dagster instance, and list what is waiting."""
    from . import landing
    from .dagster_home import ensure_dagster_home
    from .defs.ingest.partitions import is_partition
    from .warehouse import ensure_available

    ensure_available(settings)
    ensure_dagster_home(settings)
    plan = RunPlan()
    for s in landing.scan(settings):  # received_at order: a partition runs when its first submission is due
        if landing.is_marked_processed(s):
            continue
        if not is_partition(s.trust, s.period):
            plan.skipped.append(s)
        elif s.partition not in plan.partitions:
            plan.partitions.append(s.partition)
    return plan


def execute_plan(
    plan: RunPlan, nightly: bool = True, full_refresh: bool = False, progress: Progress | None = None
) -> RunOutcome:
    """Materialise each planned partition, then (``nightly``) the nightly build; a failed run is
    listed in the outcome (its events are in the Dagster instance), the others still run."""
    from dagster import DagsterInstance

    from .definitions import defs
    from .defs.ingest.partitions import partition_key
    from .defs.ingest.sensors import SUBMISSION_TAG

    bar = progress or _Silent()
    instance = DagsterInstance.get()
    job = defs.resolve_job_def("ingest_submission")
    failed = []
    bar.stage("ingest (trust × month)", len(plan.partitions))
    for trust, period in plan.partitions:
        bar.step(f"ingest {trust} {period}")
        res = job.execute_in_process(
            partition_key=partition_key(trust, period),
            instance=instance,
            tags={SUBMISSION_TAG: LAUNCHED_BY_CLI},
            raise_on_error=False,
            run_config=QUIET,
        )
        if not res.success:
            failed.append(f"{trust} {period}")
        bar.advance()
    if nightly:
        bar.stage("nightly build (dbt, checks, reports)", 1)
        config = {**QUIET, "ops": {"warehouse_models": {"config": {"full_refresh": full_refresh}}}}
        res = defs.resolve_job_def("nightly_build").execute_in_process(
            instance=instance, raise_on_error=False, run_config=config
        )
        if not res.success:
            failed.append("nightly build")
        bar.advance()
    return RunOutcome(plan.partitions, failed)


def run_pipeline(settings: Settings, nightly: bool = True, full_refresh: bool = False) -> RunOutcome:
    """``plan_run`` then ``execute_plan``, without progress (for scripts and tests)."""
    return execute_plan(plan_run(settings), nightly=nightly, full_refresh=full_refresh)
