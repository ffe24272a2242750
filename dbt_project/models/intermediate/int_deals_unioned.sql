{#- The canonical deals from every enabled CRM source: one row per deal with its status (open /
    won / lost), close time only for closed deals, dates in the reporting time zone, and the
    amount converted to the reporting currency with the FX rate of the close date (creation
    date while open). A deal whose currency has no rate keeps a NULL reporting amount, which
    fails the test assert_every_deal_currency_has_an_fx_rate: never a sum of mixed currencies. -#}
{%- set sources = enabled_of(['hubspot', 'files']) -%}
{%- set reporting_currency = var('reporting_currency') | upper -%}
with

stages as (
    select * from {{ ref('int_deal_stages_unioned') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_unioned') }}
),

{% if 'hubspot' in sources -%}
hubspot_deals_source as (
    select * from {{ ref('stg_hubspot__deals') }}
),

hubspot_associations as (
    select * from {{ ref('stg_hubspot__associations') }}
),

hubspot_companies as (
    select * from {{ ref('stg_hubspot__companies') }}
),

hubspot_contacts as (
    select * from {{ ref('stg_hubspot__contacts') }}
),

hubspot_deal_companies as (
    -- A deal's account is its primary company (association type 5, or deal_to_company in the v3
    -- shape); a deal with one company and no primary flag has that one. Several companies and
    -- no primary: no account (the unknown member), never a guess.
    select
        hubspot_associations.from_id as deal_id,
        coalesce(
            max(case when hubspot_associations.is_primary then hubspot_associations.to_id end),
            case when count(*) = 1 then max(hubspot_associations.to_id) end
        ) as company_id
    from hubspot_associations
    inner join hubspot_companies
        on hubspot_associations.to_id = hubspot_companies.company_id
    where
        hubspot_associations.from_object_type = 'deals'
        and hubspot_associations.to_object_type = 'companies'
        and not hubspot_companies.is_deleted
    group by hubspot_associations.from_id
),

hubspot_deal_contacts as (
    -- The lead a deal came from: the first-created of the contacts associated with it.
    select
        hubspot_associations.from_id as deal_id,
        hubspot_associations.to_id as contact_id,
        row_number() over (
            partition by hubspot_associations.from_id
            order by hubspot_contacts.created_at, hubspot_associations.to_id
        ) as contact_number
    from hubspot_associations
    inner join hubspot_contacts
        on hubspot_associations.to_id = hubspot_contacts.contact_id
    where
        hubspot_associations.from_object_type = 'deals'
        and hubspot_associations.to_object_type = 'contacts'
        and not hubspot_contacts.is_deleted
),
{%- endif %}

{% if 'files' in sources -%}
files_deals_source as (
    select * from {{ ref('stg_files__deals') }}
),

stage_map as (
    select * from {{ ref('stage_map') }}
),
{%- endif %}

{% if 'hubspot' in sources -%}
hubspot_deals as (
    select
        {{ source_id('hubspot', 'hubspot_deals_source.deal_id') }} as deal_id,
        hubspot_deals_source.deal_id as source_deal_id,
        hubspot_deals_source.deal_name,
        {{ source_id('hubspot', 'hubspot_deals_source.owner_id') }} as owner_rep_id,
        {{ source_id('hubspot', 'hubspot_deal_companies.company_id') }} as account_id,
        {{ source_id('hubspot', 'hubspot_deal_contacts.contact_id') }} as lead_id,
        stages.pipeline_id,
        hubspot_deals_source.stage_id,
        stages.status,
        hubspot_deals_source.amount,
        -- A HubSpot deal without a currency code is in the account's company currency, taken
        -- to be the reporting currency.
        coalesce(hubspot_deals_source.currency, '{{ reporting_currency }}') as currency,
        hubspot_deals_source.created_at,
        -- HubSpot's closedate is the close time of a closed deal and the expected one of an open one.
        case when stages.status in ('won', 'lost') then hubspot_deals_source.close_date_property_at end as closed_at,
        case
            when stages.status = 'open' then {{ to_reporting_date('hubspot_deals_source.close_date_property_at') }}
        end as expected_close_date,
        hubspot_deals_source.lead_source,
        hubspot_deals_source.deal_type,
        hubspot_deals_source.forecast_category,
        hubspot_deals_source.closed_lost_reason,
        hubspot_deals_source.is_deleted,
        'hubspot' as source_system,
        hubspot_deals_source.loaded_at
    from hubspot_deals_source
    left join stages
        on
            {{ source_id('hubspot', 'hubspot_deals_source.pipeline_id') }} = stages.pipeline_id
            and hubspot_deals_source.stage_id = stages.stage_id
    left join hubspot_deal_companies
        on hubspot_deals_source.deal_id = hubspot_deal_companies.deal_id
    left join hubspot_deal_contacts
        on
            hubspot_deals_source.deal_id = hubspot_deal_contacts.deal_id
            and hubspot_deal_contacts.contact_number = 1
),
{%- endif %}

{% if 'files' in sources -%}
files_deals_classified as (
    select
        files_deals_source.*,
        -- The mapping gave every deal its status; the stage map may override it per stage.
        coalesce(stage_map.status, files_deals_source.status) as mapped_status
    from files_deals_source
    left join stage_map
        on
            stage_map.source_system = 'files'
            and files_deals_source.pipeline_id = stage_map.pipeline_id
            and files_deals_source.stage_id = stage_map.stage_id
),

files_deals as (
    select
        {{ source_id('files', 'deal_id') }} as deal_id,
        deal_id as source_deal_id,
        deal_name,
        {{ source_id('files', 'owner_rep_id') }} as owner_rep_id,
        {{ source_id('files', 'account_id') }} as account_id,
        {{ source_id('files', 'lead_id') }} as lead_id,
        {{ source_id('files', 'pipeline_id') }} as pipeline_id,
        stage_id,
        mapped_status as status,
        amount,
        coalesce(currency, '{{ reporting_currency }}') as currency,
        created_at,
        case when mapped_status in ('won', 'lost') then closed_at end as closed_at,
        case when mapped_status = 'open' then expected_close_date end as expected_close_date,
        lead_source,
        deal_type,
        forecast_category,
        closed_lost_reason,
        is_deleted,
        'files' as source_system,
        loaded_at
    from files_deals_classified
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'deals'), [
        ['deal_id', 'string'], ['source_deal_id', 'string'], ['deal_name', 'string'],
        ['owner_rep_id', 'string'], ['account_id', 'string'], ['lead_id', 'string'],
        ['pipeline_id', 'string'], ['stage_id', 'string'], ['status', 'string'],
        ['amount', type_amount()], ['currency', 'string'], ['created_at', 'timestamp'],
        ['closed_at', 'timestamp'], ['expected_close_date', 'date'], ['lead_source', 'string'],
        ['deal_type', 'string'], ['forecast_category', 'string'], ['closed_lost_reason', 'string'],
        ['is_deleted', 'boolean'], ['source_system', 'string'],
        ['loaded_at', 'timestamp'],
    ]) }}
),

dated as (
    select
        *,
        {{ to_reporting_date('created_at') }} as created_date,
        {{ to_reporting_date('closed_at') }} as closed_date
    from unioned
),

rate_needed as (
    select
        deal_id,
        currency,
        -- The FX rate of the close date, or of the creation date while the deal is open.
        case when status in ('won', 'lost') then closed_date else created_date end as fx_rate_needed_date
    from dated
    where currency != '{{ reporting_currency }}'
),

rate_candidates as (
    select
        rate_needed.deal_id,
        fx_rates.rate_date,
        fx_rates.rate_to_reporting,
        row_number() over (partition by rate_needed.deal_id order by fx_rates.rate_date desc) as recency
    from rate_needed
    inner join fx_rates
        on
            rate_needed.currency = fx_rates.currency
            and rate_needed.fx_rate_needed_date >= fx_rates.rate_date
            and fx_rates.rate_date
            >= {{ dbt.dateadd('day', -1 * var('fx_rate_max_age_days', 0), 'rate_needed.fx_rate_needed_date') }}
),

converted as (
    select
        dated.*,
        case
            when dated.currency = '{{ reporting_currency }}' then 1
            else rate_candidates.rate_to_reporting
        end as fx_rate,
        case when dated.currency != '{{ reporting_currency }}' then rate_candidates.rate_date end as fx_rate_date
    from dated
    left join rate_candidates
        on
            dated.deal_id = rate_candidates.deal_id
            and rate_candidates.recency = 1
),

final as (
    select
        deal_id,
        source_deal_id,
        deal_name,
        owner_rep_id,
        account_id,
        lead_id,
        pipeline_id,
        stage_id,
        status,
        amount,
        currency,
        cast(fx_rate as {{ type_fx_rate() }}) as fx_rate,
        cast(fx_rate_date as date) as fx_rate_date,
        -- Rounded to cents deal by deal, so that every sum of bookings adds up to the cent.
        {{ convert_to_cents('amount', 'fx_rate') }} as amount_reporting,
        created_at,
        created_date,
        closed_at,
        cast(closed_date as date) as closed_date,
        expected_close_date,
        -- Categories in one spelling across sources and marts (organic_search, new_business).
        {{ normalised_category('lead_source') }} as lead_source,
        {{ deal_type_category('deal_type') }} as deal_type,
        {{ normalised_category('forecast_category') }} as forecast_category,
        {{ normalised_category('closed_lost_reason') }} as closed_lost_reason,
        is_deleted,
        source_system,
        loaded_at
    from converted
)

select * from final
