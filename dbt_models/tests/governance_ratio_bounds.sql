-- 0 ≤ numerator ≤ denominator, denominator > 0, and value is their quotient.
select metric_id, org_code, period
from {{ ref('governance_metrics') }}
where numerator < 0 or numerator > denominator or denominator <= 0
   or abs(value - cast(numerator as double precision) / cast(denominator as double precision)) > 1e-12
