{{ config(meta={'dagster': {'ref': {'name': 'int_fx_rates_unioned'}}}) }}
{#- The rates are in units of the reporting currency: a rate given for the reporting currency
    itself must be 1. Anything else means the rates are quoted against another currency than var
    reporting_currency, and every converted amount would be wrong. -#}
select
    currency,
    rate_date,
    rate_to_reporting
from {{ ref('int_fx_rates_unioned') }}
where
    currency = '{{ var("reporting_currency") | upper }}'
    and rate_to_reporting != 1
