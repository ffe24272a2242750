{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_deals'}}}) }}
{#- A warning: a deal won without an amount counts in won_deals (and won_deals_without_amount)
    but not in bookings or average deal size, which would understate both. Listed in
    core.record_exceptions (rule won_without_amount) until the amount is entered. -#}
select
    deal_id,
    owner_rep_id,
    closed_date
from {{ ref('fct_deals') }}
where
    is_won
    and not is_deleted
    and amount is null
