{#- The open pipeline at the end of every day, per rep: open deals, their amount, the weighted
    pipeline (amount x the win probability of the stage the deal was in that day) and what was
    expected to close in the rest of the month and fiscal quarter. Reconstructed from the stage
    history, so a full refresh gives the same rows as the incremental runs: an incremental run
    deletes and rebuilds every day from pipeline_snapshot_recompute_from() on (new days, and
    every day since the creation of a deal that was reloaded). Coverage against quota:
    pipeline_coverage_daily. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where snapshot_date >= "
        ~ "{{ pipeline_snapshot_recompute_from(this) }}{% endif %}",
) }}
-- depends_on: {{ ref('int_deal_stage_history_unioned') }}
with

deals as (
    select * from {{ ref('fct_deals') }}
),

deal_loads as (
    select * from {{ ref('int_deals_unioned') }}
),

history as (
    select * from {{ ref('fct_deal_stage_history') }}
),

stages as (
    select * from {{ ref('int_deal_stages_unioned') }}
),

periods as (
    select * from {{ ref('int_date_periods') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

days as (
    select
        date_day,
        max(case when period_grain = 'month' then period_end_date end) as month_end_date,
        max(case when period_grain = 'fiscal_quarter' then period_end_date end) as fiscal_quarter_end_date
    from periods
    where
        date_day <= {{ date_literal(as_of_date()) }}
    {% if is_incremental() -%}
            and date_day >= {{ pipeline_snapshot_recompute_from(this) }}
        {%- endif %}
    group by date_day
),

history_loads as (
    select
        deal_id,
        max(loaded_at) as loaded_at
    from history
    group by deal_id
),

live_deals as (
    select
        deals.deal_id,
        deals.owner_rep_id,
        deals.pipeline_id,
        deals.stage_id,
        deals.status,
        deals.amount_reporting,
        deals.created_date,
        deals.closed_date,
        -- The expected close date is kept only while a deal is open; for one that has closed
        -- since, its actual close date stands in for what was expected on earlier days.
        coalesce(deals.expected_close_date, deals.closed_date) as expected_close_date,
        case
            when history_loads.loaded_at > deal_loads.loaded_at then history_loads.loaded_at
            else deal_loads.loaded_at
        end as loaded_at
    from deals
    inner join deal_loads
        on deals.deal_id = deal_loads.deal_id
    left join history_loads
        on deals.deal_id = history_loads.deal_id
    where
        not deals.is_deleted
        and deals.created_date is not null
),

open_deal_days as (
    -- A deal is open at the end of a day from its creation date until the day before it closed.
    select
        live_deals.*,
        days.date_day as snapshot_date,
        days.month_end_date,
        days.fiscal_quarter_end_date
    from live_deals
    inner join days
        on
            live_deals.created_date <= days.date_day
            and (live_deals.closed_date is null or live_deals.closed_date > days.date_day)
),

staged_deal_days as (
    select
        open_deal_days.*,
        -- The stage in force at the end of the day; without history, the deal's current stage.
        coalesce(history.stage_id, case when history_loads.deal_id is null then open_deal_days.stage_id end)
            as stage_id_that_day
    from open_deal_days
    left join history
        on
            open_deal_days.deal_id = history.deal_id
            and open_deal_days.snapshot_date >= history.entered_date
            and (history.exited_date is null or open_deal_days.snapshot_date < history.exited_date)
    left join history_loads
        on open_deal_days.deal_id = history_loads.deal_id
),

weighted_deal_days as (
    select
        staged_deal_days.*,
        stages.win_probability,
        -- Rounded to cents deal by deal, in exact decimals: the sum is the same in any order.
        {{ weight_to_cents('staged_deal_days.amount_reporting', 'stages.win_probability') }} as weighted_amount
    from staged_deal_days
    left join stages
        on
            staged_deal_days.pipeline_id = stages.pipeline_id
            and staged_deal_days.stage_id_that_day = stages.stage_id
),

aggregated as (
    select
        snapshot_date,
        owner_rep_id as rep_id,
        count(*) as open_deals,
        sum(amount_reporting) as open_pipeline,
        -- Unknown when any open deal's stage has no probability: never a silent under-count.
        case
            when count(win_probability) = count(*) then sum(weighted_amount)
        end as weighted_pipeline,
        sum(
            case
                when expected_close_date >= snapshot_date and expected_close_date <= month_end_date
                    then amount_reporting
            end
        ) as pipeline_closing_this_month,
        sum(
            case
                when expected_close_date >= snapshot_date and expected_close_date <= fiscal_quarter_end_date
                    then amount_reporting
            end
        ) as pipeline_closing_this_fiscal_quarter,
        sum(case when expected_close_date < snapshot_date then amount_reporting end) as overdue_pipeline,
        max(loaded_at) as source_loaded_at
    from weighted_deal_days
    group by snapshot_date, owner_rep_id
),

final as (
    select
        aggregated.snapshot_date,
        aggregated.rep_id,
        coalesce(reps.team_id, 'unassigned') as team_id,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(aggregated.open_deals as bigint) as open_deals,
        cast(coalesce(aggregated.open_pipeline, 0) as {{ type_money() }}) as open_pipeline,
        cast(aggregated.weighted_pipeline as {{ type_money() }}) as weighted_pipeline,
        cast(coalesce(aggregated.pipeline_closing_this_month, 0) as {{ type_money() }}) as pipeline_closing_this_month,
        cast(coalesce(aggregated.pipeline_closing_this_fiscal_quarter, 0) as {{ type_money() }})
            as pipeline_closing_this_fiscal_quarter,
        cast(coalesce(aggregated.overdue_pipeline, 0) as {{ type_money() }}) as overdue_pipeline,
        aggregated.source_loaded_at
    from aggregated
    left join reps
        on aggregated.rep_id = reps.rep_id
)

select * from final
