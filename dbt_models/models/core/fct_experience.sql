{{ current_rows('stg_experience', 'response_id',
   ['trust_ods_code', 'response_id', 'referral_id', 'response_date', 'fft_response', 'understood_goals',
    'preferred_contact', 'period', 'submission_id']) }}
