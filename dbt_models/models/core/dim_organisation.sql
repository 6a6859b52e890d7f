-- The network's trusts (config/trusts.yaml, mirrored by the seed organisations.csv) with their hub.
select o.ods as org_code, o.name as org_name, o.role,
       coalesce(o.hub, o.ods) as hub_code, h.name as hub_name
from {{ ref('organisations') }} o
left join {{ ref('organisations') }} h on h.ods = coalesce(o.hub, o.ods)
