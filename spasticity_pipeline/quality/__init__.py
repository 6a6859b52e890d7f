"""Great Expectations 1.x suites over the curated tables (ephemeral context; no dagster-ge)."""
