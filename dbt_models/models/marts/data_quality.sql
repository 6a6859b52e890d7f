-- Per submission and file (spec §7), long on rows, wide on rules:
--   * every accepted submission (current or superseded) has one row for each of the eight files;
--   * any submission has a row for each other file its findings name (manifest.json, or a file of a
--     rejected submission).
-- rows_loaded = the file's rows in staging; rows_quarantined = distinct rows with an E2 finding;
-- rows_in = rows_loaded + rows_quarantined (row conservation), null for a rejected submission
-- (nothing of it was loaded or quarantined; audit.submissions.rows_in has what could be read).
-- findings_<rule> counts the findings of each rule of spec §3 on that file (W01 is one per file);
-- completeness_<field> is the share of loaded rows with the optional field filled (null for fields
-- of other files or when no row loaded).
{%- set rules = rule_ids() %}
{%- set files = dataset_files() %}
{%- set optional = optional_fields() %}
{%- set all_fields = [] %}
{%- for table, fields in optional.items() %}{% for f in fields %}{% do all_fields.append(f) %}{% endfor %}{% endfor %}
-- Incremental by submission: every submission of a changed trust-period is recomputed.
{{ incremental_config(['submission_id'], 'data_quality_affected', indexes=[{'columns': ['submission_id']}]) }}
with submissions as (
    select * from {{ ref('submission_snapshot') }} where {{ affected_rows(['submission_id']) }}
), current_ids as (
    select submission_id from {{ ref('current_submissions') }}
), dataset_files as (
    {%- for file in files %}
    select '{{ file }}' as file
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
), findings as (
    select * from {{ ref('stg_findings') }} where {{ affected_rows(['submission_id']) }}
), keys as (
    select s.submission_id, f.file
    from submissions s cross join dataset_files f
    where s.status <> 'rejected'
    union
    select distinct submission_id, coalesce(file, 'manifest.json') from findings
), loaded as (
    {%- for file, table in files.items() %}
    select submission_id, '{{ file }}' as file, count(*) as rows_loaded
        {%- for f in all_fields %},
        {% if f in optional[table] -%}
        avg(case when {{ f }} is not null then cast(1 as double precision) else cast(0 as double precision) end)
        {%- else -%}
        cast(null as double precision)
        {%- endif %} as completeness_{{ f }}
        {%- endfor %}
    from {{ ref('stg_' ~ table) }}
    {%- if incremental_mode() == 'incremental' %}
    where (trust_ods_code, period) in ({{ changed_periods() }})
      and {{ affected_rows(['submission_id']) }}
    {%- endif %}
    group by submission_id
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
), quarantined as (
    select submission_id, coalesce(file, 'manifest.json') as file,
           count(distinct source_file || '#' || cast(row_number as varchar(20))) as rows_quarantined
    from findings
    where severity = 'E2'
    group by submission_id, coalesce(file, 'manifest.json')
), by_rule as (
    select submission_id, coalesce(file, 'manifest.json') as file, count(*) as n_findings
        {%- for r in rules %},
        sum(case when rule_id = '{{ r }}' then 1 else 0 end) as findings_{{ r | lower }}
        {%- endfor %}
    from findings
    group by submission_id, coalesce(file, 'manifest.json')
)
select k.submission_id, s.trust_ods_code, s.period, s.status, s.superseded,
       k.submission_id in (select c.submission_id from current_ids c) as is_current,
       k.file,
       case when s.status = 'rejected' then null
            else cast(coalesce(l.rows_loaded, 0) + coalesce(q.rows_quarantined, 0) as bigint) end as rows_in,
       cast(coalesce(l.rows_loaded, 0) as bigint) as rows_loaded,
       cast(coalesce(q.rows_quarantined, 0) as bigint) as rows_quarantined,
       cast(coalesce(r.n_findings, 0) as bigint) as n_findings
       {%- for rule in rules %},
       cast(coalesce(r.findings_{{ rule | lower }}, 0) as bigint) as findings_{{ rule | lower }}
       {%- endfor %}
       {%- for f in all_fields %},
       l.completeness_{{ f }}
       {%- endfor %}
from keys k
join submissions s on s.submission_id = k.submission_id
left join loaded l on l.submission_id = k.submission_id and l.file = k.file
left join quarantined q on q.submission_id = k.submission_id and q.file = k.file
left join by_rule r on r.submission_id = k.submission_id and r.file = k.file
