{#
  Statistical process control of the governance metrics (../shared/spec/spc-v1.md): the constants
  and the XmR limits, in one place for marts.metric_spc_points and marts.metric_spc.

  Comparisons go through spc_above / spc_below: a value within 1e-9 of its threshold counts as
  equal to it (the spec's tolerance), so a constant series of 1/3 is not "above its mean" because
  the engine's mean came out 5e-17 low, and DuckDB and Postgres give the same flags.
#}

{# A series needs this many points for limits, rules and verdicts. #}
{% macro spc_min_points() -%}12{%- endmacro %}

{% macro spc_tolerance() -%}cast(1e-9 as double precision){%- endmacro %}

{# a > b by more than the tolerance #}
{% macro spc_above(a, b) -%}
    ({{ a }} > {{ b }} + {{ spc_tolerance() }})
{%- endmacro %}

{# a < b by more than the tolerance #}
{% macro spc_below(a, b) -%}
    ({{ a }} < {{ b }} - {{ spc_tolerance() }})
{%- endmacro %}

{#
  One row per (metric_id, org_code) series of `points` (a relation or CTE with metric_id, org_code,
  period, value; one row per point): n_points, first_period, latest_period and the XmR limits over
  every point — mean, mr_mean (mean of |v_i − v_(i−1)| in period order), sigma = mr_mean / 1.128,
  ucl/lcl = mean ± 2.66·mr_mean, upper_2s/lower_2s = mean ± 2·sigma. Below spc_min_points() points
  the limits are null.
#}
{% macro spc_series(points) -%}
select metric_id, org_code, n_points, first_period, latest_period,
       case when n_points >= {{ spc_min_points() }} then mean end as mean,
       case when n_points >= {{ spc_min_points() }} then mr_mean end as mr_mean,
       case when n_points >= {{ spc_min_points() }} then mr_mean / 1.128 end as sigma,
       case when n_points >= {{ spc_min_points() }} then mean + 2.66 * mr_mean end as ucl,
       case when n_points >= {{ spc_min_points() }} then mean - 2.66 * mr_mean end as lcl,
       case when n_points >= {{ spc_min_points() }} then mean + 2 * (mr_mean / 1.128) end as upper_2s,
       case when n_points >= {{ spc_min_points() }} then mean - 2 * (mr_mean / 1.128) end as lower_2s
from (
    select metric_id, org_code, count(*) as n_points, min(period) as first_period, max(period) as latest_period,
           avg(value) as mean, avg(moving_range) as mr_mean
    from (
        select metric_id, org_code, period, value,
               abs(value - lag(value) over (partition by metric_id, org_code order by period)) as moving_range
        from {{ points }}
    ) with_ranges
    group by metric_id, org_code
) stats
{%- endmacro %}
