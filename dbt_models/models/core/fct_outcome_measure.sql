-- Current outcome measures (one per trust and measure_id); value_numeric orders MAS with 1+ = 1.5.
{{ incremental_config(['trust_ods_code', 'measure_id'], 'touched_keys', ['stg_outcome_measures', 'measure_id'],
                      indexes=[{'columns': ['trust_ods_code', 'measure_id']}, {'columns': ['trust_ods_code', 'referral_id']}]) }}
{{ current_rows('stg_outcome_measures', 'measure_id',
   ['trust_ods_code', 'measure_id', 'referral_id', 'measure_date', 'timepoint', 'instrument', 'body_site', 'value',
    'value_numeric'], affected_rows(['trust_ods_code', 'measure_id'], 's')) }}
