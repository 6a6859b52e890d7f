-- One row per injection contact and product (spec §6, §10 W04, M09): the session's total units of
-- the product, its limb class from that product's rows (upper only, lower only, both) and the
-- licensed maximum in force on the contact date for that class. A session with several products
-- is judged per product. Attendance is kept: M09 counts attended contacts only.
{{ incremental_config(['trust_ods_code', 'contact_id'], 'injection_session_affected',
                      indexes=[{'columns': ['trust_ods_code', 'contact_id']}]) }}
with sessions as (
    select trust_ods_code, contact_id, product,
           sum(units) as total_units,
           count(*) as n_injections,
           case when count(distinct limb) > 1 then 'both' else min(limb) end as limb_class
    from {{ ref('fct_injection') }}
    where {{ affected_rows(['trust_ods_code', 'contact_id']) }}
    group by trust_ods_code, contact_id, product
), priced as (
    select s.*, c.referral_id, c.patient_token, c.contact_date, c.contact_type, c.attendance,
           case s.limb_class when 'upper' then l.upper_limb when 'lower' then l.lower_limb else l.both_limbs end
               as max_units
    from sessions s
    join {{ ref('fct_contact') }} c on c.trust_ods_code = s.trust_ods_code and c.contact_id = s.contact_id
    join {{ ref('dim_clinical_limits') }} l
      on l.product = s.product and c.contact_date >= l.valid_from and c.contact_date < l.valid_to
)
select trust_ods_code, contact_id, product, referral_id, patient_token, contact_date, contact_type, attendance,
       cast(total_units as double precision) as total_units, cast(n_injections as integer) as n_injections,
       limb_class, cast(max_units as double precision) as max_units, total_units > max_units as above_maximum
from priced
