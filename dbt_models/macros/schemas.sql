{#
  Models and seeds land in exactly the schema they name (staging, core, marts), never in dbt's
  default <target schema>_<custom schema> (main_core, public_marts).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
