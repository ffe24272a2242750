{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'dim_accounts'}}}) }}
{#- Warns about account countries the seed country_codes does not know (a typo, or a spelling to
    add to the seed): they keep the source's text and no code, so they group apart from the
    country they mean. -#}
with

accounts as (
    select * from {{ ref('dim_accounts') }}
),

final as (
    select
        country,
        count(*) as account_count
    from accounts
    where country is not null and country_code is null
    group by country
)

select * from final
