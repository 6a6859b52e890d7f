{{ current_rows('stg_contacts', 'contact_id',
   ['trust_ods_code', 'contact_id', 'referral_id', 'patient_token', 'contact_date', 'contact_type', 'attendance',
    'consultant_present', 'physio_present', 'site_ods_code', 'period', 'submission_id']) }}
