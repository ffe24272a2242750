{#- One row per deal and stage entered, with when it was left, the next stage, the time spent in
    it, and the stage's place in the funnel. Incremental: a run rebuilds the whole history of
    every deal whose history or whose deal record (its owner is on every entry) was (re)loaded
    since the last run, that lost an entry without a reload (missing from a later full export),
    or that went through a stage whose label, funnel order or status changed (every entry
    carries them), and drops the deals left without history (delete+insert on deal_id), so the
    result equals a full refresh. -#}
{#- The post-hook's NOT EXISTS: PostgreSQL runs a NOT IN over a large subquery row by row. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='deal_id',
    on_schema_change='fail',
    post_hook="{% if is_incremental() %}delete from {{ this }} as target where not exists "
        ~ "(select 1 from {{ ref('int_deal_stage_history_unioned') }} as canonical "
        ~ "where canonical.deal_id = target.deal_id){% endif %}",
) }}
with

history as (
    select * from {{ ref('int_deal_stage_history_unioned') }}
),

deals as (
    select * from {{ ref('int_deals_unioned') }}
),

stages as (
    select * from {{ ref('int_deal_stages_unioned') }}
),

{% if is_incremental() -%}
changed_deals as (
    select deal_id from history
    where loaded_at > {{ incremental_loaded_since() }}
    union
    select deal_id from deals
    where loaded_at > {{ incremental_loaded_since() }}
    union
    -- An entry the history no longer holds, its deal not reloaded: the rest are numbered again.
    select previous.deal_id
    from {{ this }} as previous
    left join history
        on
            previous.deal_id = history.deal_id
            and previous.stage_id = history.stage_id
            and previous.entered_at = history.entered_at
    where history.deal_id is null
    union
    -- A stage changed without a reload of the deals that went through it: renamed or reordered
    -- in the CRM or by the seed stage_map, or a files stage, whose order and status follow the
    -- deals in it (int_deal_stages_unioned).
    select previous.deal_id
    from {{ this }} as previous
    left join stages
        on
            previous.pipeline_id = stages.pipeline_id
            and previous.stage_id = stages.stage_id
    where
        previous.stage_label is distinct from stages.stage_label
        or previous.stage_display_order is distinct from stages.display_order
        or previous.stage_status is distinct from stages.status
),
{%- endif %}

selected_history as (
    select history.*
    from history
    {% if is_incremental() -%}
        inner join changed_deals
            on history.deal_id = changed_deals.deal_id
    {%- endif %}
),

sequenced as (
    select
        *,
        row_number() over (partition by deal_id order by entered_at, stage_id) as entry_number,
        lead(stage_id) over (partition by deal_id order by entered_at, stage_id) as next_stage_id
    from selected_history
),

final as (
    select
        sequenced.deal_id,
        cast(sequenced.entry_number as integer) as entry_number,
        sequenced.pipeline_id,
        sequenced.stage_id,
        stages.stage_label,
        stages.display_order as stage_display_order,
        stages.status as stage_status,
        sequenced.next_stage_id,
        coalesce(deals.owner_rep_id, 'unassigned') as owner_rep_id,
        sequenced.entered_at,
        {{ to_reporting_date('sequenced.entered_at') }} as entered_date,
        sequenced.exited_at,
        {{ to_reporting_date('sequenced.exited_at') }} as exited_date,
        sequenced.exited_at is null as is_current_stage,
        {{ hours_between('sequenced.entered_at', 'sequenced.exited_at') }} as hours_in_stage,
        sequenced.source_system,
        sequenced.loaded_at
    from sequenced
    left join deals
        on sequenced.deal_id = deals.deal_id
    left join stages
        on
            sequenced.pipeline_id = stages.pipeline_id
            and sequenced.stage_id = stages.stage_id
)

select * from final
