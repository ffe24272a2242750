{#- The canonical leads from every enabled CRM source that has them: one row per lead, with its
    owner, creation time, source (normalised once, macro normalised_category) and conversion.

    A HubSpot contact is a lead when its lifecycle stage is, or has been, one of var
    lead_lifecycle_stages (default lead, marketingqualifiedlead, salesqualifiedlead: its "became
    a ..." date is set or it is in the stage now), or when it carries a lead status of var
    lead_statuses (default "any": any value). By default two kinds of contacts are left out of
    lead response and conversion, so they are not leads here: existing customers (var
    leads_exclude_existing_customers: the contact became a customer before it ever was in a lead
    stage, as contacts synced in from billing or added to a customer account are) and contacts
    created by a rep by hand (var leads_exclude_rep_created: hs_object_source in var
    rep_created_object_sources, default CRM_UI and the mobile apps), whom the rep reached before
    the CRM knew them. A lead converted when a deal associated with it was created (its earliest
    such deal). Files exports: the mapping's leads, as given (docs/metrics.md, "Leads"). -#}
{%- set sources = enabled_of(['hubspot', 'files']) -%}
{%- set lead_stages = var('lead_lifecycle_stages', ['lead', 'marketingqualifiedlead', 'salesqualifiedlead']) -%}
{%- set lead_statuses = var('lead_statuses', 'any') -%}
{%- set rep_sources = var('rep_created_object_sources', ['CRM_UI', 'MOBILE_IOS', 'MOBILE_ANDROID']) -%}
{%- set stage_dates = {
    'lead': 'became_lead_at',
    'marketingqualifiedlead': 'became_marketing_qualified_lead_at',
    'salesqualifiedlead': 'became_sales_qualified_lead_at',
} -%}
{%- set dates = [] -%}
{%- for stage in lead_stages if stage in stage_dates -%}{%- do dates.append(stage_dates[stage]) -%}{%- endfor -%}
{#- The first time the contact entered one of the lead stages that have a date property. -#}
{%- if dates | length > 1 -%}
{%- set became_lead_stage_at = 'least(' ~ dates | join(', ') ~ ')' -%}
{%- elif dates -%}
{%- set became_lead_stage_at = dates[0] -%}
{%- else -%}
{%- set became_lead_stage_at = 'cast(null as ' ~ dbt.type_timestamp() ~ ')' -%}
{%- endif -%}
{%- set stages_sql = "'" ~ lead_stages | join("', '") ~ "'" -%}
{%- set rep_sources_sql = "'" ~ rep_sources | map('upper') | join("', '") ~ "'" -%}
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

hubspot_contacts_classified as (
    select
        *,
        {{ became_lead_stage_at }} as became_lead_stage_at,
        (
            lifecycle_stage in ({{ stages_sql }})
            {%- for date in dates %}
            or {{ date }} is not null
            {%- endfor %}
            {%- if lead_statuses == 'any' %}
            or lead_status is not null
            {%- elif lead_statuses %}
            or upper(lead_status) in ({{ "'" ~ lead_statuses | map('upper') | join("', '") ~ "'" }})
            {%- endif %}
        ) as is_lead,
        coalesce(object_source in ({{ rep_sources_sql }}), false) as is_created_by_rep
    from hubspot_contacts
    where not is_deleted
),

hubspot_contacts_counted as (
    select
        *,
        -- A customer before it ever was in a lead stage: synced from billing, or added to an
        -- account that already buys.
        coalesce(
            became_customer_at <= coalesce(became_lead_stage_at, became_customer_at), false
        ) as is_existing_customer
    from hubspot_contacts_classified
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
    from hubspot_contacts_counted as hubspot_contacts
    left join hubspot_contact_deals
        on
            hubspot_contacts.contact_id = hubspot_contact_deals.contact_id
            and hubspot_contact_deals.deal_number = 1
    where
        hubspot_contacts.is_lead
        {%- if var('leads_exclude_existing_customers', true) %}
        and not hubspot_contacts.is_existing_customer
        {%- endif %}
        {%- if var('leads_exclude_rep_created', true) %}
        and not hubspot_contacts.is_created_by_rep
        {%- endif %}
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
        lead_id,
        source_lead_id,
        owner_rep_id,
        created_at,
        {{ normalised_category('lead_source') }} as lead_source,
        converted_at,
        converted_deal_id,
        source_system,
        loaded_at,
        {{ to_reporting_date('created_at') }} as created_date
    from unioned
)

select * from final
