-- GAS T-score per referral and month of its goals' outcome dates (governance-metrics-v1; macro
-- gas_t_score): every goal of the referral with an outcome in that month counts. Exact values (no
-- rounding), so M12's test T ≥ 50 is on the exact value.
{{ incremental_config(['org_code', 'referral_id'], 'goal_attainment_affected',
                      indexes=[{'columns': ['org_code', 'referral_id']}]) }}
with scored as (
    select trust_ods_code, referral_id, {{ period_of('outcome_date') }} as period,
           importance, difficulty, outcome_score
    from {{ ref('fct_goal') }}
    where outcome_date is not null and outcome_score is not null
      and {{ affected_rows(['trust_ods_code', 'referral_id']) }}
)
select trust_ods_code as org_code, referral_id, period,
       cast(count(*) as integer) as n_goals,
       {{ gas_t_score('importance', 'difficulty', 'outcome_score') }} as gas_t_score
from scored
group by trust_ods_code, referral_id, period
