-- Current adverse events (one per trust and event_id), each after an injection contact.
{{ incremental_config(['trust_ods_code', 'event_id'], 'touched_keys', ['stg_adverse_events', 'event_id'],
                      indexes=[{'columns': ['trust_ods_code', 'event_id']}, {'columns': ['trust_ods_code', 'contact_id']}]) }}
{{ current_rows('stg_adverse_events', 'event_id',
   ['trust_ods_code', 'event_id', 'contact_id', 'event_date', 'event_type', 'severity', 'serious'], affected_rows(['trust_ods_code', 'event_id'], 's')) }}
