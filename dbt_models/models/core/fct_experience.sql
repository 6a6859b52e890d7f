-- Current patient experience responses (one per trust and response_id).
{{ current_rows('stg_experience', 'response_id',
   ['trust_ods_code', 'response_id', 'referral_id', 'response_date', 'fft_response', 'understood_goals',
    'preferred_contact']) }}
