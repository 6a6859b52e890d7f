-- raw.injections as the loader wrote it (typed, pseudonymised): every accepted submission's rows,
-- superseded ones included; core applies the current-data rule.
select submission_id,
       trust_ods_code,
       period,
       injection_id,
       contact_id,
       product,
       limb,
       side,
       muscle,
       units,
       guidance,
       row_number
from {{ source('raw', 'injections') }}
