{{ config(meta={'dagster': {'ref': {'name': 'account_performance'}}}) }}
{#- Every deal belongs to exactly one account (the unknown member included): per period grain and
    period, Σ account bookings, won and lost deals equal those of the live deals closed in the
    period, and Σ account open pipeline at the as-of date equals the open pipeline of
    pipeline_snapshot_daily on that day. Account groups sum to the same totals. -#}
{%- set as_of = date_literal(as_of_date()) -%}
with

accounts as (
    select
        period_grain,
        period_start_date,
        sum(bookings) as bookings,
        sum(won_deals) as won_deals,
        sum(lost_deals) as lost_deals
    from {{ ref('account_performance') }}
    group by period_grain, period_start_date
),

groups as (
    select
        dimension,
        period_grain,
        period_start_date,
        sum(bookings) as bookings,
        sum(won_deals) as won_deals,
        sum(lost_deals) as lost_deals
    from {{ ref('account_group_performance') }}
    group by dimension, period_grain, period_start_date
),

deals as (
    select
        periods.period_grain,
        periods.period_start_date,
        sum(case when deals.is_won then deals.amount_reporting else 0 end) as bookings,
        count(case when deals.is_won then 1 end) as won_deals,
        count(case when deals.is_lost then 1 end) as lost_deals
    from {{ ref('fct_deals') }} as deals
    inner join {{ ref('int_date_periods') }} as periods
        on
            deals.closed_date = periods.date_day
            and periods.period_grain in ('month', 'fiscal_quarter', 'fiscal_year')
    where deals.is_closed and not deals.is_deleted and deals.closed_date <= {{ as_of }}
    group by periods.period_grain, periods.period_start_date
),

open_now as (
    select sum(open_pipeline) as open_pipeline
    from {{ ref('account_performance') }}
    where period_grain = 'month' and open_pipeline_date = {{ as_of }}
),

snapshot_now as (
    select sum(open_pipeline) as open_pipeline
    from {{ ref('pipeline_snapshot_daily') }}
    where snapshot_date = {{ as_of }}
),

mismatches as (
    select
        'accounts vs deals' as check_name,
        deals.period_grain,
        deals.period_start_date
    from deals
    left join accounts
        on
            deals.period_grain = accounts.period_grain
            and deals.period_start_date = accounts.period_start_date
    where
        accounts.bookings is null
        or accounts.bookings != deals.bookings
        or accounts.won_deals != deals.won_deals
        or accounts.lost_deals != deals.lost_deals
    union all
    select
        'groups vs accounts' as check_name,
        groups.period_grain,
        groups.period_start_date
    from groups
    inner join accounts
        on
            groups.period_grain = accounts.period_grain
            and groups.period_start_date = accounts.period_start_date
    where
        groups.bookings != accounts.bookings
        or groups.won_deals != accounts.won_deals
        or groups.lost_deals != accounts.lost_deals
    union all
    select
        'open pipeline vs pipeline_snapshot_daily' as check_name,
        'month' as period_grain,
        {{ as_of }} as period_start_date
    from open_now
    cross join snapshot_now
    where coalesce(open_now.open_pipeline, 0) != coalesce(snapshot_now.open_pipeline, 0)
),

final as (
    select * from mismatches
)

select * from final
