-- Every day 2000–2035: ISO weekday, England bank holiday (seed england_bank_holidays, the same
-- years, substitute days and royal one-offs included) and a running count of working days, so that
--   working days in (D, X] = working_day_index(X) − working_day_index(D)      (spec §10, M02)
-- Outside the years the seed covers only weekends are known (bank_holidays_known = false).
with days as (
    {{ day_series('2000-01-01', '2035-12-31', 'calendar_date') }}
), holidays as (
    select holiday_date, holiday_name from {{ ref('england_bank_holidays') }}
), covered as (
    select min(extract(year from holiday_date)) as first_year, max(extract(year from holiday_date)) as last_year
    from holidays
), flagged as (
    select d.calendar_date,
           cast(extract(isodow from d.calendar_date) as integer) as iso_weekday,
           h.holiday_name,
           extract(year from d.calendar_date) between k.first_year and k.last_year as bank_holidays_known,
           case when extract(isodow from d.calendar_date) <= 5 and h.holiday_date is null then 1 else 0 end
               as working_flag
    from days d
    cross join covered k
    left join holidays h on h.holiday_date = d.calendar_date
)
select calendar_date,
       {{ period_of('calendar_date') }} as period,
       iso_weekday,
       iso_weekday >= 6 as is_weekend,
       holiday_name is not null as is_bank_holiday,
       holiday_name,
       working_flag = 1 as is_working_day,
       bank_holidays_known,
       cast(sum(working_flag) over (order by calendar_date rows between unbounded preceding and current row)
            as bigint) as working_day_index
from flagged
