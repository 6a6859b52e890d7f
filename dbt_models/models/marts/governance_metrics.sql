-- M01–M17 per trust (org_code = the submitting trust, never the site) and month of the anchor
-- date, plus org_code REGION summing numerators and denominators over every trust. One row per
-- (metric, org, month) with a denominator > 0; value = numerator / denominator.
-- Incremental by (org, month): the months whose units a new submission can move (macros/affected.sql,
-- metric_periods_affected); REGION of those months sums the trusts' rows, recomputed or kept.
{{ incremental_config(['org_code', 'period'], 'metric_periods_affected',
                      indexes=[{'columns': ['org_code', 'period']}, {'columns': ['period']}]) }}
with per_trust as (
    select metric_id, org_code, period, sum(in_numerator) as numerator, count(*) as denominator
    from {{ ref('governance_metric_units') }}
    where {{ affected_rows(['org_code', 'period']) }}
    group by metric_id, org_code, period
), other_trusts as (
    -- incremental: the rows this table keeps for trusts whose month did not change
    {%- if incremental_mode() == 'incremental' %}
    select metric_id, org_code, period, numerator, denominator
    from {{ this }}
    where org_code <> 'REGION' and period in (
        select ak.key_2 from {{ affected_keys_table() }} ak
        where ak.model_name = '{{ this.identifier }}' and ak.key_1 = 'REGION'
    )
    {%- else %}
    select metric_id, org_code, period, numerator, denominator from per_trust where 1 = 0
    {%- endif %}
), with_region as (
    select metric_id, org_code, period, numerator, denominator from per_trust
    union all
    select metric_id, 'REGION', period, sum(numerator), sum(denominator)
    from (
        select * from per_trust
        union all
        select * from other_trusts
    ) trusts
    where {{ affected_rows(["'REGION'", 'period']) }}
    group by metric_id, period
)
select metric_id, org_code, period,
       cast(numerator as bigint) as numerator,
       cast(denominator as bigint) as denominator,
       cast(numerator as double precision) / cast(denominator as double precision) as value
from with_region
where denominator > 0
