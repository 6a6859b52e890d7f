{#
  The current-data rule (spec §7, §10): rows of the current submission of each (trust, period),
  then, per (trust, key), the row from the latest period. A row quarantined later is simply
  absent from that later submission, so the earlier loaded version stays current.
#}
{% macro current_rows(model, key, columns) -%}
select {{ columns | join(', ') }}
from (
    select s.*, row_number() over (partition by s.trust_ods_code, s.{{ key }}
                                   order by s.period desc, s.row_number) as version_rank
    from {{ ref(model) }} s
    join {{ ref('current_submissions') }} c on c.submission_id = s.submission_id
) latest
where version_rank = 1
{%- endmacro %}
