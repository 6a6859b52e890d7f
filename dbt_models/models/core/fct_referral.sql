{{ current_rows('stg_referrals', 'referral_id',
   ['trust_ods_code', 'referral_id', 'local_patient_id', 'patient_token', 'referral_received_date',
    'referral_source', 'standard_route', 'priority', 'triage_date', 'first_assessment_date', 'site_ods_code',
    'discharge_date', 'age_at_referral', 'period', 'submission_id']) }}
