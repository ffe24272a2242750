{{ config(meta={'dagster': {'ref': {'name': 'company_performance'}}}) }}
{#- For every period grain, Σ bookings and Σ won and lost deals over all periods equal the won
    amount and the won and lost counts of the non-deleted deals: no closed deal falls outside
    the calendar (var calendar_start_date) or is counted twice. -#}
with

company as (
    select
        period_grain,
        sum(bookings) as bookings,
        sum(won_deals) as won_deals,
        sum(lost_deals) as lost_deals
    from {{ ref('company_performance') }}
    group by period_grain
),

deals as (
    select
        coalesce(sum(case when is_won then amount_reporting end), 0) as bookings,
        count(case when is_won then 1 end) as won_deals,
        count(case when is_lost then 1 end) as lost_deals
    from {{ ref('fct_deals') }}
    where not is_deleted
),

final as (
    select
        company.period_grain,
        company.bookings as mart_bookings,
        deals.bookings as deal_bookings
    from company
    cross join deals
    where
        company.bookings != deals.bookings
        or company.won_deals != deals.won_deals
        or company.lost_deals != deals.lost_deals
)

select * from final
