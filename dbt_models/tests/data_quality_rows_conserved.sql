-- Row conservation (spec §3) per loaded submission: the files' rows add up to audit.submissions.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'data_quality'}}}) }}
select d.submission_id
from {{ ref('data_quality') }} d
join {{ ref('stg_submissions') }} s on s.submission_id = d.submission_id
where s.status <> 'rejected'
group by d.submission_id, s.rows_loaded, s.rows_quarantined
having sum(d.rows_loaded) <> s.rows_loaded or sum(d.rows_quarantined) <> s.rows_quarantined
