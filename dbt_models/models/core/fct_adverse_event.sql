-- Current adverse events (one per trust and event_id), each after an injection contact.
{{ current_rows('stg_adverse_events', 'event_id',
   ['trust_ods_code', 'event_id', 'contact_id', 'event_date', 'event_type', 'severity', 'serious']) }}
