{{ config(meta={'dagster': {'ref': {'name': 'int_deals_unioned'}}}) }}
{#- A deal never closes before it was created: sales cycle lengths are never negative. -#}
select
    deal_id,
    created_at,
    closed_at
from {{ ref('int_deals_unioned') }}
where closed_at < created_at
