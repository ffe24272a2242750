{{ config(meta={'dagster': {'ref': {'name': 'rep_performance_monthly'}}}) }}
{#- Σ bookings, won and lost counts in rep_performance_monthly equal those of the won and lost
    deals the metrics count (core.fct_deals, not deleted): no deal is dropped by the rep × month
    grid or counted twice. -#}
with

mart as (
    select
        sum(bookings) as bookings,
        sum(won_deals) as won_deals,
        sum(lost_deals) as lost_deals
    from {{ ref('rep_performance_monthly') }}
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
        mart.bookings as mart_bookings,
        deals.bookings as deal_bookings,
        mart.won_deals as mart_won_deals,
        deals.won_deals as deal_won_deals,
        mart.lost_deals as mart_lost_deals,
        deals.lost_deals as deal_lost_deals
    from mart
    cross join deals
    where
        mart.bookings != deals.bookings
        or mart.won_deals != deals.won_deals
        or mart.lost_deals != deals.lost_deals
)

select * from final
