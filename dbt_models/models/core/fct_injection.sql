-- Current injections, one row per muscle injected (one per trust and injection_id).
{{ incremental_config(['trust_ods_code', 'injection_id'], 'touched_keys', ['stg_injections', 'injection_id'],
                      indexes=[{'columns': ['trust_ods_code', 'injection_id']}, {'columns': ['trust_ods_code', 'contact_id']}]) }}
{{ current_rows('stg_injections', 'injection_id',
   ['trust_ods_code', 'injection_id', 'contact_id', 'product', 'limb', 'side', 'muscle', 'units', 'guidance'], affected_rows(['trust_ods_code', 'injection_id'], 's')) }}
