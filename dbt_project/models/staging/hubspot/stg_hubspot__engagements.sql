{#- HubSpot's four engagement objects as one list of activities. Direction: calls and e-mails say
    it (an INCOMING_EMAIL is inbound); a meeting is booked by the rep, so outbound; a task has
    none. -#}
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
        'outbound' as direction,
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
