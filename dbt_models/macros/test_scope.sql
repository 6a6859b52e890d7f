{#
  The nightly's dbt tests look at what the nightly changed (docs/incremental.md, "Tests").

  dbt calls get_where_subquery for the model every generic test checks (this project's version
  replaces dbt's, keeping its `where` config). After an incremental build a test of an incremental
  model checks the rows of the keys that build recomputed (dbt_state.affected_keys); after a build
  that changed nothing, no row; and a test of a staging view checks the rows of the trust-periods
  data_quality has not yet taken in (tests run before the models that read them). That is sound for
  row-by-row tests (not null, accepted values, a child's relationship) because untouched rows were
  tested when they were written, and for uniqueness because every unique key here contains or
  determines the model's incremental key, so a recomputed row can only collide with another
  recomputed row. --full-refresh, a first build and a rebuild test every row; so do the singular
  tests in tests/ (over the marts, which are small).
#}
{% macro get_where_subquery(relation) -%}
    {%- set filters = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}{%- do filters.append(where) -%}{%- endif -%}
    {%- set scope = nightly_test_scope(relation) -%}
    {%- if scope -%}{%- do filters.append(scope) -%}{%- endif -%}
    {%- if filters -%}
        {%- do return('(select * from ' ~ relation ~ ' where (' ~ filters | join(') and (') ~ ')) dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{% macro nightly_test_scope(relation) -%}
    {%- if not execute or flags.FULL_REFRESH or relation is string or not relation.identifier -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set node = tested_model(relation) -%}
    {%- if node is none -%}{{ return(none) }}{%- endif -%}
    {%- set name = node.alias or node.name -%}
    {%- if node.config.materialized == 'incremental' -%}
        {%- set rows = run_query("select build_mode from " ~ state_table() ~ " where model_name = '" ~ name
                                 ~ "' and submission_id = '#fingerprint'").rows -%}
        {%- set mode = rows[0][0] if rows else none -%}
        {%- if mode == 'none' -%}{{ return('1 = 0') }}{%- endif -%}
        {%- if mode == 'incremental' -%}
            {{ return(affected_keys_in(node.config.meta.incremental_keys, '', name)) }}
        {%- endif -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if node.config.schema == 'staging' and name != 'stg_submissions' -%}
        {%- set new_submissions -%}
            select s.submission_id, s.trust_ods_code, s.period
            from {{ loader_submissions() }} s
            left join {{ remembered('data_quality') }} m on m.submission_id = s.submission_id
            where m.submission_id is null or m.superseded <> s.superseded
        {%- endset -%}
        {%- if name == 'stg_findings' -%}
            {{ return('submission_id in (select submission_id from (' ~ new_submissions ~ ') n)') }}
        {%- endif -%}
        {{ return('(trust_ods_code, period) in (select trust_ods_code, period from (' ~ new_submissions ~ ') n)') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{# The model node behind a relation a test checks. #}
{% macro tested_model(relation) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name
              and (node.alias or node.name) == relation.identifier and node.schema == relation.schema -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{# audit.submissions as the loader writes it (its dbt source: tests may not ref models they do not test). #}
{% macro loader_submissions() -%}
    {%- for source in graph.sources.values() -%}
        {%- if source.source_name == 'audit' and source.name == 'submissions' -%}{{ return(source.relation_name) }}{%- endif -%}
    {%- endfor -%}
{%- endmacro %}
