-- The submission that counts for each (trust, period): the latest accepted one by received_at
-- (a rejected submission supersedes nothing).
select submission_id, trust_ods_code, period, received_at, status
from (
    select s.*, row_number() over (partition by trust_ods_code, period
                                   order by received_at desc, submission_id desc) as rank_in_period
    from {{ ref('stg_submissions') }} s
    where status <> 'rejected'
) ranked
where rank_in_period = 1
