{#- The canonical activities (calls, emails, meetings, tasks) from every enabled CRM source that
    has them: one row per activity, with when it takes place (occurred_at) and when it was
    logged or booked in the CRM (logged_at, where the source says). A HubSpot engagement's lead,
    deal and account are the contact, deal and company it is associated with (the lowest id where
    there are several).

    Incremental (delete+insert on activity_id), like fct_activities: a run rewrites the
    activities (re)loaded since its latest loaded_at (a HubSpot engagement's associations are
    reloaded with it), and its post-hook deletes those the enabled sources no longer hold
    (deleted, or missing from a later full export, which keeps them soft-deleted with their old
    loaded_at), compared with the sources' staging (macro canonical_activity_ids), so the result
    equals a full refresh. -#}
{%- set sources = enabled_of(['hubspot', 'files']) -%}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='activity_id',
    on_schema_change='fail',
    post_hook="{% if is_incremental() %}delete from {{ this }} as target where not exists "
        ~ "(select 1 from ({{ canonical_activity_ids() }}) as canonical "
        ~ "where canonical.activity_id = target.activity_id){% endif %}",
) }}
{%- set loaded_since = incremental_loaded_since() if is_incremental() -%}
with

{% if 'hubspot' in sources -%}
hubspot_engagements as (
    select * from {{ ref('stg_hubspot__engagements') }}
    {%- if is_incremental() %}
        where loaded_at > {{ loaded_since }}
    {%- endif %}
),

hubspot_associations as (
    select * from {{ ref('stg_hubspot__associations') }}
    {%- if is_incremental() %}
        -- Those of the engagements rewritten only, not every association.
        where from_id in (select engagement_id from hubspot_engagements)
    {%- endif %}
),

hubspot_links as (
    select
        from_id as engagement_id,
        min(case when to_object_type = 'contacts' then to_id end) as contact_id,
        min(case when to_object_type = 'deals' then to_id end) as deal_id,
        min(case when to_object_type = 'companies' then to_id end) as company_id
    from hubspot_associations
    where from_object_type in ('calls', 'emails', 'meetings', 'tasks')
    group by from_id
),

hubspot_activities as (
    select
        {{ source_id('hubspot', 'hubspot_engagements.engagement_id') }} as activity_id,
        hubspot_engagements.engagement_id as source_activity_id,
        {{ source_id('hubspot', 'hubspot_engagements.owner_id') }} as rep_id,
        hubspot_engagements.engagement_type as activity_type,
        hubspot_engagements.direction,
        hubspot_engagements.occurred_at,
        hubspot_engagements.created_at as logged_at,
        {{ source_id('hubspot', 'hubspot_links.contact_id') }} as lead_id,
        {{ source_id('hubspot', 'hubspot_links.deal_id') }} as deal_id,
        {{ source_id('hubspot', 'hubspot_links.company_id') }} as account_id,
        'hubspot' as source_system,
        hubspot_engagements.loaded_at
    from hubspot_engagements
    left join hubspot_links
        on hubspot_engagements.engagement_id = hubspot_links.engagement_id
    where not hubspot_engagements.is_deleted
),
{%- endif %}

{% if 'files' in sources -%}
files_activities_source as (
    select * from {{ ref('stg_files__activities') }}
    {%- if is_incremental() %}
        where loaded_at > {{ loaded_since }}
    {%- endif %}
),

files_activities as (
    select
        {{ source_id('files', 'activity_id') }} as activity_id,
        activity_id as source_activity_id,
        {{ source_id('files', 'rep_id') }} as rep_id,
        activity_type,
        direction,
        occurred_at,
        logged_at,
        {{ source_id('files', 'lead_id') }} as lead_id,
        {{ source_id('files', 'deal_id') }} as deal_id,
        {{ source_id('files', 'account_id') }} as account_id,
        'files' as source_system,
        loaded_at
    from files_activities_source
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'activities'), [
        ['activity_id', 'string'], ['source_activity_id', 'string'], ['rep_id', 'string'],
        ['activity_type', 'string'], ['direction', 'string'], ['occurred_at', 'timestamp'],
        ['logged_at', 'timestamp'],
        ['lead_id', 'string'], ['deal_id', 'string'], ['account_id', 'string'],
        ['source_system', 'string'], ['loaded_at', 'timestamp'],
    ]) }}
),

final as (
    select
        *,
        {{ to_reporting_date('occurred_at') }} as occurred_date
    from unioned
)

select * from final
