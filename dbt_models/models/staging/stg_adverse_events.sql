-- raw.adverse_events as the loader wrote it (typed, pseudonymised): every accepted submission's rows,
-- superseded ones included; core applies the current-data rule.
select submission_id,
       trust_ods_code,
       period,
       event_id,
       contact_id,
       event_date,
       event_type,
       severity,
       serious,
       row_number
from {{ source('raw', 'adverse_events') }}
