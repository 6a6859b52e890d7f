-- Current referrals (one per trust and referral_id) with the waits M01 and M02 measure:
-- days_to_first_assessment (calendar days) and working_days_to_triage (working days in
-- (received, triage], England bank holidays excluded; 0 for a triage on the day of receipt).
{{ incremental_config(['trust_ods_code', 'referral_id'], 'touched_keys', ['stg_referrals', 'referral_id'],
                      indexes=[{'columns': ['trust_ods_code', 'referral_id']}]) }}
with referrals as (
    {{ current_rows('stg_referrals', 'referral_id',
       ['trust_ods_code', 'referral_id', 'local_patient_id', 'patient_token', 'referral_received_date',
        'referral_source', 'standard_route', 'priority', 'triage_date', 'first_assessment_date', 'site_ods_code',
        'discharge_date', 'age_at_referral'], affected_rows(['trust_ods_code', 'referral_id'], 's')) }}
), calendar as (
    select calendar_date, working_day_index from {{ ref('dim_calendar') }}
)
select r.*,
       {{ days_between('r.referral_received_date', 'r.first_assessment_date') }} as days_to_first_assessment,
       t.working_day_index - d.working_day_index as working_days_to_triage
from referrals r
left join calendar d on d.calendar_date = r.referral_received_date and r.triage_date is not null
left join calendar t on t.calendar_date = r.triage_date
