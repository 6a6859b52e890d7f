-- audit.submissions as it stood when this build started: every model of the build reads submissions
-- through this copy, so a submission loaded while the build runs (Postgres allows it) is either wholly
-- in this build or wholly in the next, and the incremental models remember exactly what they took in
-- (macros/incremental.sql).
select submission_id, trust_ods_code, period, format, received_at, processed_at, status, superseded,
       rows_in, rows_loaded, rows_quarantined, n_warnings
from {{ ref('stg_submissions') }}
