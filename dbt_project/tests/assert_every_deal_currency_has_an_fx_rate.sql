{{ config(meta={'dagster': {'ref': {'name': 'int_deals_unioned'}}}) }}
{#- Money is summed only in the reporting currency: every deal with an amount has a reporting-
    currency amount, i.e. an FX rate for its currency on its close date (creation date while
    open). A missing rate fails the build instead of being summed as if it were 1. -#}
select
    deal_id,
    currency,
    amount,
    status,
    closed_date,
    created_date
from {{ ref('int_deals_unioned') }}
where
    amount is not null
    and amount_reporting is null
