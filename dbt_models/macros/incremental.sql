{#
  Incremental core and marts (docs/incremental.md has the reasoning and the proof sketch).

  Every incremental model remembers which submissions it has taken in: after each build its post-hook
  copies the submission snapshot of the run (model submission_snapshot, a copy of audit.submissions
  taken once at the start, so a load during the build cannot slip half into it) into
  dbt_state.incremental_models under its own name, with a fingerprint of the project (models, seeds,
  the code_fingerprint var the pipeline passes for the macros). On the next build the model compares
  the snapshot with what it remembers:

    * nothing remembered, a different fingerprint, or a change the loader never makes (a submission
      gone, its status or processed_at changed, superseded turned back to false) → 'rebuild': delete
      everything and insert the full select (same result as --full-refresh, schema changes synced);
    * no new submission and no superseded flag flipped → 'none': nothing deleted or inserted;
    * otherwise → 'incremental': the trust-periods of the new or newly superseded submissions are the
      changed periods; the model deletes and re-inserts exactly the keys whose rows can depend on a
      staging row of those trust-periods (each model says which: docs/incremental.md).

  An incremental model whose incremental parent has not taken in the same snapshot refuses to build
  (a UI subset run of marts alone after new loads): building on a stale parent would be remembered as
  done and never corrected.
#}

{% macro state_table() -%}
    dbt_state.incremental_models
{%- endmacro %}

{# on-run-start: the state table exists before any model reads it. #}
{% macro create_state_table() -%}
    create table if not exists {{ state_table() }} (
        model_name varchar(200), submission_id varchar(200), trust_ods_code varchar(20), period varchar(20),
        status varchar(40), superseded boolean, processed_at timestamp,
        build_mode varchar(20), built_at timestamp
    )
{%- endmacro %}

{% macro create_affected_keys_table() -%}
    create table if not exists {{ affected_keys_table() }} (
        model_name varchar(200), key_1 varchar(200), key_2 varchar(200)
    )
{%- endmacro %}

{# The project's models and seeds (their checksums) and the pipeline's fingerprint of the macros. #}
{% macro project_fingerprint() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set parts = [var('code_fingerprint', '')] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- if node.package_name == project_name and node.resource_type in ('model', 'seed') -%}
            {%- do parts.append(node.unique_id ~ '=' ~ node.checksum.checksum) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('|'))) }}
{%- endmacro %}

{# What this model remembers (a subquery over the state table). #}
{% macro remembered(model_name) -%}
    (select submission_id, trust_ods_code, period, status, superseded, processed_at
     from {{ state_table() }}
     where model_name = '{{ model_name }}' and submission_id <> '#fingerprint')
{%- endmacro %}

{#
  'full' (the table is created by this run: first build or --full-refresh), 'rebuild', 'none' or
  'incremental' — see the top of this file. Queried at most once per model and run.
#}
{% macro incremental_mode() -%}
    {%- if not execute -%}{{ return('full') }}{%- endif -%}
    {%- if not is_incremental() -%}{{ return('full') }}{%- endif -%}
    {%- set cache_key = 'incremental_mode:' ~ this -%}
    {%- if cache_key in model -%}{{ return(model[cache_key]) }}{%- endif -%}
    {%- set fingerprint = project_fingerprint() -%}
    {%- set snap = ref('submission_snapshot') -%}
    {%- set query -%}
        with snap as (
            select submission_id, trust_ods_code, period, status, superseded, processed_at from {{ snap }}
        ), mine as {{ remembered(this.identifier) }}
        select
            (select count(*) from {{ state_table() }}
             where model_name = '{{ this.identifier }}' and submission_id = '#fingerprint'
               and status = '{{ fingerprint }}') as fingerprint_ok,
            (select count(*) from mine m left join snap s on s.submission_id = m.submission_id
             where s.submission_id is null or s.status <> m.status or s.processed_at <> m.processed_at
                or (m.superseded and not s.superseded)) as irregular,
            (select count(*) from snap s left join mine m on m.submission_id = s.submission_id
             where m.submission_id is null or m.superseded <> s.superseded) as changed
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[0] == 0 or row[1] > 0 -%}
        {%- set mode = 'rebuild' -%}
    {%- elif row[2] == 0 -%}
        {%- set mode = 'none' -%}
    {%- else -%}
        {%- set mode = 'incremental' -%}
    {%- endif -%}
    {%- do check_parents_current(fingerprint) -%}
    {%- do model.update({cache_key: mode}) -%}
    {{ return(mode) }}
{%- endmacro %}

{# Refuse to build on an incremental parent that has not taken in this run's snapshot. #}
{% macro check_parents_current(fingerprint) -%}
    {%- for parent_id in model.depends_on.nodes -%}
        {%- set parent = graph.nodes.get(parent_id) -%}
        {%- if parent and parent.resource_type == 'model' and parent.config.materialized == 'incremental' -%}
            {%- set query -%}
                with snap as (select submission_id, superseded from {{ ref('submission_snapshot') }}),
                mine as (select submission_id, superseded from {{ remembered(parent.alias or parent.name) }} r)
                select (select count(*) from (select * from snap except select * from mine) a)
                     + (select count(*) from (select * from mine except select * from snap) b)
                     + (select case when count(*) = 1 then 0 else 1 end from {{ state_table() }}
                        where model_name = '{{ parent.alias or parent.name }}' and submission_id = '#fingerprint'
                          and status = '{{ fingerprint }}')
            {%- endset -%}
            {%- if run_query(query).rows[0][0] != 0 -%}
                {{ exceptions.raise_compiler_error(
                    parent.schema ~ '.' ~ (parent.alias or parent.name) ~ ' has not taken in the latest '
                    ~ 'submissions: build it first (or the whole nightly), so ' ~ this ~ ' is not built on stale rows') }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{# The mode this run built the model in (the comment incremental_config wrote into its SQL). #}
{% macro built_mode() -%}
    {%- for mode in ('incremental', 'rebuild', 'none', 'full') -%}
        {%- if ('-- incremental mode: ' ~ mode) in (model.compiled_code or '') -%}{{ return(mode) }}{%- endif -%}
    {%- endfor -%}
    {{ return('unknown') }}
{%- endmacro %}

{#
  The config every incremental model shares. key_columns: the one or two columns that identify what
  the model recomputes; affected, args: a macro and its arguments whose SQL returns those columns for
  the changed periods (macros/affected.sql), run once per build by the pre-hook into
  dbt_state.affected_keys, where the model's select (affected_rows), the delete and the nightly's
  tests (get_where_subquery) read it.
#}
{% macro incremental_config(key_columns, affected, args=[], indexes=[]) -%}
    {%- if not execute -%}{%- do affected_sql(affected, args) -%}{%- endif -%}{# parsing: records its refs #}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ take_affected(" ~ key_columns ~ ", '" ~ affected ~ "', " ~ args ~ ") }}",
        post_hook="{{ remember_snapshot() }}",
        indexes=indexes if target is defined and target.type == 'postgres' else [],
        meta={'incremental_keys': key_columns},
    ) }}
    {%- if execute %}
-- incremental mode: {{ incremental_mode() }}
    {%- endif %}
{%- endmacro %}

{#
  Pre-hook (inside the model's transaction): note the keys the model recomputes and delete their rows
  ('rebuild': every row).
#}
{% macro take_affected(key_columns, affected, args=[]) -%}
    {%- set mode = incremental_mode() -%}
    {%- set name = this.identifier -%}
    {%- if mode == 'full' -%}
        select 1
    {%- else -%}
        delete from {{ affected_keys_table() }} where model_name = '{{ name }}';
        {%- if mode == 'rebuild' %}
        delete from {{ this }}
        {%- elif mode == 'incremental' %}
        insert into {{ affected_keys_table() }} (model_name, key_1{{ ', key_2' if key_columns | length > 1 }})
        select distinct '{{ name }}', {{ key_columns | join(', ') }} from ({{ affected_sql(affected, args) }}) affected;
        delete from {{ this }} where {{ affected_rows(key_columns) }}
        {%- else %}
        select 1
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{# Post-hook (inside the model's transaction): remember this run's snapshot and how the model was built. #}
{% macro remember_snapshot() -%}
    delete from {{ state_table() }} where model_name = '{{ this.identifier }}';
    insert into {{ state_table() }}
        (model_name, submission_id, trust_ods_code, period, status, superseded, processed_at)
    select '{{ this.identifier }}', submission_id, trust_ods_code, period, status, superseded, processed_at
    from {{ ref('submission_snapshot') }};
    insert into {{ state_table() }} (model_name, submission_id, status, build_mode, built_at)
    values ('{{ this.identifier }}', '#fingerprint', '{{ project_fingerprint() }}', '{{ built_mode() }}',
            {{ dbt.current_timestamp() }})
{%- endmacro %}

{% macro affected_keys_table() -%}
    dbt_state.affected_keys
{%- endmacro %}

{#
  A predicate for the model's select: true in 'full' and 'rebuild', false in 'none', and in
  'incremental' the row's columns (prefixed with alias) among the keys the pre-hook noted.
#}
{% macro affected_rows(row_columns, alias='', model_name=none) -%}
    {%- set mode = incremental_mode() -%}
    {%- if mode in ('full', 'rebuild') -%}
        (1 = 1)
    {%- elif mode == 'none' -%}
        (1 = 0)
    {%- else -%}
        {{ affected_keys_in(row_columns, alias, model_name or this.identifier) }}
    {%- endif -%}
{%- endmacro %}

{% macro affected_keys_in(row_columns, alias, model_name) -%}
    {{ columns_in(row_columns, alias) }} in (
        select key_1{{ ', key_2' if row_columns | length > 1 }} from {{ affected_keys_table() }}
        where model_name = '{{ model_name }}')
{%- endmacro %}

{# The row's columns of an inline affected set (inside macros/affected.sql). #}
{% macro in_set(row_columns, sql, alias='') -%}
    {{ columns_in(row_columns, alias) }} in (select * from ({{ sql }}) s)
{%- endmacro %}

{% macro columns_in(columns, alias='') -%}
    ({% for c in columns %}{{ (alias ~ '.') if alias and not c.startswith("'") else '' }}{{ c }}
    {%- if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{# ---- the changed trust-periods and what they touch --------------------------------------------- #}

{# (trust, period) of every submission new to this model or newly superseded since its last build. #}
{% macro changed_periods() -%}
    select distinct s.trust_ods_code, s.period
    from {{ ref('submission_snapshot') }} s
    left join {{ remembered(this.identifier) }} m on m.submission_id = s.submission_id
    where m.submission_id is null or m.superseded <> s.superseded
{%- endmacro %}

{# (trust_ods_code, key) of every staging row of a changed trust-period, whatever its submission. #}
{% macro touched_keys(stg_model, key) -%}
    select distinct t.trust_ods_code, t.{{ key }}
    from {{ ref(stg_model) }} t
    where (t.trust_ods_code, t.period) in ({{ changed_periods() }})
{%- endmacro %}

{# Every version (any period, any submission) of the staging rows of the touched keys. #}
{% macro touched_versions(stg_model, key) -%}
    select v.*
    from {{ ref(stg_model) }} v
    where (v.trust_ods_code, v.{{ key }}) in ({{ touched_keys(stg_model, key) }})
{%- endmacro %}
