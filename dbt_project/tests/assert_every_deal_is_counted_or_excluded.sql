{{ config(meta={'dagster': {'ref': {'name': 'fct_deals'}}}) }}
{#- Row accounting across the plausibility rules: every canonical deal is in fct_deals or, if it
    breaks a rule that excludes it, listed in record_exceptions; never both, never neither. -#}
with

canonical as (
    select deal_id from {{ ref('int_deals_unioned') }}
),

counted as (
    select deal_id from {{ ref('fct_deals') }}
),

excluded as (
    select distinct record_id as deal_id
    from {{ ref('record_exceptions') }}
    where entity = 'deal' and is_excluded
),

final as (
    select
        canonical.deal_id,
        counted.deal_id is not null as is_counted,
        excluded.deal_id is not null as is_excluded
    from canonical
    left join counted
        on canonical.deal_id = counted.deal_id
    left join excluded
        on canonical.deal_id = excluded.deal_id
    where (counted.deal_id is null) = (excluded.deal_id is null)
)

select * from final
