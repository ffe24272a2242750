{#- The canonical activities (calls, emails, meetings, tasks) from every enabled CRM source that
    has them: one row per activity. HubSpot engagements join here once the source loads them. -#}
{%- set sources = enabled_of(['files']) -%}
with

{% if 'files' in sources -%}
files_activities_source as (
    select * from {{ ref('stg_files__activities') }}
),

files_activities as (
    select
        {{ source_id('files', 'activity_id') }} as activity_id,
        activity_id as source_activity_id,
        {{ source_id('files', 'rep_id') }} as rep_id,
        activity_type,
        direction,
        occurred_at,
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
