{#- Sales per account (company) and reporting period (month, fiscal quarter, fiscal year, up to
    the as-of date): bookings, won and lost deals and the count-based win rate of the deals that
    closed in the period, and the open pipeline at the period's end (at the as-of date for the
    period in progress), with the account's industry, segment and country. A deal belongs to its
    account (a HubSpot deal to its primary company); deals without one are the account
    'unknown', so every total reconciles with the deals. One row per account and period in which
    the account closed a deal or had one open at the period's end. -#}
{%- set as_of = date_literal(as_of_date()) -%}
with

deals as (
    select * from {{ ref('fct_deals') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

periods as (
    select * from {{ ref('int_date_periods') }}
),

live_deals as (
    select * from deals
    where not is_deleted
),

account_periods as (
    select distinct
        period_grain,
        period_start_date,
        period_end_date,
        period_label,
        -- Open pipeline is taken at the period's end, or at the as-of date while it runs.
        case when period_end_date > {{ as_of }} then {{ as_of }} else period_end_date end as snapshot_date
    from periods
    where
        period_grain in ('month', 'fiscal_quarter', 'fiscal_year')
        and period_start_date <= {{ as_of }}
),

closed_in_period as (
    select
        live_deals.account_id,
        periods.period_grain,
        periods.period_start_date,
        count(case when live_deals.is_won then 1 end) as won_deals,
        count(case when live_deals.is_won and live_deals.amount is null then 1 end) as won_deals_without_amount,
        count(case when live_deals.is_lost then 1 end) as lost_deals,
        sum(case when live_deals.is_won then live_deals.amount_reporting end) as bookings,
        sum(case when live_deals.is_lost then live_deals.amount_reporting end) as lost_amount
    from live_deals
    inner join periods
        on
            live_deals.closed_date = periods.date_day
            and periods.period_grain in ('month', 'fiscal_quarter', 'fiscal_year')
    where
        live_deals.is_closed
        and live_deals.closed_date <= {{ as_of }}
    group by live_deals.account_id, periods.period_grain, periods.period_start_date
),

open_at_period_end as (
    -- Open at the end of the snapshot day: created by then, not closed by then.
    select
        live_deals.account_id,
        account_periods.period_grain,
        account_periods.period_start_date,
        count(*) as open_deals,
        sum(live_deals.amount_reporting) as open_pipeline
    from account_periods
    inner join live_deals
        on
            account_periods.snapshot_date >= live_deals.created_date
            and (live_deals.closed_date is null or account_periods.snapshot_date < live_deals.closed_date)
    group by live_deals.account_id, account_periods.period_grain, account_periods.period_start_date
),

keys as (
    select
        account_id,
        period_grain,
        period_start_date
    from closed_in_period
    union
    select
        account_id,
        period_grain,
        period_start_date
    from open_at_period_end
),

final as (
    select
        keys.account_id,
        coalesce(accounts.account_name, keys.account_id) as account_name,
        accounts.industry,
        accounts.segment,
        accounts.country,
        accounts.country_code,
        keys.period_grain,
        keys.period_start_date,
        account_periods.period_end_date,
        account_periods.period_label,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(coalesce(closed_in_period.bookings, 0) as {{ type_money() }}) as bookings,
        cast(coalesce(closed_in_period.won_deals, 0) as bigint) as won_deals,
        cast(coalesce(closed_in_period.won_deals_without_amount, 0) as bigint) as won_deals_without_amount,
        cast(coalesce(closed_in_period.lost_deals, 0) as bigint) as lost_deals,
        cast(coalesce(closed_in_period.lost_amount, 0) as {{ type_money() }}) as lost_amount,
        {{ safe_divide('closed_in_period.won_deals', 'closed_in_period.won_deals + closed_in_period.lost_deals') }}
            as win_rate,
        cast(coalesce(open_at_period_end.open_deals, 0) as bigint) as open_deals,
        cast(coalesce(open_at_period_end.open_pipeline, 0) as {{ type_money() }}) as open_pipeline,
        account_periods.snapshot_date as open_pipeline_date
    from keys
    inner join account_periods
        on
            keys.period_grain = account_periods.period_grain
            and keys.period_start_date = account_periods.period_start_date
    left join accounts
        on keys.account_id = accounts.account_id
    left join closed_in_period
        on
            keys.account_id = closed_in_period.account_id
            and keys.period_grain = closed_in_period.period_grain
            and keys.period_start_date = closed_in_period.period_start_date
    left join open_at_period_end
        on
            keys.account_id = open_at_period_end.account_id
            and keys.period_grain = open_at_period_end.period_grain
            and keys.period_start_date = open_at_period_end.period_start_date
)

select * from final
