-- The submission that counts for each (trust, period): accepted (with or without warnings), not
-- superseded — and should the audit trail ever hold two such, the later received. A rejected
-- submission is never current and supersedes nothing (spec §10).
select submission_id, trust_ods_code, period, received_at, status
from (
    select s.submission_id, s.trust_ods_code, s.period, s.received_at, s.status,
           row_number() over (partition by s.trust_ods_code, s.period
                              order by s.received_at desc, s.submission_id desc) as rank_in_period
    from {{ ref('submission_snapshot') }} s
    where s.status in ('accepted', 'accepted_with_warnings') and not s.superseded
) ranked
where rank_in_period = 1
