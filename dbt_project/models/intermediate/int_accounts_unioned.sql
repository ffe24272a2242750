{#- The canonical accounts (companies) from every enabled CRM source that has them: one row per
    account, with industry and segment normalised once (macro normalised_category) and the
    country in one vocabulary: its English name and ISO 3166-1 code from the seed country_codes,
    whatever the source's spelling (USA, U.S., United States). A country the seed does not know
    keeps the source's text, without a code. -#}
{%- set sources = enabled_of(['hubspot', 'files']) -%}
with

country_codes as (
    select * from {{ ref('country_codes') }}
),

{% if 'hubspot' in sources -%}
hubspot_companies as (
    select * from {{ ref('stg_hubspot__companies') }}
),

hubspot_accounts as (
    select
        {{ source_id('hubspot', 'company_id') }} as account_id,
        company_id as source_account_id,
        coalesce(company_name, company_id) as account_name,
        industry,
        country,
        segment,
        'hubspot' as source_system
    from hubspot_companies
    where not is_deleted
),
{%- endif %}

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
    select
        unioned.account_id,
        unioned.source_account_id,
        unioned.account_name,
        {{ normalised_category('unioned.industry') }} as industry,
        coalesce(country_codes.country_name, nullif(trim(unioned.country), '')) as country,
        country_codes.country_code,
        {{ normalised_category('unioned.segment') }} as segment,
        unioned.source_system
    from unioned
    left join country_codes
        on {{ normalised_category('unioned.country') }} = country_codes.country_alias
)

select * from final
