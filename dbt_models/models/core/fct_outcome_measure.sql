{{ current_rows('stg_outcome_measures', 'measure_id',
   ['trust_ods_code', 'measure_id', 'referral_id', 'measure_date', 'timepoint', 'instrument', 'body_site', 'value',
    'value_numeric', 'period', 'submission_id']) }}
