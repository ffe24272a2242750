{#- The canonical deal stage history from every enabled CRM source: one row per deal and stage
    entered, with the time it was left (the next entry, when the source does not say). loaded_at
    is the later of the entry's and its deal's last load: a deal reloaded reloads its history. -#}
{%- set sources = enabled_of(['hubspot', 'files']) -%}
with

{% if 'hubspot' in sources -%}
hubspot_history_source as (
    select * from {{ ref('stg_hubspot__deal_stage_history') }}
),

hubspot_deals as (
    select * from {{ ref('stg_hubspot__deals') }}
),
{%- endif %}

{% if 'files' in sources -%}
files_history_source as (
    select * from {{ ref('stg_files__deal_stage_history') }}
),

files_deals as (
    select * from {{ ref('stg_files__deals') }}
),
{%- endif %}

{% if 'hubspot' in sources -%}
hubspot_history as (
    select
        {{ source_id('hubspot', 'hubspot_history_source.deal_id') }} as deal_id,
        hubspot_history_source.stage_id,
        {{ source_id('hubspot', 'hubspot_deals.pipeline_id') }} as pipeline_id,
        hubspot_history_source.entered_at,
        -- HubSpot records when a stage was entered; it was left when the next one was entered.
        lead(hubspot_history_source.entered_at) over (
            partition by hubspot_history_source.deal_id
            order by hubspot_history_source.entered_at
        ) as exited_at,
        'hubspot' as source_system,
        hubspot_deals.loaded_at
    from hubspot_history_source
    left join hubspot_deals
        on hubspot_history_source.deal_id = hubspot_deals.deal_id
),
{%- endif %}

{% if 'files' in sources -%}
files_history as (
    select
        {{ source_id('files', 'files_history_source.deal_id') }} as deal_id,
        files_history_source.stage_id,
        {{ source_id('files', 'files_deals.pipeline_id') }} as pipeline_id,
        files_history_source.entered_at,
        coalesce(
            files_history_source.exited_at,
            lead(files_history_source.entered_at) over (
                partition by files_history_source.deal_id
                order by files_history_source.entered_at
            )
        ) as exited_at,
        'files' as source_system,
        case
            when files_deals.loaded_at > files_history_source.loaded_at then files_deals.loaded_at
            else files_history_source.loaded_at
        end as loaded_at
    from files_history_source
    left join files_deals
        on files_history_source.deal_id = files_deals.deal_id
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'history'), [
        ['deal_id', 'string'], ['stage_id', 'string'], ['pipeline_id', 'string'],
        ['entered_at', 'timestamp'], ['exited_at', 'timestamp'], ['source_system', 'string'],
        ['loaded_at', 'timestamp'],
    ]) }}
),

final as (
    select * from unioned
)

select * from final
