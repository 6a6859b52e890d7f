-- M01–M17 per trust (org_code = the submitting trust, never the site) and month of the anchor
-- date, plus org_code REGION summing numerators and denominators over every trust. One row per
-- (metric, org, month) with a denominator > 0; value = numerator / denominator.
with per_trust as (
    select metric_id, org_code, period, sum(in_numerator) as numerator, count(*) as denominator
    from {{ ref('governance_metric_units') }}
    group by metric_id, org_code, period
), with_region as (
    select metric_id, org_code, period, numerator, denominator from per_trust
    union all
    select metric_id, 'REGION', period, sum(numerator), sum(denominator)
    from per_trust
    group by metric_id, period
)
select metric_id, org_code, period,
       cast(numerator as bigint) as numerator,
       cast(denominator as bigint) as denominator,
       cast(numerator as double precision) / cast(denominator as double precision) as value
from with_region
where denominator > 0
