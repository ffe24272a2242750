{#- Stage-to-stage funnel conversion: of the deals that entered an open stage, how many reached the
    next stage (any later open stage, or won) and how many were won. One row per pipeline, open
    stage, owner and month in which the deals first entered the stage (the cohort); counts add
    up across rows, rates are recomputed from them. Deleted deals never count. -#}
with

history as (
    select * from {{ ref('fct_deal_stage_history') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

entries as (
    select
        history.deal_id,
        history.pipeline_id,
        history.stage_id,
        max(history.stage_label) as stage_label,
        max(history.stage_display_order) as stage_display_order,
        max(history.stage_status) as stage_status,
        min(history.entered_date) as first_entered_date
    from history
    inner join deals
        on history.deal_id = deals.deal_id
    where not deals.is_deleted
    group by history.deal_id, history.pipeline_id, history.stage_id
),

deal_furthest_stages as (
    -- A deal reached the next stage of an entry when it entered any later stage but a lost one:
    -- when its furthest such stage lies beyond the entry. One aggregate per deal, where a join
    -- of every entry to the deal's later entries made ten million pairs at 1,000 reps.
    select
        deal_id,
        max(case when stage_status != 'lost' then stage_display_order end) as furthest_display_order
    from entries
    group by deal_id
),

outcomes as (
    select
        entries.pipeline_id,
        entries.stage_id,
        entries.stage_label,
        entries.stage_display_order,
        deals.owner_rep_id,
        deals.team_id,
        cast({{ dbt.date_trunc('month', 'entries.first_entered_date') }} as date) as cohort_month_start_date,
        entries.deal_id,
        deals.is_won,
        deals.is_lost,
        coalesce(deal_furthest_stages.furthest_display_order > entries.stage_display_order, false)
        or deals.is_won as has_reached_next_stage
    from entries
    inner join deals
        on entries.deal_id = deals.deal_id
    inner join deal_furthest_stages
        on entries.deal_id = deal_furthest_stages.deal_id
    where entries.stage_status = 'open'
),

final as (
    select
        pipeline_id,
        stage_id,
        owner_rep_id,
        team_id,
        cohort_month_start_date,
        cast(count(*) as bigint) as deals_entered,
        cast(count(case when has_reached_next_stage then 1 end) as bigint) as deals_reached_next_stage,
        cast(count(case when is_won then 1 end) as bigint) as deals_won,
        cast(count(case when is_lost then 1 end) as bigint) as deals_lost,
        cast(count(case when not is_won and not is_lost then 1 end) as bigint) as deals_still_open,
        max(stage_label) as stage_label,
        max(stage_display_order) as stage_display_order,
        {{ safe_divide('count(case when has_reached_next_stage then 1 end)', 'count(*)') }}
            as next_stage_conversion_rate,
        {{ safe_divide('count(case when is_won then 1 end)', 'count(*)') }} as stage_win_rate
    from outcomes
    group by pipeline_id, stage_id, owner_rep_id, team_id, cohort_month_start_date
)

select * from final
