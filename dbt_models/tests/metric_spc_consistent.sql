-- Each SPC series agrees with its points: n_points, first and latest period and value; limits and
-- special causes exactly when there are 12 or more points (lcl ≤ mean ≤ ucl), insufficient_data
-- exactly when there are fewer.
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'metric_spc'}}}) }}
with points as (
    select metric_id, org_code, count(*) as n_points, min(period) as first_period, max(period) as latest_period,
           count(special_cause) as n_flagged
    from {{ ref('metric_spc_points') }}
    group by metric_id, org_code
)
select coalesce(s.metric_id, p.metric_id) as metric_id, coalesce(s.org_code, p.org_code) as org_code
from {{ ref('metric_spc') }} s
full outer join points p on p.metric_id = s.metric_id and p.org_code = s.org_code
where s.n_points is null or p.n_points is null or p.n_points <> s.n_points
   or p.first_period <> s.first_period or p.latest_period <> s.latest_period
   or (s.n_points >= {{ spc_min_points() }}) <> (s.mean is not null and s.ucl is not null and s.lcl is not null)
   or (s.n_points >= {{ spc_min_points() }}) = (s.variation = 'insufficient_data' or s.assurance = 'insufficient_data')
   or (s.n_points < {{ spc_min_points() }} and p.n_flagged > 0)
   or s.lcl > s.mean or s.mean > s.ucl
