-- raw.experience as the loader wrote it (typed, pseudonymised): every accepted submission's rows,
-- superseded ones included; core applies the current-data rule.
select submission_id,
       trust_ods_code,
       period,
       response_id,
       referral_id,
       response_date,
       fft_response,
       understood_goals,
       preferred_contact,
       row_number
from {{ source('raw', 'experience') }}
