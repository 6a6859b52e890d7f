{#
  Goal Attainment Scaling T-score (Turner-Stokes; rho = 0.3), the one place it is computed:
    T = 50 + 10 * sum(w*x) / sqrt(0.7 * sum(w^2) + 0.3 * (sum w)^2)
  x = outcome_score; w = importance * difficulty when both are present and the product is > 0,
  else 1. Used as an aggregate over a group of goals.
#}
{% macro gas_weight(importance, difficulty) -%}
    case when {{ importance }} is not null and {{ difficulty }} is not null
              and {{ importance }} * {{ difficulty }} > 0
         then cast({{ importance }} * {{ difficulty }} as double precision) else 1.0 end
{%- endmacro %}

{% macro gas_t_score(weight, score) -%}
    50 + 10 * sum({{ weight }} * {{ score }})
         / sqrt(0.7 * sum({{ weight }} * {{ weight }}) + 0.3 * sum({{ weight }}) * sum({{ weight }}))
{%- endmacro %}
