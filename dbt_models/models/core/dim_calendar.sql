-- Every day 2015–2030: weekday, England bank holiday, and a running count of working days, so
-- "working days in (D, X]" = working_day_index(X) - working_day_index(D) (spec §10).
with days as (
    select cast(generate_series as date) as day
    from generate_series(date '2015-01-01', date '2030-12-31', interval '1 day')
), flagged as (
    select d.day, extract(isodow from d.day) as iso_weekday, h.holiday_name,
           case when extract(isodow from d.day) <= 5 and h.holiday_date is null then 1 else 0 end as is_working_day
    from days d left join {{ ref('england_bank_holidays') }} h on h.holiday_date = d.day
)
select day, {{ period_of('day') }} as period, iso_weekday, holiday_name, is_working_day = 1 as is_working_day,
       sum(is_working_day) over (order by day rows between unbounded preceding and current row) as working_day_index
from flagged
