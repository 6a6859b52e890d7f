-- raw.contacts as the loader wrote it (typed, pseudonymised): every accepted submission's rows,
-- superseded ones included; core applies the current-data rule.
select submission_id,
       trust_ods_code,
       period,
       contact_id,
       referral_id,
       patient_token,
       contact_date,
       contact_type,
       attendance,
       consultant_present,
       physio_present,
       site_ods_code,
       row_number
from {{ source('raw', 'contacts') }}
