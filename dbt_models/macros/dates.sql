{# A date's month as 'YYYY-MM' text (marts' period). #}
{% macro period_of(date_expr) -%}
    {{ return(adapter.dispatch('period_of', 'spasticity')(date_expr)) }}
{%- endmacro %}

{% macro default__period_of(date_expr) -%}
    to_char({{ date_expr }}, 'YYYY-MM')
{%- endmacro %}

{% macro duckdb__period_of(date_expr) -%}
    strftime({{ date_expr }}, '%Y-%m')
{%- endmacro %}

{# The first day of a 'YYYY-MM' period as a date. #}
{% macro period_start(period_expr) -%}
    cast({{ period_expr }} || '-01' as date)
{%- endmacro %}
