-- Current patient experience responses (one per trust and response_id).
{{ incremental_config(['trust_ods_code', 'response_id'], 'touched_keys', ['stg_experience', 'response_id'],
                      indexes=[{'columns': ['trust_ods_code', 'response_id']}, {'columns': ['trust_ods_code', 'referral_id']}]) }}
{{ current_rows('stg_experience', 'response_id',
   ['trust_ods_code', 'response_id', 'referral_id', 'response_date', 'fft_response', 'understood_goals',
    'preferred_contact'], affected_rows(['trust_ods_code', 'response_id'], 's')) }}
