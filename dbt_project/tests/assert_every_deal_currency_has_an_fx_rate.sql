{{ config(meta={'dagster': {'ref': {'name': 'fct_deals'}}}) }}
{#- Money is summed only in the reporting currency: every deal the metrics count that has an
    amount has a reporting-currency amount. A deal whose currency has no rate on its close date
    (creation date while open) is a record exception (rule no_fx_rate), left out of fct_deals
    and listed with a warning, never summed as if its rate were 1; this fails only if that
    exclusion broke. -#}
select
    deal_id,
    currency,
    amount,
    status,
    closed_date,
    created_date
from {{ ref('fct_deals') }}
where
    amount is not null
    and amount_reporting is null
