-- GAS T-score per referral and month of the goals' outcome dates (governance-metrics-v1).
with scored as (
    select trust_ods_code, referral_id, {{ period_of('outcome_date') }} as period, outcome_score,
           {{ gas_weight('importance', 'difficulty') }} as weight
    from {{ ref('fct_goal') }}
    where outcome_date is not null and outcome_score is not null
)
select trust_ods_code as org_code, referral_id, period, count(*) as n_goals,
       {{ gas_t_score('weight', 'outcome_score') }} as gas_t_score
from scored
group by trust_ods_code, referral_id, period
