-- Current contacts (one per trust and contact_id) with the patient's token. For attended injection
-- contacts: the date of the same patient's (token's) latest attended injection contact at the same
-- trust on a strictly earlier date, and the days since (M10, W05). Other trusts' contacts are ignored.
{{ incremental_config(['trust_ods_code', 'contact_id'], 'fct_contact_affected',
                      indexes=[{'columns': ['trust_ods_code', 'contact_id']},
                               {'columns': ['trust_ods_code', 'patient_token']},
                               {'columns': ['trust_ods_code', 'referral_id']}]) }}
with contacts as (
    {{ current_rows('stg_contacts', 'contact_id',
       ['trust_ods_code', 'contact_id', 'referral_id', 'patient_token', 'contact_date', 'contact_type',
        'attendance', 'consultant_present', 'physio_present', 'site_ods_code'], affected_rows(['trust_ods_code', 'contact_id'], 's')) }}
), injection_days as (
    select trust_ods_code, patient_token, contact_date,
           lag(contact_date) over (partition by trust_ods_code, patient_token order by contact_date) as previous_date
    from (
        select distinct trust_ods_code, patient_token, contact_date
        from contacts
        where contact_type = 'injection' and attendance = 'attended'
    ) d
)
select c.*,
       c.contact_type = 'injection' and c.attendance = 'attended' as is_attended_injection,
       i.previous_date as previous_injection_date,
       {{ days_between('i.previous_date', 'c.contact_date') }} as days_since_previous_injection
from contacts c
left join injection_days i
  on c.contact_type = 'injection' and c.attendance = 'attended'
 and i.trust_ods_code = c.trust_ods_code and i.patient_token = c.patient_token and i.contact_date = c.contact_date
