-- One row per person (patient token) across the network: attributes from the latest current row
-- of any trust (latest submitted period, then the later received submission, then trust code);
-- n_trusts counts the trusts (hub and spokes) that hold the person.
{{ incremental_config(['patient_token'], 'patient_affected', indexes=[{'columns': ['patient_token']}]) }}
with ranked as (
    select t.*,
           row_number() over (partition by patient_token
                              order by submitted_period desc, submission_received_at desc, trust_ods_code asc) as rn,
           count(*) over (partition by patient_token) as n_trusts
    from {{ ref('dim_trust_patient') }} t
    where {{ affected_rows(['patient_token'], 't') }}
)
select patient_token, sex, ethnic_category, primary_condition, condition_onset_date, communication_preference,
       birth_year_month, postcode_outward, lsoa_code, imd_decile,
       trust_ods_code as latest_trust_ods_code, cast(n_trusts as integer) as n_trusts, submitted_period
from ranked
where rn = 1
