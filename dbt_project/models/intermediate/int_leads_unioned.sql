{#- The canonical leads from every enabled CRM source that has them: one row per lead, with its
    owner, creation time and conversion. A HubSpot contact is a lead; it converted when a deal
    associated with it was created (its earliest such deal). -#}
{%- set sources = enabled_of(['hubspot', 'files']) -%}
with

{% if 'hubspot' in sources -%}
hubspot_contacts as (
    select * from {{ ref('stg_hubspot__contacts') }}
),

hubspot_associations as (
    select * from {{ ref('stg_hubspot__associations') }}
),

hubspot_deals as (
    select * from {{ ref('stg_hubspot__deals') }}
),

hubspot_contact_deals as (
    select
        hubspot_associations.from_id as contact_id,
        hubspot_deals.deal_id,
        hubspot_deals.created_at,
        row_number() over (
            partition by hubspot_associations.from_id
            order by hubspot_deals.created_at, hubspot_deals.deal_id
        ) as deal_number
    from hubspot_associations
    inner join hubspot_deals
        on hubspot_associations.to_id = hubspot_deals.deal_id
    where
        hubspot_associations.from_object_type = 'contacts'
        and hubspot_associations.to_object_type = 'deals'
        and not hubspot_deals.is_deleted
),

hubspot_leads as (
    select
        {{ source_id('hubspot', 'hubspot_contacts.contact_id') }} as lead_id,
        hubspot_contacts.contact_id as source_lead_id,
        {{ source_id('hubspot', 'hubspot_contacts.owner_id') }} as owner_rep_id,
        hubspot_contacts.created_at,
        hubspot_contacts.lead_source,
        hubspot_contact_deals.created_at as converted_at,
        {{ source_id('hubspot', 'hubspot_contact_deals.deal_id') }} as converted_deal_id,
        'hubspot' as source_system,
        hubspot_contacts.loaded_at
    from hubspot_contacts
    left join hubspot_contact_deals
        on
            hubspot_contacts.contact_id = hubspot_contact_deals.contact_id
            and hubspot_contact_deals.deal_number = 1
    where not hubspot_contacts.is_deleted
),
{%- endif %}

{% if 'files' in sources -%}
files_leads_source as (
    select * from {{ ref('stg_files__leads') }}
),

files_leads as (
    select
        {{ source_id('files', 'lead_id') }} as lead_id,
        lead_id as source_lead_id,
        {{ source_id('files', 'owner_rep_id') }} as owner_rep_id,
        created_at,
        lead_source,
        converted_at,
        {{ source_id('files', 'converted_deal_id') }} as converted_deal_id,
        'files' as source_system,
        loaded_at
    from files_leads_source
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'leads'), [
        ['lead_id', 'string'], ['source_lead_id', 'string'], ['owner_rep_id', 'string'],
        ['created_at', 'timestamp'], ['lead_source', 'string'], ['converted_at', 'timestamp'],
        ['converted_deal_id', 'string'], ['source_system', 'string'], ['loaded_at', 'timestamp'],
    ]) }}
),

final as (
    select
        *,
        {{ to_reporting_date('created_at') }} as created_date
    from unioned
)

select * from final
