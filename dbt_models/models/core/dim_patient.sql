-- One row per person (patient token) across the network: attributes from the latest row
-- (latest period, then trust code), and how many trusts have seen them.
with ranked as (
    select p.*, row_number() over (partition by patient_token order by period desc, trust_ods_code) as r
    from {{ ref('fct_patient') }} p
), trusts as (
    select patient_token, count(distinct trust_ods_code) as n_trusts
    from {{ ref('fct_patient') }}
    group by patient_token
)
select r.patient_token, r.sex, r.ethnic_category, r.primary_condition, r.birth_year_month, r.postcode_outward,
       r.lsoa_code, r.imd_decile, t.n_trusts, r.trust_ods_code as latest_trust
from ranked r join trusts t on t.patient_token = r.patient_token
where r.r = 1
