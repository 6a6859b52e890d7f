{#
  Date helpers that read the same on DuckDB and Postgres (adapter-dispatched where the SQL
  differs). Dates are DATE columns; day counts are whole calendar days.
#}

{# A date's calendar month as 'YYYY-MM' text (the marts' period). #}
{% macro period_of(date_expr) -%}
    {{ return(adapter.dispatch('period_of', 'spasticity')(date_expr)) }}
{%- endmacro %}

{% macro default__period_of(date_expr) -%}
    to_char({{ date_expr }}, 'YYYY-MM')
{%- endmacro %}

{% macro duckdb__period_of(date_expr) -%}
    strftime({{ date_expr }}, '%Y-%m')
{%- endmacro %}

{# Calendar days from start_date to end_date (end − start), an integer. #}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'spasticity')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro duckdb__days_between(start_date, end_date) -%}
    date_diff('day', {{ start_date }}, {{ end_date }})
{%- endmacro %}

{# date_expr plus n calendar days, still a DATE. #}
{% macro add_days(date_expr, n) -%}
    {{ return(adapter.dispatch('add_days', 'spasticity')(date_expr, n)) }}
{%- endmacro %}

{% macro default__add_days(date_expr, n) -%}
    ({{ date_expr }} + {{ n }})
{%- endmacro %}

{# Every day from first_day to last_day (ISO date literals) as one column named column_name. #}
{% macro day_series(first_day, last_day, column_name) -%}
    select cast(d as date) as {{ column_name }}
    from generate_series(cast('{{ first_day }}' as date), cast('{{ last_day }}' as date), interval '1 day') as days(d)
{%- endmacro %}

{# Whole months from one 'YYYY-MM' period to another (later − earlier). #}
{% macro months_between_periods(later_period, earlier_period) -%}
    ((cast(substr({{ later_period }}, 1, 4) as integer) * 12 + cast(substr({{ later_period }}, 6, 2) as integer))
     - (cast(substr({{ earlier_period }}, 1, 4) as integer) * 12 + cast(substr({{ earlier_period }}, 6, 2) as integer)))
{%- endmacro %}
