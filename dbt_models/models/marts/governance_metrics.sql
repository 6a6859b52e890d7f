-- M01–M17 (governance-metrics-v1.md, spec §10) per trust and month of the anchor date, plus
-- REGION. Each branch yields one row per denominator unit with hit = 1 when it is in the
-- numerator; the metric is then sum(hit) / count(*).
with referrals as (
    select * from {{ ref('fct_referral') }}
), contacts as (
    select * from {{ ref('fct_contact') }}
), injection_contacts as (
    select * from contacts where contact_type = 'injection' and attendance = 'attended'
), calendar as (
    select day, working_day_index from {{ ref('dim_calendar') }}
), goals_before as (
    -- every goal of the referral set on or before the contact (earlier cycles included)
    select c.trust_ods_code, c.contact_id,
           count(g.goal_id) as n_goals,
           sum(case when g.is_primary = 'Y' then 1 else 0 end) as n_primary,
           max(case when g.outcome_date between c.contact_date + 28 and c.contact_date + 140 then 1 else 0 end)
               as outcome_in_window
    from injection_contacts c
    left join {{ ref('fct_goal') }} g
      on g.trust_ods_code = c.trust_ods_code and g.referral_id = c.referral_id and g.set_date <= c.contact_date
    group by c.trust_ods_code, c.contact_id
), baseline_before as (
    select c.trust_ods_code, c.contact_id, count(m.measure_id) as n_baseline
    from injection_contacts c
    left join {{ ref('fct_outcome_measure') }} m
      on m.trust_ods_code = c.trust_ods_code and m.referral_id = c.referral_id
     and m.timepoint = 'baseline' and m.measure_date <= c.contact_date
    group by c.trust_ods_code, c.contact_id
), dose as (
    select trust_ods_code, contact_id, max(case when above_maximum then 1 else 0 end) as any_above
    from {{ ref('fct_injection_session') }}
    group by trust_ods_code, contact_id
), injection_days as (
    -- the patient's distinct attended injection days at the trust, each with the previous one
    select trust_ods_code, patient_token, contact_date,
           lag(contact_date) over (partition by trust_ods_code, patient_token order by contact_date) as previous_date
    from (select distinct trust_ods_code, patient_token, contact_date from injection_contacts) d
), min_interval as (
    select distinct valid_from, valid_to, min_days from {{ source('audit', 'clinical_limits') }}
), events as (
    select distinct trust_ods_code, contact_id from {{ ref('fct_adverse_event') }}
), pain as (
    select r.trust_ods_code, r.measure_date, r.value_numeric as review_value, b.value_numeric as baseline_value,
           row_number() over (partition by r.trust_ods_code, r.measure_id
                              order by b.measure_date desc, b.value_numeric desc) as baseline_rank
    from {{ ref('fct_outcome_measure') }} r
    join {{ ref('fct_outcome_measure') }} b
      on b.trust_ods_code = r.trust_ods_code and b.referral_id = r.referral_id
     and b.instrument = 'NRS_PAIN' and b.timepoint = 'baseline' and b.measure_date <= r.measure_date
    where r.instrument = 'NRS_PAIN' and r.timepoint = 'review'
), units as (
    select 'M01' as metric_id, trust_ods_code, {{ period_of('first_assessment_date') }} as period,
           case when first_assessment_date - referral_received_date <= 126 then 1 else 0 end as hit
    from referrals where first_assessment_date is not null
    union all
    select 'M02', r.trust_ods_code, {{ period_of('r.triage_date') }},
           case when t.working_day_index - d.working_day_index <= 10 then 1 else 0 end
    from referrals r
    join calendar d on d.day = r.referral_received_date
    join calendar t on t.day = r.triage_date
    where r.triage_date is not null
    union all
    select 'M03', trust_ods_code, {{ period_of('referral_received_date') }},
           case when standard_route = 'Y' then 1 else 0 end
    from referrals
    union all
    select 'M04', trust_ods_code, {{ period_of('contact_date') }},
           case when consultant_present = 'Y' and physio_present = 'Y' then 1 else 0 end
    from contacts where contact_type = 'assessment' and attendance = 'attended'
    union all
    select 'M05', c.trust_ods_code, {{ period_of('c.contact_date') }}, case when g.n_goals >= 1 then 1 else 0 end
    from injection_contacts c join goals_before g on g.trust_ods_code = c.trust_ods_code and g.contact_id = c.contact_id
    union all
    select 'M06', c.trust_ods_code, {{ period_of('c.contact_date') }}, case when g.n_primary = 1 then 1 else 0 end
    from injection_contacts c join goals_before g on g.trust_ods_code = c.trust_ods_code and g.contact_id = c.contact_id
    union all
    select 'M07', c.trust_ods_code, {{ period_of('c.contact_date') }}, case when b.n_baseline >= 1 then 1 else 0 end
    from injection_contacts c
    join baseline_before b on b.trust_ods_code = c.trust_ods_code and b.contact_id = c.contact_id
    union all
    select 'M08', c.trust_ods_code, {{ period_of('c.contact_date') }}, g.outcome_in_window
    from injection_contacts c join goals_before g on g.trust_ods_code = c.trust_ods_code and g.contact_id = c.contact_id
    union all
    select 'M09', c.trust_ods_code, {{ period_of('c.contact_date') }}, 1 - d.any_above
    from injection_contacts c join dose d on d.trust_ods_code = c.trust_ods_code and d.contact_id = c.contact_id
    union all
    select 'M10', c.trust_ods_code, {{ period_of('c.contact_date') }},
           case when c.contact_date - p.previous_date >= i.min_days then 1 else 0 end
    from injection_contacts c
    join injection_days p on p.trust_ods_code = c.trust_ods_code and p.patient_token = c.patient_token
     and p.contact_date = c.contact_date
    join min_interval i on c.contact_date >= i.valid_from and c.contact_date < i.valid_to
    where p.previous_date is not null
    union all
    select 'M11', c.trust_ods_code, {{ period_of('c.contact_date') }}, case when e.contact_id is null then 0 else 1 end
    from injection_contacts c left join events e on e.trust_ods_code = c.trust_ods_code and e.contact_id = c.contact_id
    union all
    select 'M12', org_code, period, case when gas_t_score >= 50 then 1 else 0 end
    from {{ ref('goal_attainment') }}
    union all
    select 'M13', trust_ods_code, {{ period_of('outcome_date') }}, case when outcome_score >= 0 then 1 else 0 end
    from {{ ref('fct_goal') }}
    where is_primary = 'Y' and outcome_score is not null and outcome_date is not null
    union all
    select 'M14', trust_ods_code, {{ period_of('measure_date') }},
           case when review_value <= baseline_value - 2 then 1 else 0 end
    from pain where baseline_rank = 1 and baseline_value >= 4
    union all
    select 'M15', trust_ods_code, {{ period_of('response_date') }}, case when understood_goals = 'Y' then 1 else 0 end
    from {{ ref('fct_experience') }} where understood_goals is not null
    union all
    select 'M16', trust_ods_code, {{ period_of('response_date') }}, case when fft_response <= 2 then 1 else 0 end
    from {{ ref('fct_experience') }} where fft_response between 1 and 5
    union all
    select 'M17', trust_ods_code, {{ period_of('contact_date') }}, case when attendance = 'dna' then 1 else 0 end
    from contacts where attendance in ('attended', 'dna')
), per_trust as (
    select metric_id, trust_ods_code as org_code, period, sum(hit) as numerator, count(*) as denominator
    from units group by metric_id, trust_ods_code, period
), with_region as (
    select * from per_trust
    union all
    select metric_id, 'REGION', period, sum(numerator), sum(denominator) from per_trust group by metric_id, period
)
select metric_id, org_code, period, cast(numerator as bigint) as numerator, cast(denominator as bigint) as denominator,
       cast(numerator as double precision) / denominator as value
from with_region
where denominator > 0
