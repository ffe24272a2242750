{#- The pipeline-weighted bookings forecast for the current and the next fiscal quarter, per rep,
    per team and for the company: what is already booked, plus open deals × stage probability
    by expected close date, plus the run-rate of deals that are created and won inside one month
    (those are never in the pipeline at a snapshot). Bookings so far are rep_performance's for the
    quarter (computed once, in macro sales_performance). Every amount is in cents per rep, and
    team and company rows are exact sums of their reps'. Beside it, each level's quota for the
    quarter (int_quota_periods) and pipeline coverage: open pipeline expected to close in the
    quarter ÷ the quota still to book. A rep with a quota but no deal gets a row (coverage 0).
    Definitions: docs/metrics.md. -#}
{%- set as_of = date_literal(as_of_date()) -%}
{%- set month_end = 'as_of_quarter.month_end_date' -%}
{%- set whole_months_after = dbt.datediff(month_end, 'as_of_quarter.fiscal_quarter_end_date', 'month') -%}
{%- set days_left_in_month = dbt.datediff(as_of, month_end, 'day') -%}
{%- set days_in_month = dbt.datediff('as_of_quarter.month_start_date', month_end, 'day') ~ ' + 1' -%}
with

dates as (
    select * from {{ ref('dim_dates') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

performance as (
    select * from {{ ref('rep_performance') }}
),

fiscal_quarter_quotas as (
    select
        quota_level,
        member_id,
        team_id,
        period_start_date,
        quota
    from {{ ref('int_quota_periods') }}
    where period_grain = 'fiscal_quarter'
),

as_of_quarter as (
    select
        fiscal_quarter_start_date,
        fiscal_quarter_end_date,
        month_start_date,
        month_end_date
    from dates
    where date_day = {{ as_of }}
),

quarters as (
    select
        as_of_quarter.fiscal_quarter_start_date as quarter_start_date,
        as_of_quarter.fiscal_quarter_end_date as quarter_end_date,
        true as is_current_quarter,
        -- Months still to come in the quarter: the rest of the as-of month, then whole months.
        {{ whole_months_after }}
        + {{ days_left_in_month }}
        / cast({{ days_in_month }} as double precision)
            as months_remaining
    from as_of_quarter
    union all
    select
        next_quarter.fiscal_quarter_start_date,
        next_quarter.fiscal_quarter_end_date,
        false as is_current_quarter,
        3.0 as months_remaining
    from as_of_quarter
    inner join dates as next_quarter
        on next_quarter.date_day = {{ dbt.dateadd('day', 1, 'as_of_quarter.fiscal_quarter_end_date') }}
),

live_deals as (
    select
        coalesce(owner_rep_id, 'unassigned') as rep_id,
        team_id,
        status,
        amount_reporting,
        weighted_amount_reporting,
        created_date,
        closed_date,
        -- A deal still open past its expected close date is expected now, not in the past.
        case
            when expected_close_date < {{ as_of }} then {{ as_of }} else expected_close_date
        end as expected_close_date
    from deals
    where not is_deleted
),

same_month_wins as (
    -- Bookings of deals won in the month they were created, over the six complete months
    -- before the as-of month: the monthly run-rate the pipeline cannot show.
    select
        rep_id,
        team_id,
        {{ divide_money_to_cents('sum(amount_reporting)', 6) }} as run_rate_monthly
    from live_deals
    where
        status = 'won'
        and {{ dbt.date_trunc('month', 'created_date') }} = {{ dbt.date_trunc('month', 'closed_date') }}
        and closed_date >= {{ dbt.dateadd('month', -6, dbt.date_trunc('month', as_of)) }}
        and closed_date < {{ dbt.date_trunc('month', as_of) }}
    group by rep_id, team_id
),

quota_holders as (
    -- Reps with a quota in a forecast quarter, under their current team: a rep without any deal
    -- still has a coverage (0) to watch.
    select distinct
        fiscal_quarter_quotas.member_id as rep_id,
        fiscal_quarter_quotas.team_id
    from fiscal_quarter_quotas
    inner join quarters
        on fiscal_quarter_quotas.period_start_date = quarters.quarter_start_date
    where fiscal_quarter_quotas.quota_level = 'rep'
),

pipeline_members as (
    select
        rep_id,
        team_id,
        status,
        amount_reporting,
        weighted_amount_reporting,
        expected_close_date
    from live_deals
    union all
    select
        rep_id,
        team_id,
        'quota' as status,
        0 as amount_reporting,
        0 as weighted_amount_reporting,
        cast(null as date) as expected_close_date
    from quota_holders
),

rep_quarters as (
    select
        quarters.quarter_start_date,
        quarters.quarter_end_date,
        quarters.is_current_quarter,
        quarters.months_remaining,
        pipeline_members.rep_id,
        pipeline_members.team_id,
        sum(
            case
                when
                    pipeline_members.status = 'open'
                    and pipeline_members.expected_close_date
                    between quarters.quarter_start_date and quarters.quarter_end_date
                    then pipeline_members.amount_reporting
                else 0
            end
        ) as open_pipeline,
        sum(
            case
                when
                    pipeline_members.status = 'open'
                    and pipeline_members.expected_close_date
                    between quarters.quarter_start_date and quarters.quarter_end_date
                    then pipeline_members.weighted_amount_reporting
                else 0
            end
        ) as weighted_pipeline
    from quarters
    cross join pipeline_members
    group by
        quarters.quarter_start_date,
        quarters.quarter_end_date,
        quarters.is_current_quarter,
        quarters.months_remaining,
        pipeline_members.rep_id,
        pipeline_members.team_id
),

rep_run_rates as (
    select
        rep_quarters.*,
        -- Bookings so far: the rep's in the quarter containing the as-of date (none yet in the next).
        case when rep_quarters.is_current_quarter then coalesce(performance.bookings, 0) else 0 end
            as bookings_to_date,
        coalesce(same_month_wins.run_rate_monthly, 0) as run_rate_monthly
    from rep_quarters
    left join same_month_wins
        on
            rep_quarters.rep_id = same_month_wins.rep_id
            and coalesce(rep_quarters.team_id, '') = coalesce(same_month_wins.team_id, '')
    left join performance
        on
            rep_quarters.rep_id = performance.rep_id
            and performance.period_grain = 'fiscal_quarter'
            and rep_quarters.quarter_start_date = performance.period_start_date
),

rep_forecasts as (
    select
        *,
        {{ to_cents('run_rate_monthly * months_remaining') }} as expected_run_rate_bookings
    from rep_run_rates
),

levels as (
    select
        'rep' as forecast_level,
        rep_id,
        team_id,
        quarter_start_date,
        quarter_end_date,
        is_current_quarter,
        months_remaining,
        bookings_to_date,
        open_pipeline,
        weighted_pipeline,
        run_rate_monthly,
        expected_run_rate_bookings
    from rep_forecasts
    union all
    select
        'team' as forecast_level,
        null as rep_id,
        team_id,
        quarter_start_date,
        quarter_end_date,
        is_current_quarter,
        months_remaining,
        sum(bookings_to_date) as bookings_to_date,
        sum(open_pipeline) as open_pipeline,
        sum(weighted_pipeline) as weighted_pipeline,
        sum(run_rate_monthly) as run_rate_monthly,
        sum(expected_run_rate_bookings) as expected_run_rate_bookings
    from rep_forecasts
    group by team_id, quarter_start_date, quarter_end_date, is_current_quarter, months_remaining
    union all
    select
        'company' as forecast_level,
        null as rep_id,
        null as team_id,
        quarter_start_date,
        quarter_end_date,
        is_current_quarter,
        months_remaining,
        sum(bookings_to_date) as bookings_to_date,
        sum(open_pipeline) as open_pipeline,
        sum(weighted_pipeline) as weighted_pipeline,
        sum(run_rate_monthly) as run_rate_monthly,
        sum(expected_run_rate_bookings) as expected_run_rate_bookings
    from rep_forecasts
    group by quarter_start_date, quarter_end_date, is_current_quarter, months_remaining
),

with_quotas as (
    select
        levels.*,
        fiscal_quarter_quotas.quota,
        fiscal_quarter_quotas.quota - levels.bookings_to_date as remaining_quota
    from levels
    left join fiscal_quarter_quotas
        on
            levels.forecast_level = fiscal_quarter_quotas.quota_level
            and levels.quarter_start_date = fiscal_quarter_quotas.period_start_date
            and fiscal_quarter_quotas.member_id = case levels.forecast_level
                when 'rep' then levels.rep_id
                when 'team' then levels.team_id
                else 'company'
            end
            -- A rep's quota sits on the row of the rep's current team only.
            and (levels.forecast_level <> 'rep' or levels.team_id = fiscal_quarter_quotas.team_id)
),

final as (
    select
        forecast_level,
        cast(rep_id as {{ dbt.type_string() }}) as rep_id,
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        quarter_start_date,
        quarter_end_date,
        is_current_quarter,
        {{ as_of }} as as_of_date,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(bookings_to_date as {{ type_money() }}) as bookings_to_date,
        cast(open_pipeline as {{ type_money() }}) as open_pipeline,
        cast(weighted_pipeline as {{ type_money() }}) as weighted_pipeline,
        cast(run_rate_monthly as {{ type_money() }}) as run_rate_monthly,
        cast(months_remaining as double precision) as run_rate_months,
        cast(expected_run_rate_bookings as {{ type_money() }}) as expected_run_rate_bookings,
        cast(bookings_to_date + weighted_pipeline + expected_run_rate_bookings as {{ type_money() }})
            as forecast_bookings,
        cast(quota as {{ type_money() }}) as quota,
        cast(remaining_quota as {{ type_money() }}) as remaining_quota,
        case
            when remaining_quota > 0 then {{ safe_divide('open_pipeline', 'remaining_quota') }}
        end as pipeline_coverage
    from with_quotas
)

select * from final
