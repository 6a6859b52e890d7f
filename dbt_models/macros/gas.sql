{#
  Goal Attainment Scaling T-score (Turner-Stokes; rho = 0.3), governance-metrics-v1 — the only
  place the formula is written. An aggregate over a group of goals:

      T = 50 + 10 * sum(w * x) / sqrt(0.7 * sum(w^2) + 0.3 * (sum w)^2)

  x = outcome_score (-2 … +2); w = importance * difficulty when both are present and the product
  is > 0, else 1. Checks (spasticity_pipeline_tests/dbt): one goal 0 → 50, −1 → 40, +2 → 70;
  three unweighted goals each −1 → 36.3.
#}
{% macro gas_t_score(importance, difficulty, outcome_score) -%}
    {%- set w -%}
        (case when {{ importance }} is not null and {{ difficulty }} is not null
                   and {{ importance }} * {{ difficulty }} > 0
              then cast({{ importance }} * {{ difficulty }} as double precision)
              else cast(1 as double precision) end)
    {%- endset -%}
    (50 + 10 * sum({{ w }} * {{ outcome_score }})
          / sqrt(0.7 * sum({{ w }} * {{ w }}) + 0.3 * sum({{ w }}) * sum({{ w }})))
{%- endmacro %}
