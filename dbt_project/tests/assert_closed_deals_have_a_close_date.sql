{{ config(meta={'dagster': {'ref': {'name': 'int_deals_unioned'}}}) }}
{#- A won or lost deal without a close date would count in no period: it would vanish from
    bookings and win rates. -#}
select
    deal_id,
    status
from {{ ref('int_deals_unioned') }}
where
    status in ('won', 'lost')
    and closed_date is null
