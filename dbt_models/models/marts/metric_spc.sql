-- SPC verdicts (spc-v1): one row per (metric_id, org_code) series of governance_metrics (trusts and
-- REGION) with its XmR limits over all its points and two verdicts:
--   variation — from the latest point's special_cause (metric_spc_points): none → common_cause; on the
--               metric's better side (core.dim_metric.better) → improvement; on the other → concern;
--   assurance — the limits against the metric's target (seed metric_targets, written from
--               config/targets.yaml): no target → no_target; higher is better: lcl ≥ target → pass,
--               ucl < target → fail; lower is better: ucl ≤ target → pass, lcl > target → fail;
--               otherwise hit_and_miss.
-- Fewer than 12 points: insufficient_data for both, mean/ucl/lcl null.
-- A plain table rebuilt in full every night (one row per metric × org), never incremental.
{{ config(materialized='table') }}
with series as (
    {{ spc_series(ref('governance_metrics')) }}
), latest as (
    select metric_id, org_code, period, value, special_cause
    from {{ ref('metric_spc_points') }}
)
select s.metric_id, s.org_code, s.n_points, s.first_period, s.latest_period,
       l.value as latest_value, s.mean, s.ucl, s.lcl,
       cast(case when s.n_points < {{ spc_min_points() }} then 'insufficient_data'
                 when l.special_cause is null then 'common_cause'
                 when l.special_cause = m.better then 'improvement'
                 else 'concern' end as varchar(20)) as variation,
       cast(case when s.n_points < {{ spc_min_points() }} then 'insufficient_data'
                 when t.target is null then 'no_target'
                 when m.better = 'low' then
                      case when not {{ spc_above('s.ucl', 't.target') }} then 'pass'
                           when {{ spc_above('s.lcl', 't.target') }} then 'fail'
                           else 'hit_and_miss' end
                 else case when not {{ spc_below('s.lcl', 't.target') }} then 'pass'
                           when {{ spc_below('s.ucl', 't.target') }} then 'fail'
                           else 'hit_and_miss' end end as varchar(20)) as assurance
from series s
join latest l on l.metric_id = s.metric_id and l.org_code = s.org_code and l.period = s.latest_period
join {{ ref('dim_metric') }} m on m.metric_id = s.metric_id
left join {{ ref('metric_targets') }} t on t.metric_id = s.metric_id
