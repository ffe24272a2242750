{#- The canonical leads from every enabled CRM source that has them: one row per lead, with its
    owner, creation time and conversion. HubSpot contacts join here once the source loads them. -#}
{%- set sources = enabled_of(['files']) -%}
with

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
