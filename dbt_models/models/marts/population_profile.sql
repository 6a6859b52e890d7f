-- Distinct patients (tokens) with an attended contact in the month, by primary condition, age band
-- (age on the month's first day), sex, ethnic group and IMD quintile (1 most deprived; null
-- unknown). Per trust with the trust's latest attributes of the person (dim_trust_patient), and
-- REGION with the network's latest attributes (dim_patient): a person seen at two trusts counts
-- once in REGION, so REGION is not the sum of the trusts here.
-- Only the birth month is kept (spec §4): the person is taken to be born after the 1st of the
-- month, so the age on the 1st of the birth month is the age before that year's birthday.
-- Incremental by (org, month): macros/affected.sql, profile_periods_affected.
{{ incremental_config(['org_code', 'period'], 'profile_periods_affected',
                      indexes=[{'columns': ['org_code', 'period']}]) }}
with seen as (
    select distinct trust_ods_code, patient_token, {{ period_of('contact_date') }} as period
    from {{ ref('fct_contact') }}
    where attendance = 'attended' and patient_token is not null
      {%- if incremental_mode() == 'incremental' %}
      and {{ period_of('contact_date') }} in (
          select ak.key_2 from {{ affected_keys_table() }} ak where ak.model_name = '{{ this.identifier }}'
      )
      {%- endif %}
), people as (
    select s.trust_ods_code as org_code, s.period, s.patient_token, p.sex, p.ethnic_category, p.primary_condition,
           p.birth_year_month, p.imd_decile
    from seen s
    left join {{ ref('dim_trust_patient') }} p
      on p.trust_ods_code = s.trust_ods_code and p.patient_token = s.patient_token
    where {{ affected_rows(['trust_ods_code', 'period'], 's') }}
    union all
    select 'REGION', r.period, r.patient_token, d.sex, d.ethnic_category, d.primary_condition,
           d.birth_year_month, d.imd_decile
    from (select distinct patient_token, period from seen) r
    left join {{ ref('dim_patient') }} d on d.patient_token = r.patient_token
    where {{ affected_rows(["'REGION'", 'period'], 'r') }}
), aged as (
    select p.*, g.ethnic_group,
           cast(floor(({{ months_between_periods('p.period', 'p.birth_year_month') }} - 1) / 12.0) as integer) as age
    from people p
    left join {{ ref('ethnic_groups') }} g on g.ethnic_category = p.ethnic_category
), banded as (
    select org_code, period, patient_token, primary_condition, sex, ethnic_group,
           case when age is null then null
                when age < 18 then '0-17' when age < 40 then '18-39' when age < 60 then '40-59'
                when age < 80 then '60-79' else '80+' end as age_band,
           cast(floor((imd_decile + 1) / 2.0) as integer) as imd_quintile
    from aged
)
select org_code, period, primary_condition, age_band, sex, ethnic_group, imd_quintile,
       cast(count(distinct patient_token) as bigint) as patients
from banded
group by org_code, period, primary_condition, age_band, sex, ethnic_group, imd_quintile
