{{ config(meta={'dagster': {'ref': {'name': 'fct_deals'}}}) }}
{#- No deal the metrics count closed before it was created: sales cycle lengths are never
    negative. Such a deal is a record exception (core.record_exceptions), left out of fct_deals;
    this fails only if that exclusion broke. -#}
select
    deal_id,
    created_at,
    closed_at
from {{ ref('fct_deals') }}
where closed_at < created_at
