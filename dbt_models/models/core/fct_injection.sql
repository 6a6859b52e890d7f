-- Current injections, one row per muscle injected (one per trust and injection_id).
{{ current_rows('stg_injections', 'injection_id',
   ['trust_ods_code', 'injection_id', 'contact_id', 'product', 'limb', 'side', 'muscle', 'units', 'guidance']) }}
