-- Each trust's current patient rows, one per (trust, local_patient_id) — the current-data rule
-- applied to raw.patients. local_patient_id means something only inside its trust.
{{ incremental_config(['trust_ods_code', 'local_patient_id'], 'touched_keys', ['stg_patients', 'local_patient_id'],
                      indexes=[{'columns': ['trust_ods_code', 'local_patient_id']}, {'columns': ['trust_ods_code', 'patient_token']}]) }}
{{ current_rows('stg_patients', 'local_patient_id',
   ['trust_ods_code', 'local_patient_id', 'patient_token', 'sex', 'ethnic_category', 'primary_condition',
    'condition_onset_date', 'communication_preference', 'birth_year_month', 'postcode_outward', 'lsoa_code',
    'imd_decile'], affected_rows(['trust_ods_code', 'local_patient_id'], 's')) }}
