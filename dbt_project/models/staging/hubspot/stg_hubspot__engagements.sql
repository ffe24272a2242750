{#- HubSpot's four engagement objects as one list of activities. Direction: calls and e-mails say
    it (an INCOMING_EMAIL is inbound); a meeting is outbound when the rep booked it and inbound
    when the prospect did, on a scheduling page (hs_meeting_source MEETINGS_PUBLIC or
    MEETINGS_EMBEDDED); a task has none. created_at is when the engagement was logged or booked
    (hs_createdate), occurred_at when it takes place (hs_timestamp). -#}
{%- set prospect_sources = var('prospect_booked_meeting_sources', ['MEETINGS_PUBLIC', 'MEETINGS_EMBEDDED']) -%}
{%- set meeting_source = optional_source_column('raw_hubspot', 'meetings', 'hs_meeting_source') -%}
{%- set prospect_sources_sql = "'" ~ prospect_sources | map('upper') | join("', '") ~ "'" -%}
with

calls as (
    select * from {{ source('raw_hubspot', 'calls') }}
),

emails as (
    select * from {{ source('raw_hubspot', 'emails') }}
),

meetings as (
    select * from {{ source('raw_hubspot', 'meetings') }}
),

tasks as (
    select * from {{ source('raw_hubspot', 'tasks') }}
),

unioned as (
    select
        id,
        'call' as engagement_type,
        hubspot_owner_id,
        hs_timestamp,
        hs_createdate,
        cast(null as {{ dbt.type_string() }}) as meeting_source,
        case upper(hs_call_direction) when 'INBOUND' then 'inbound' else 'outbound' end as direction,
        lower(hs_call_status) as status,
        archived,
        _dlt_load_id
    from calls
    union all
    select
        id,
        'email' as engagement_type,
        hubspot_owner_id,
        hs_timestamp,
        hs_createdate,
        cast(null as {{ dbt.type_string() }}) as meeting_source,
        case upper(hs_email_direction) when 'INCOMING_EMAIL' then 'inbound' else 'outbound' end as direction,
        lower(hs_email_status) as status,
        archived,
        _dlt_load_id
    from emails
    union all
    select
        id,
        'meeting' as engagement_type,
        hubspot_owner_id,
        hs_timestamp,
        hs_createdate,
        upper({{ meeting_source }}) as meeting_source,
        case
            when upper({{ meeting_source }}) in ({{ prospect_sources_sql }}) then 'inbound'
            else 'outbound'
        end as direction,
        lower(hs_meeting_outcome) as status,
        archived,
        _dlt_load_id
    from meetings
    union all
    select
        id,
        'task' as engagement_type,
        hubspot_owner_id,
        hs_timestamp,
        hs_createdate,
        cast(null as {{ dbt.type_string() }}) as meeting_source,
        cast(null as {{ dbt.type_string() }}) as direction,
        lower(hs_task_status) as status,
        archived,
        _dlt_load_id
    from tasks
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as engagement_id,
        engagement_type,
        cast(hubspot_owner_id as {{ dbt.type_string() }}) as owner_id,
        {{ to_utc_timestamp('hs_timestamp') }} as occurred_at,
        {{ to_utc_timestamp('hs_createdate') }} as created_at,
        meeting_source,
        direction,
        status,
        coalesce(archived, false) as is_deleted,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from unioned
),

final as (
    select * from renamed
)

select * from final
