-- raw.patients as the loader wrote it (typed, pseudonymised): every accepted submission's rows,
-- superseded ones included; core applies the current-data rule.
select submission_id,
       trust_ods_code,
       period,
       local_patient_id,
       patient_token,
       sex,
       ethnic_category,
       primary_condition,
       condition_onset_date,
       communication_preference,
       birth_year_month,
       postcode_outward,
       lsoa_code,
       imd_decile,
       row_number
from {{ source('raw', 'patients') }}
