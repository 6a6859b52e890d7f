-- SPC points (spc-v1): one row per point of each (metric_id, org_code) series of governance_metrics
-- (trusts and REGION) — the months that have a row, in period order; a missing month is not a
-- point, and the rules count consecutive points. special_cause is the point's side, high or low,
-- from the first of the four rules that flags it; null when no rule does, and null for every point
-- of a series with fewer than 12 points (no limits, so no rule can be judged).
-- A plain table rebuilt in full every night (one row per metric × org × month: small), never
-- incremental: a new month moves the mean and limits of every earlier point.
{{ config(materialized='table') }}
with points as (
    select metric_id, org_code, period, value,
           row_number() over (partition by metric_id, org_code order by period) as idx
    from {{ ref('governance_metrics') }}
), series as (
    {{ spc_series('points') }}
), judged as (
    -- each point against the series' lines and against the point before it
    select p.metric_id, p.org_code, p.period, p.value, p.idx, s.n_points,
           case when {{ spc_above('p.value', 's.ucl') }} then 'high'
                when {{ spc_below('p.value', 's.lcl') }} then 'low' end as outside_limits,
           case when {{ spc_above('p.value', 's.upper_2s') }} then 1 else 0 end as beyond_upper_2s,
           case when {{ spc_below('p.value', 's.lower_2s') }} then 1 else 0 end as beyond_lower_2s,
           case when {{ spc_above('p.value', 's.mean') }} then 'high'
                when {{ spc_below('p.value', 's.mean') }} then 'low' end as mean_side,
           case when {{ spc_above('p.value', 'lag(p.value) over (partition by p.metric_id, p.org_code order by p.idx)') }}
                then 'high'
                when {{ spc_below('p.value', 'lag(p.value) over (partition by p.metric_id, p.org_code order by p.idx)') }}
                then 'low' end as step
    from points p
    join series s on s.metric_id = p.metric_id and s.org_code = p.org_code
    where s.n_points >= {{ spc_min_points() }}
), windows as (
    -- rule 2: the 3-point window starting at this point (only whole windows), points beyond each 2-sigma line;
    -- rule 3: runs of points on one side of the mean (gaps and islands: idx minus rank within the side);
    -- rule 4: runs of steps in one direction (a step belongs to the point it arrives at)
    select judged.*,
           case when idx + 2 <= n_points then sum(beyond_upper_2s) over (
               partition by metric_id, org_code order by idx rows between current row and 2 following) end as window_upper,
           case when idx + 2 <= n_points then sum(beyond_lower_2s) over (
               partition by metric_id, org_code order by idx rows between current row and 2 following) end as window_lower,
           idx - row_number() over (partition by metric_id, org_code, mean_side order by idx) as shift_run,
           idx - row_number() over (partition by metric_id, org_code, step order by idx) as trend_run
    from judged
), runs as (
    select windows.*,
           max(window_upper) over (
               partition by metric_id, org_code order by idx rows between 2 preceding and current row) as best_window_upper,
           max(window_lower) over (
               partition by metric_id, org_code order by idx rows between 2 preceding and current row) as best_window_lower,
           case when mean_side is not null
                then count(*) over (partition by metric_id, org_code, mean_side, shift_run) end as shift_length,
           case when step is not null
                then count(*) over (partition by metric_id, org_code, step, trend_run) end as trend_steps
    from windows
), rules as (
    select metric_id, org_code, period, idx, outside_limits,
           -- 2. two of three: beyond a 2-sigma line, in a window of 3 with another point beyond the same line
           case when beyond_upper_2s = 1 and best_window_upper >= 2 then 'high'
                when beyond_lower_2s = 1 and best_window_lower >= 2 then 'low' end as two_of_three,
           -- 3. shift: 7 or more consecutive points on one side of the mean (a point on the mean ends a run)
           case when shift_length >= 7 then mean_side end as shift,
           -- 4. trend: 6 or more consecutive points each beyond the one before, i.e. 5 or more steps in one
           --    direction; a run's first point is flagged through its next step. A point that ends one run and
           --    starts the opposite one (a peak or a trough) takes the side of its own step.
           case when trend_steps >= 5 then step
                when lead(trend_steps) over (partition by metric_id, org_code order by idx) >= 5
                then lead(step) over (partition by metric_id, org_code order by idx) end as trend
    from runs
)
select p.metric_id, p.org_code, p.period, p.value,
       cast(coalesce(r.outside_limits, r.two_of_three, r.shift, r.trend) as varchar(4)) as special_cause
from points p
left join rules r on r.metric_id = p.metric_id and r.org_code = p.org_code and r.idx = p.idx
