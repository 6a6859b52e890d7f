-- The network's trusts (config/trusts.yaml, as the dbt seed organisations.csv) with their hubs.
select o.ods as org_code, o.name, o.role, coalesce(o.hub, o.ods) as hub_code, h.name as hub_name
from {{ ref('organisations') }} o
left join {{ ref('organisations') }} h on h.ods = coalesce(o.hub, o.ods)
