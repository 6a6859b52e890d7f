-- REGION's numerator and denominator are the sums over trusts, for every metric and month.
{{ config(severity='error') }}
with trusts as (
    select metric_id, period, sum(numerator) as numerator, sum(denominator) as denominator
    from {{ ref('governance_metrics') }}
    where org_code <> 'REGION'
    group by metric_id, period
), region as (
    select metric_id, period, numerator, denominator
    from {{ ref('governance_metrics') }}
    where org_code = 'REGION'
)
select coalesce(t.metric_id, r.metric_id) as metric_id, coalesce(t.period, r.period) as period
from trusts t
full outer join region r on r.metric_id = t.metric_id and r.period = t.period
where t.numerator is null or r.numerator is null
   or t.numerator <> r.numerator or t.denominator <> r.denominator
