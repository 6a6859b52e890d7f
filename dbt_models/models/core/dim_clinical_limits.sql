-- The clinical configuration of spec §6 (config/clinical.yaml, mirrored by the seed
-- clinical_limits.csv): per version and product, the licensed maximum units per session by limb
-- class and the minimum re-injection interval, valid on [valid_from, valid_to). The first version
-- also covers every earlier date, as config.Clinical.version_at does.
select effective_from, product, upper_limb, lower_limb, both_limbs, min_reinjection_days,
       case when effective_from = min(effective_from) over () then cast('0001-01-01' as date)
            else effective_from end as valid_from,
       coalesce(lead(effective_from) over (partition by product order by effective_from),
                cast('9999-12-31' as date)) as valid_to
from {{ ref('clinical_limits') }}
