{{ current_rows('stg_injections', 'injection_id',
   ['trust_ods_code', 'injection_id', 'contact_id', 'product', 'limb', 'side', 'muscle', 'units', 'guidance',
    'period', 'submission_id']) }}
