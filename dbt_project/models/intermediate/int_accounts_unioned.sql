{#- The canonical accounts (companies) from every enabled CRM source that has them: one row per
    account. HubSpot companies join here once the HubSpot source loads them. -#}
{%- set sources = enabled_of(['files']) -%}
with

{% if 'files' in sources -%}
files_accounts_source as (
    select * from {{ ref('stg_files__accounts') }}
),

files_accounts as (
    select
        {{ source_id('files', 'account_id') }} as account_id,
        account_id as source_account_id,
        coalesce(account_name, account_id) as account_name,
        industry,
        country,
        segment,
        'files' as source_system
    from files_accounts_source
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'accounts'), [
        ['account_id', 'string'], ['source_account_id', 'string'], ['account_name', 'string'],
        ['industry', 'string'], ['country', 'string'], ['segment', 'string'], ['source_system', 'string'],
    ]) }}
),

final as (
    select * from unioned
)

select * from final
