{#- The canonical deal stages: one row per pipeline and stage, with the status each implies (open /
    won / lost), its funnel order and win probability. HubSpot: from the stage metadata (closed
    with probability 1 = won, closed otherwise = lost, else open). Files: the stages the deals and
    their history name; a stage's status is the one every deal currently in it has. The seed
    stage_map wins over both, value by value. -#}
{%- set sources = enabled_of(['hubspot', 'files']) -%}
with

stage_map as (
    select * from {{ ref('stage_map') }}
),

{% if 'hubspot' in sources -%}
hubspot_stages_source as (
    select * from {{ ref('stg_hubspot__deal_stages') }}
),
{%- endif %}

{% if 'files' in sources -%}
files_deals as (
    select * from {{ ref('stg_files__deals') }}
),

files_stage_history as (
    select * from {{ ref('stg_files__deal_stage_history') }}
),
{%- endif %}

{% if 'hubspot' in sources -%}
hubspot_stages as (
    select
        {{ source_id('hubspot', 'pipeline_id') }} as pipeline_id,
        pipeline_id as source_pipeline_id,
        stage_id,
        stage_label,
        display_order,
        win_probability,
        'hubspot' as source_system,
        case
            when is_closed and win_probability >= 1 then 'won'
            when is_closed then 'lost'
            else 'open'
        end as status
    from hubspot_stages_source
),
{%- endif %}

{% if 'files' in sources -%}
files_current_stages as (
    select
        pipeline_id,
        stage_id,
        count(case when status = 'open' then 1 end) as open_deals,
        count(case when status = 'won' then 1 end) as won_deals,
        count(case when status = 'lost' then 1 end) as lost_deals
    from files_deals
    where stage_id is not null
    group by pipeline_id, stage_id
),

files_history_positions as (
    select
        files_deals.pipeline_id,
        files_stage_history.stage_id,
        row_number() over (
            partition by files_stage_history.deal_id order by files_stage_history.entered_at
        ) as position_in_deal
    from files_stage_history
    inner join files_deals
        on files_stage_history.deal_id = files_deals.deal_id
),

files_history_stages as (
    select
        pipeline_id,
        stage_id,
        avg(position_in_deal) as average_position
    from files_history_positions
    group by pipeline_id, stage_id
),

files_stage_keys as (
    select
        pipeline_id,
        stage_id
    from files_current_stages
    union
    select
        pipeline_id,
        stage_id
    from files_history_stages
),

files_stages_classified as (
    select
        files_stage_keys.pipeline_id,
        files_stage_keys.stage_id,
        files_history_stages.average_position,
        case
            when
                files_current_stages.won_deals > 0
                and files_current_stages.open_deals + files_current_stages.lost_deals = 0
                then 'won'
            when
                files_current_stages.lost_deals > 0
                and files_current_stages.open_deals + files_current_stages.won_deals = 0
                then 'lost'
            else 'open'
        end as status
    from files_stage_keys
    left join files_current_stages
        on
            files_stage_keys.pipeline_id = files_current_stages.pipeline_id
            and files_stage_keys.stage_id = files_current_stages.stage_id
    left join files_history_stages
        on
            files_stage_keys.pipeline_id = files_history_stages.pipeline_id
            and files_stage_keys.stage_id = files_history_stages.stage_id
),

files_stages as (
    select
        {{ source_id('files', 'pipeline_id') }} as pipeline_id,
        pipeline_id as source_pipeline_id,
        stage_id,
        stage_id as stage_label,
        status,
        'files' as source_system,
        -- Open stages in the order deals go through them, then won, then lost.
        cast(row_number() over (
            partition by pipeline_id
            order by
                case status when 'open' then 0 when 'won' then 1 else 2 end,
                average_position,
                stage_id
        ) - 1 as integer) as display_order,
        case status when 'won' then 1.0 when 'lost' then 0.0 end as win_probability
    from files_stages_classified
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'stages'), [
        ['pipeline_id', 'string'], ['source_pipeline_id', 'string'], ['stage_id', 'string'],
        ['stage_label', 'string'], ['display_order', 'integer'], ['win_probability', 'double precision'],
        ['status', 'string'], ['source_system', 'string'],
    ]) }}
),

mapped as (
    select
        unioned.pipeline_id,
        unioned.source_pipeline_id,
        unioned.stage_id,
        unioned.source_system,
        coalesce(stage_map.stage_label, unioned.stage_label) as stage_label,
        coalesce(stage_map.display_order, unioned.display_order) as display_order,
        coalesce(stage_map.win_probability, unioned.win_probability) as win_probability,
        coalesce(stage_map.status, unioned.status) as status
    from unioned
    left join stage_map
        on
            unioned.source_system = stage_map.source_system
            and unioned.source_pipeline_id = stage_map.pipeline_id
            and unioned.stage_id = stage_map.stage_id
),

final as (
    select
        pipeline_id,
        source_pipeline_id,
        stage_id,
        stage_label,
        display_order,
        win_probability,
        status,
        source_system,
        status in ('won', 'lost') as is_closed
    from mapped
)

select * from final
