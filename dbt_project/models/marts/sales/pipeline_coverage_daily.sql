{#- Pipeline coverage at the end of every day, per rep: the open pipeline expected to close in the
    rest of the month (fiscal quarter) ÷ what is left of the month's (quarter's) quota after the
    bookings so far. One row per day and rep who had open pipeline that day or was employed with
    a quota for that month. Coverage is NULL when there is no quota or nothing is left to cover. -#}
with

snapshots as (
    select * from {{ ref('pipeline_snapshot_daily') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

periods as (
    select * from {{ ref('int_date_periods') }}
),

quota_periods as (
    select * from {{ ref('int_quota_periods') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

days as (
    select
        date_day,
        max(case when period_grain = 'month' then period_start_date end) as month_start_date,
        max(case when period_grain = 'fiscal_quarter' then period_start_date end) as fiscal_quarter_start_date
    from periods
    where date_day <= {{ date_literal(as_of_date()) }}
    group by date_day
),

rep_quotas as (
    select
        member_id as rep_id,
        period_grain,
        period_start_date,
        quota
    from quota_periods
    where quota_level = 'rep'
),

employed_with_quota as (
    select
        days.date_day as snapshot_date,
        reps.rep_id
    from reps
    inner join days
        on
            reps.start_date <= days.date_day
            and (reps.end_date is null or reps.end_date >= days.date_day)
    inner join rep_quotas
        on
            reps.rep_id = rep_quotas.rep_id
            and rep_quotas.period_grain = 'month'
            and days.month_start_date = rep_quotas.period_start_date
),

grid as (
    select
        snapshot_date,
        rep_id
    from snapshots
    union
    select
        snapshot_date,
        rep_id
    from employed_with_quota
),

daily_bookings as (
    -- Bookings of the rep who owned each deal when it was won (as in rep_performance).
    select
        owner_rep_id_at_close as rep_id,
        closed_date,
        sum(amount_reporting) as bookings
    from deals
    where is_won and not is_deleted
    group by owner_rep_id_at_close, closed_date
),

rep_days as (
    -- The grid's days and the days a rep booked (a booking on a day outside the grid counts
    -- towards the days after it), one row per rep and day.
    select
        rep_id,
        snapshot_date
    from grid
    union
    select
        rep_id,
        closed_date as snapshot_date
    from daily_bookings
),

period_bookings as (
    -- Bookings to date in the day's month and fiscal quarter: running sums over each rep's
    -- days, where a join of every grid day to the quarter's bookings so far made 12.7M rows
    -- at 1,000 reps.
    select
        rep_days.rep_id,
        rep_days.snapshot_date,
        sum(daily_bookings.bookings) over (
            partition by rep_days.rep_id, days.fiscal_quarter_start_date, days.month_start_date
            order by rep_days.snapshot_date
            rows between unbounded preceding and current row
        ) as month_bookings_to_date,
        sum(daily_bookings.bookings) over (
            partition by rep_days.rep_id, days.fiscal_quarter_start_date
            order by rep_days.snapshot_date
            rows between unbounded preceding and current row
        ) as fiscal_quarter_bookings_to_date
    from rep_days
    inner join days
        on rep_days.snapshot_date = days.date_day
    left join daily_bookings
        on
            rep_days.rep_id = daily_bookings.rep_id
            and rep_days.snapshot_date = daily_bookings.closed_date
),

assembled as (
    select
        grid.snapshot_date,
        grid.rep_id,
        snapshots.weighted_pipeline,
        month_quotas.quota as month_quota,
        quarter_quotas.quota as fiscal_quarter_quota,
        coalesce(snapshots.open_pipeline, 0) as open_pipeline,
        coalesce(snapshots.pipeline_closing_this_month, 0) as pipeline_closing_this_month,
        coalesce(snapshots.pipeline_closing_this_fiscal_quarter, 0) as pipeline_closing_this_fiscal_quarter,
        coalesce(period_bookings.month_bookings_to_date, 0) as month_bookings_to_date,
        coalesce(period_bookings.fiscal_quarter_bookings_to_date, 0) as fiscal_quarter_bookings_to_date
    from grid
    inner join days
        on grid.snapshot_date = days.date_day
    left join snapshots
        on
            grid.snapshot_date = snapshots.snapshot_date
            and grid.rep_id = snapshots.rep_id
    left join period_bookings
        on
            grid.snapshot_date = period_bookings.snapshot_date
            and grid.rep_id = period_bookings.rep_id
    left join rep_quotas as month_quotas
        on
            grid.rep_id = month_quotas.rep_id
            and month_quotas.period_grain = 'month'
            and days.month_start_date = month_quotas.period_start_date
    left join rep_quotas as quarter_quotas
        on
            grid.rep_id = quarter_quotas.rep_id
            and quarter_quotas.period_grain = 'fiscal_quarter'
            and days.fiscal_quarter_start_date = quarter_quotas.period_start_date
),

final as (
    select
        assembled.snapshot_date,
        assembled.rep_id,
        coalesce(reps.rep_name, 'Unassigned') as rep_name,
        coalesce(reps.team_id, 'unassigned') as team_id,
        coalesce(reps.team_name, 'Unassigned') as team_name,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(assembled.open_pipeline as {{ type_money() }}) as open_pipeline,
        cast(assembled.weighted_pipeline as {{ type_money() }}) as weighted_pipeline,
        cast(assembled.pipeline_closing_this_month as {{ type_money() }}) as pipeline_closing_this_month,
        cast(assembled.month_quota as {{ type_money() }}) as month_quota,
        cast(assembled.month_bookings_to_date as {{ type_money() }}) as month_bookings_to_date,
        cast(assembled.month_quota - assembled.month_bookings_to_date as {{ type_money() }}) as month_remaining_quota,
        case
            when assembled.month_quota - assembled.month_bookings_to_date > 0
                then {{ safe_divide('assembled.pipeline_closing_this_month',
                    'assembled.month_quota - assembled.month_bookings_to_date') }}
        end as month_coverage,
        cast(assembled.pipeline_closing_this_fiscal_quarter as {{ type_money() }})
            as pipeline_closing_this_fiscal_quarter,
        cast(assembled.fiscal_quarter_quota as {{ type_money() }}) as fiscal_quarter_quota,
        cast(assembled.fiscal_quarter_bookings_to_date as {{ type_money() }}) as fiscal_quarter_bookings_to_date,
        cast(assembled.fiscal_quarter_quota - assembled.fiscal_quarter_bookings_to_date as {{ type_money() }})
            as fiscal_quarter_remaining_quota,
        case
            when assembled.fiscal_quarter_quota - assembled.fiscal_quarter_bookings_to_date > 0
                then {{ safe_divide('assembled.pipeline_closing_this_fiscal_quarter',
                    'assembled.fiscal_quarter_quota - assembled.fiscal_quarter_bookings_to_date') }}
        end as fiscal_quarter_coverage
    from assembled
    left join reps
        on assembled.rep_id = reps.rep_id
)

select * from final
