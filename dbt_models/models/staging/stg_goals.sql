-- raw.goals as the loader wrote it (typed, pseudonymised): every accepted submission's rows,
-- superseded ones included; core applies the current-data rule.
select submission_id,
       trust_ods_code,
       period,
       goal_id,
       referral_id,
       set_date,
       goal_area,
       is_primary,
       importance,
       difficulty,
       baseline_score,
       outcome_date,
       outcome_score,
       row_number
from {{ source('raw', 'goals') }}
