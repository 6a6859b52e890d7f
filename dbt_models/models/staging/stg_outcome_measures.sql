-- raw.outcome_measures as the loader wrote it (typed, pseudonymised): every accepted submission's rows,
-- superseded ones included; core applies the current-data rule.
select submission_id,
       trust_ods_code,
       period,
       measure_id,
       referral_id,
       measure_date,
       timepoint,
       instrument,
       body_site,
       value,
       value_numeric,
       row_number
from {{ source('raw', 'outcome_measures') }}
