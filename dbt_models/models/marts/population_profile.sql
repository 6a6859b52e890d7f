-- Distinct patients with an attended contact in the month, by condition, age band (age on the
-- month's first day), sex, ethnic group and IMD quintile; per trust and REGION (a patient seen
-- at two trusts counts once in REGION, with the network's latest attributes).
with seen as (
    select distinct trust_ods_code, patient_token, {{ period_of('contact_date') }} as period
    from {{ ref('fct_contact') }}
    where attendance = 'attended' and patient_token is not null
), at_trust as (
    select trust_ods_code, patient_token, sex, ethnic_category, primary_condition, birth_year_month, imd_decile,
           row_number() over (partition by trust_ods_code, patient_token order by period desc, local_patient_id) as r
    from {{ ref('fct_patient') }}
), rows as (
    select s.trust_ods_code as org_code, s.period, s.patient_token, p.sex, p.ethnic_category, p.primary_condition,
           p.birth_year_month, p.imd_decile
    from seen s join at_trust p on p.trust_ods_code = s.trust_ods_code and p.patient_token = s.patient_token and p.r = 1
    union all
    select distinct 'REGION', s.period, s.patient_token, d.sex, d.ethnic_category, d.primary_condition,
           d.birth_year_month, d.imd_decile
    from seen s join {{ ref('dim_patient') }} d on d.patient_token = s.patient_token
), aged as (
    -- the birth day is not kept (spec §4): treat it as the birth month's last day, so the age is
    -- right on every day of the month except for people born on the 1st
    select r.*, cast(floor(((cast(substr(period, 1, 4) as integer) * 12 + cast(substr(period, 6, 2) as integer))
                       - (cast(substr(birth_year_month, 1, 4) as integer) * 12
                          + cast(substr(birth_year_month, 6, 2) as integer)) - 1) / 12.0) as integer) as age
    from rows r
)
select org_code, period, primary_condition,
       case when age < 18 then '0-17' when age < 40 then '18-39' when age < 60 then '40-59'
            when age < 80 then '60-79' else '80+' end as age_band,
       sex,
       case when ethnic_category in ('A', 'B', 'C') then 'White'
            when ethnic_category in ('D', 'E', 'F', 'G') then 'Mixed'
            when ethnic_category in ('H', 'J', 'K', 'L') then 'Asian'
            when ethnic_category in ('M', 'N', 'P') then 'Black'
            when ethnic_category in ('R', 'S') then 'Other'
            else 'Not stated' end as ethnic_group,
       cast(floor((imd_decile + 1) / 2.0) as integer) as imd_quintile,
       count(distinct patient_token) as patients
from aged
group by 1, 2, 3, 4, 5, 6, 7
