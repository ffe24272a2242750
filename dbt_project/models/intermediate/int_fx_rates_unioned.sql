{#- The FX rates the marts convert with: one row per currency and day, in units of the reporting
    currency per unit of the currency, from the files source (when enabled) and the seed
    fx_rates; the seed wins for a currency and day that both have. -#}
{%- set sources = enabled_of(['files']) -%}
with

seed_rates_source as (
    select * from {{ ref('fx_rates') }}
),

{% if 'files' in sources -%}
files_rates_source as (
    select * from {{ ref('stg_files__fx_rates') }}
),
{%- endif %}

seed_rates as (
    select
        rate_date,
        rate_to_reporting,
        'seed' as source_system,
        1 as priority,
        upper(currency) as currency
    from seed_rates_source
),

{% if 'files' in sources -%}
files_rates as (
    select
        currency,
        rate_date,
        rate_to_reporting,
        'files' as source_system,
        2 as priority
    from files_rates_source
),
{%- endif %}

unioned as (
    {{ union_sources(['seed_rates'] + source_ctes(sources, 'rates'), [
        ['currency', 'string'], ['rate_date', 'date'], ['rate_to_reporting', type_fx_rate()],
        ['source_system', 'string'], ['priority', 'integer'],
    ]) }}
),

ranked as (
    select
        *,
        row_number() over (partition by currency, rate_date order by priority) as preference
    from unioned
),

final as (
    select
        currency,
        rate_date,
        rate_to_reporting,
        source_system
    from ranked
    where preference = 1
)

select * from final
