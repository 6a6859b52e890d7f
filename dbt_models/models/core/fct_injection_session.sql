-- One row per injection contact and product: total units, limb class (upper only, lower only,
-- both) from that product's rows, and the licensed maximum in force on the contact date.
with sessions as (
    select i.trust_ods_code, i.contact_id, i.product, c.contact_date, c.attendance, c.patient_token,
           sum(i.units) as total_units, count(*) as n_rows,
           case when count(distinct i.limb) > 1 then 'both' else min(i.limb) end as limb_class
    from {{ ref('fct_injection') }} i
    join {{ ref('fct_contact') }} c on c.trust_ods_code = i.trust_ods_code and c.contact_id = i.contact_id
    group by i.trust_ods_code, i.contact_id, i.product, c.contact_date, c.attendance, c.patient_token
)
select s.*,
       case s.limb_class when 'upper' then l.upper when 'lower' then l.lower else l.both end as max_units,
       s.total_units > case s.limb_class when 'upper' then l.upper when 'lower' then l.lower else l.both end
           as above_maximum
from sessions s
join {{ source('audit', 'clinical_limits') }} l
  on l.product = s.product and s.contact_date >= l.valid_from and s.contact_date < l.valid_to
