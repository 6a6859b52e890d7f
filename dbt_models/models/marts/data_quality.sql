-- Per submission and file: rows in, loaded and quarantined; findings per rule (one column per
-- rule id, findings_f01 … findings_w05, lower case so Postgres needs no quotes); completeness (share non-empty among loaded rows) of
-- each optional field of that file (null for fields of other files). Submission-level findings
-- (manifest.json) get their own row.
{% set rules = rule_ids() %}
{% set optional = optional_fields() %}
{% set all_fields = [] %}{% for t, fs in optional.items() %}{% for f in fs %}{% do all_fields.append(f) %}{% endfor %}{% endfor %}
with found as (
    select submission_id, coalesce(dataset_file, file) as file, rule_id, count(*) as n
    from {{ source('audit', 'findings') }}
    group by submission_id, coalesce(dataset_file, file), rule_id
), by_rule as (
    select submission_id, file
        {%- for r in rules %},
        sum(case when rule_id = '{{ r }}' then n else 0 end) as findings_{{ r | lower }}
        {%- endfor %}
    from found
    group by submission_id, file
), keys as (
    select submission_id, file from {{ source('audit', 'files') }}
    union
    select submission_id, file from found
), completeness as (
    {% for table, fields in optional.items() %}
    select submission_id, '{{ table }}.csv' as file
        {%- for f in all_fields %},
        {% if f in fields %}avg(case when {{ f }} is not null then 1.0 else 0.0 end){% else %}cast(null as double precision){% endif %} as completeness_{{ f }}
        {%- endfor %}
    from {{ ref('stg_' ~ table) }}
    group by submission_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)
select k.submission_id, s.trust_ods_code, s.period, s.status, s.superseded, k.file,
       coalesce(f.rows_in, 0) as rows_in, coalesce(f.rows_loaded, 0) as rows_loaded,
       coalesce(f.rows_quarantined, 0) as rows_quarantined
       {%- for r in rules %},
       cast(coalesce(p.findings_{{ r | lower }}, 0) as bigint) as findings_{{ r | lower }}
       {%- endfor %}
       {%- for fld in all_fields %},
       c.completeness_{{ fld }}
       {%- endfor %}
from keys k
join {{ ref('stg_submissions') }} s on s.submission_id = k.submission_id
left join {{ source('audit', 'files') }} f on f.submission_id = k.submission_id and f.file = k.file
left join by_rule p on p.submission_id = k.submission_id and p.file = k.file
left join completeness c on c.submission_id = k.submission_id and c.file = k.file
