-- One row per person (patient token) per trust: attributes from the trust's latest current row of
-- that person (latest submitted period; two local ids of one person in one submission: the lower
-- local id). Per-trust marts (population_profile) describe people with these attributes.
{{ incremental_config(['trust_ods_code', 'patient_token'], 'trust_patient_affected',
                      indexes=[{'columns': ['trust_ods_code', 'patient_token']}, {'columns': ['patient_token']}]) }}
with ranked as (
    select r.*,
           row_number() over (partition by trust_ods_code, patient_token
                              order by submitted_period desc, submission_received_at desc, local_patient_id asc) as rn,
           count(*) over (partition by trust_ods_code, patient_token) as n_local_ids
    from {{ ref('dim_patient_record') }} r
    where {{ affected_rows(['trust_ods_code', 'patient_token'], 'r') }}
)
select trust_ods_code, patient_token, sex, ethnic_category, primary_condition, condition_onset_date,
       communication_preference, birth_year_month, postcode_outward, lsoa_code, imd_decile,
       local_patient_id as latest_local_patient_id, cast(n_local_ids as integer) as n_local_ids,
       submitted_period, submission_id, submission_received_at
from ranked
where rn = 1
