-- audit.submissions: one row per processed submission (accepted, accepted_with_warnings, rejected).
select submission_id, trust_ods_code, period, format, received_at, processed_at, status, superseded,
       rows_in, rows_loaded, rows_quarantined, n_warnings
from {{ source('audit', 'submissions') }}
