"""``config/targets.yaml`` as the dbt seed ``metric_targets.csv``, for the SPC assurance verdict
(spc-v1) computed in ``marts.metric_spc``. The YAML is the one source of truth: the seed is written
from it (``python -m spasticity_pipeline.metric_targets``) and a test fails when the two differ."""

from __future__ import annotations

from pathlib import Path

from .config import Targets, targets

SEED = Path(__file__).resolve().parents[1] / "dbt_models" / "seeds" / "metric_targets.csv"


def seed_csv(config: Targets | None = None) -> str:
    """One row per metric with a target: ``metric_id,target,amber`` (proportions, as in the YAML)."""
    config = config or targets()
    lines = ["metric_id,target,amber"]
    lines += [f"{mid},{t.target!r},{t.amber!r}" for mid, t in sorted(config.metrics.items())]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    SEED.write_text(seed_csv(), encoding="utf-8")
    print(f"wrote {SEED}")
