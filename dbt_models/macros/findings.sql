{#
  audit.findings.file names the file as the trust sent it (a dialect's own file or sheet, spec §5).
  When the loader also records the regional-v1 file (column dataset_file, written since the
  dialect work), use it; otherwise file is already the regional-v1 name. Decided when the model
  runs, so the project works with either layout of audit.findings.
#}
{% macro findings_dataset_file() -%}
    {%- if execute -%}
        {%- set cols = adapter.get_columns_in_relation(source('audit', 'findings')) | map(attribute='name')
                       | map('lower') | list -%}
        {%- if 'dataset_file' in cols -%}{{ return('coalesce(dataset_file, file)') }}{%- endif -%}
    {%- endif -%}
    {{ return('file') }}
{%- endmacro %}
