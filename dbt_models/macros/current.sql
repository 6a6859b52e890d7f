{#
  The current-data rule (spec §7, §10) for one staging model:
  1. only rows of the current submission of each (trust, period) count — the latest accepted,
     not superseded one (model current_submissions; a rejected submission supersedes nothing);
  2. per (trust, primary key) the row from the latest such period wins ("latest" is by period
     first, so a resubmitted June never overrides July's version);
  3. a row quarantined in a later period is simply absent from that period's staging rows, so the
     earlier loaded version stays current.
  restrict: a predicate on the staging rows (alias s), e.g. the keys an incremental model recomputes
  (macros/incremental.sql).
  Every row keeps submission_id, submitted_period (the period of the submission it came from) and
  row_number, so an analyst can trace it back to the file the trust sent.
#}
{% macro current_rows(model, key, columns, restrict=none) -%}
select {% for c in columns %}latest.{{ c }}, {% endfor %}
       latest.submission_id, latest.period as submitted_period, latest.received_at as submission_received_at,
       latest.row_number
from (
    select s.*, c.received_at,
           row_number() over (partition by s.trust_ods_code, s.{{ key }}
                              order by s.period desc, s.row_number) as version_rank
    from {{ ref(model) }} s
    join {{ ref('current_submissions') }} c on c.submission_id = s.submission_id
    {%- if restrict %}
    where {{ restrict }}
    {%- endif %}
) latest
where latest.version_rank = 1
{%- endmacro %}
