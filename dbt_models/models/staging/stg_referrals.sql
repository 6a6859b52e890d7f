-- raw.referrals as the loader wrote it (typed, pseudonymised): every accepted submission's rows,
-- superseded ones included; core applies the current-data rule.
select submission_id,
       trust_ods_code,
       period,
       referral_id,
       local_patient_id,
       patient_token,
       referral_received_date,
       referral_source,
       standard_route,
       priority,
       triage_date,
       first_assessment_date,
       site_ods_code,
       discharge_date,
       age_at_referral,
       row_number
from {{ source('raw', 'referrals') }}
