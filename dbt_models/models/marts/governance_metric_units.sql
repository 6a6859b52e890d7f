-- M01–M17 (governance-metrics-v1.md, spec §10) one row per denominator unit: which referral,
-- contact, goal, measure or response counts for which metric, trust and month, and whether it is
-- in the numerator. marts.governance_metrics is this table summed; analysts drill down here.
-- Everything reads core, i.e. current loaded data only (quarantined rows never count). Each unit
-- carries the referral it belongs to: the nightly recomputes the units of the referrals new rows
-- touch (macros/affected.sql, metric_referrals_affected).
{{ incremental_config(['org_code', 'referral_id'], 'metric_referrals_affected',
                      indexes=[{'columns': ['org_code', 'referral_id']}, {'columns': ['org_code', 'period']},
                               {'columns': ['period']}]) }}
with referrals as (
    select * from {{ ref('fct_referral') }} where {{ affected_rows(['trust_ods_code', 'referral_id']) }}
), contacts as (
    select * from {{ ref('fct_contact') }} where {{ affected_rows(['trust_ods_code', 'referral_id']) }}
), injection_contacts as (
    select * from contacts where is_attended_injection
), goals_before as (
    -- every goal of the referral set on or before the contact (earlier cycles included); M08 needs
    -- one goal meeting both conditions (set before, outcome within [contact + 28, contact + 140])
    select c.trust_ods_code, c.contact_id,
           count(g.goal_id) as n_goals,
           sum(case when g.is_primary = 'Y' then 1 else 0 end) as n_primary,
           max(case when g.outcome_date between {{ add_days('c.contact_date', 28) }}
                                             and {{ add_days('c.contact_date', 140) }}
                    then 1 else 0 end) as outcome_in_window
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
    where {{ affected_rows(['trust_ods_code', 'referral_id']) }}
    group by trust_ods_code, contact_id
), reinjection_limits as (
    select distinct valid_from, valid_to, min_reinjection_days from {{ ref('dim_clinical_limits') }}
), events as (
    select distinct e.trust_ods_code, e.contact_id
    from {{ ref('fct_adverse_event') }} e
    join injection_contacts c on c.trust_ods_code = e.trust_ods_code and c.contact_id = e.contact_id
), pain as (
    -- each NRS_PAIN review with the latest NRS_PAIN baseline of its referral on or before the
    -- review date (a baseline on the review date counts; two on that date: the higher value)
    select r.trust_ods_code, r.referral_id, r.measure_id, r.measure_date, r.value_numeric as review_value,
           b.value_numeric as baseline_value,
           row_number() over (partition by r.trust_ods_code, r.measure_id
                              order by b.measure_date desc, b.value_numeric desc) as baseline_rank
    from {{ ref('fct_outcome_measure') }} r
    join {{ ref('fct_outcome_measure') }} b
      on b.trust_ods_code = r.trust_ods_code and b.referral_id = r.referral_id
     and b.instrument = 'NRS_PAIN' and b.timepoint = 'baseline' and b.measure_date <= r.measure_date
    where r.instrument = 'NRS_PAIN' and r.timepoint = 'review'
      and {{ affected_rows(['trust_ods_code', 'referral_id'], 'r') }}
), units as (
    -- M01 first assessment within 18 weeks (126 days)
    select 'M01' as metric_id, trust_ods_code, first_assessment_date as anchor_date, 'referral' as unit_type,
           referral_id as unit_id, referral_id,
           case when days_to_first_assessment <= 126 then 1 else 0 end as in_numerator
    from referrals where first_assessment_date is not null
    union all
    -- M02 triage within 10 working days: working days in (received, triage]
    select 'M02', trust_ods_code, triage_date, 'referral', referral_id as unit_id, referral_id,
           case when working_days_to_triage <= 10 then 1 else 0 end
    from referrals where triage_date is not null
    union all
    -- M03 standard referral route
    select 'M03', trust_ods_code, referral_received_date, 'referral', referral_id as unit_id, referral_id,
           case when standard_route = 'Y' then 1 else 0 end
    from referrals
    union all
    -- M04 joint consultant–physiotherapist assessment
    select 'M04', trust_ods_code, contact_date, 'contact', contact_id, referral_id,
           case when consultant_present = 'Y' and physio_present = 'Y' then 1 else 0 end
    from contacts where contact_type = 'assessment' and attendance = 'attended'
    union all
    -- M05 goals set before injection
    select 'M05', c.trust_ods_code, c.contact_date, 'contact', c.contact_id, c.referral_id, case when g.n_goals >= 1 then 1 else 0 end
    from injection_contacts c join goals_before g on g.trust_ods_code = c.trust_ods_code and g.contact_id = c.contact_id
    union all
    -- M06 exactly one primary goal set on or before the injection
    select 'M06', c.trust_ods_code, c.contact_date, 'contact', c.contact_id, c.referral_id, case when g.n_primary = 1 then 1 else 0 end
    from injection_contacts c join goals_before g on g.trust_ods_code = c.trust_ods_code and g.contact_id = c.contact_id
    union all
    -- M07 baseline measure before injection
    select 'M07', c.trust_ods_code, c.contact_date, 'contact', c.contact_id, c.referral_id,
           case when b.n_baseline >= 1 then 1 else 0 end
    from injection_contacts c
    join baseline_before b on b.trust_ods_code = c.trust_ods_code and b.contact_id = c.contact_id
    union all
    -- M08 goal outcome recorded 4–20 weeks after injection
    select 'M08', c.trust_ods_code, c.contact_date, 'contact', c.contact_id, c.referral_id, g.outcome_in_window
    from injection_contacts c join goals_before g on g.trust_ods_code = c.trust_ods_code and g.contact_id = c.contact_id
    union all
    -- M09 dose within licensed maximum (contacts with at least one current injection row)
    select 'M09', c.trust_ods_code, c.contact_date, 'contact', c.contact_id, c.referral_id, 1 - d.any_above
    from injection_contacts c join dose d on d.trust_ods_code = c.trust_ods_code and d.contact_id = c.contact_id
    union all
    -- M10 re-injection interval ≥ the configured minimum (84 days), when there is an earlier one
    select 'M10', c.trust_ods_code, c.contact_date, 'contact', c.contact_id, c.referral_id,
           case when c.days_since_previous_injection >= l.min_reinjection_days then 1 else 0 end
    from injection_contacts c
    join reinjection_limits l on c.contact_date >= l.valid_from and c.contact_date < l.valid_to
    where c.days_since_previous_injection is not null
    union all
    -- M11 adverse event after injection (a contact counts once however many events)
    select 'M11', c.trust_ods_code, c.contact_date, 'contact', c.contact_id, c.referral_id,
           case when e.contact_id is null then 0 else 1 end
    from injection_contacts c left join events e on e.trust_ods_code = c.trust_ods_code and e.contact_id = c.contact_id
    union all
    -- M12 goal attainment: GAS T ≥ 50 per (referral, outcome month); anchored on the month's first day
    select 'M12', org_code, cast(period || '-01' as date), 'referral_month', referral_id as unit_id, referral_id,
           case when gas_t_score >= 50 then 1 else 0 end
    from {{ ref('goal_attainment') }}
    where {{ affected_rows(['org_code', 'referral_id']) }}
    union all
    -- M13 primary goal achieved (no set_date condition)
    select 'M13', trust_ods_code, outcome_date, 'goal', goal_id, referral_id,
           case when outcome_score >= 0 then 1 else 0 end
    from {{ ref('fct_goal') }}
    where is_primary = 'Y' and outcome_score is not null and outcome_date is not null
      and {{ affected_rows(['trust_ods_code', 'referral_id']) }}
    union all
    -- M14 clinically important pain reduction: baseline ≥ 4, review ≤ baseline − 2
    select 'M14', trust_ods_code, measure_date, 'measure', measure_id, referral_id,
           case when review_value <= baseline_value - 2 then 1 else 0 end
    from pain where baseline_rank = 1 and baseline_value >= 4
    union all
    -- M15 patient understood their goals (U, unsure, is in the denominator)
    select 'M15', trust_ods_code, response_date, 'response', response_id, referral_id,
           case when understood_goals = 'Y' then 1 else 0 end
    from {{ ref('fct_experience') }}
    where understood_goals is not null and {{ affected_rows(['trust_ods_code', 'referral_id']) }}
    union all
    -- M16 FFT positive (6, don't know, is excluded)
    select 'M16', trust_ods_code, response_date, 'response', response_id, referral_id,
           case when fft_response in (1, 2) then 1 else 0 end
    from {{ ref('fct_experience') }}
    where fft_response between 1 and 5 and {{ affected_rows(['trust_ods_code', 'referral_id']) }}
    union all
    -- M17 did not attend (every contact type)
    select 'M17', trust_ods_code, contact_date, 'contact', contact_id, referral_id, case when attendance = 'dna' then 1 else 0 end
    from contacts where attendance in ('attended', 'dna')
)
select metric_id, trust_ods_code as org_code, {{ period_of('anchor_date') }} as period, anchor_date, unit_type,
       unit_id, cast(in_numerator as integer) as in_numerator, referral_id
from units
