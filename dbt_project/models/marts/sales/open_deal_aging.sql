{#- Each live deal open at the end of the as-of date, as it was then (owner, stage, amount,
    expected close date and forecast category from core.fct_deal_versions), with how long it had
    been in that stage (its stay in core.fct_deal_stage_history), the stage's norm (the 80th
    percentile of completed stays, stage_velocity) and whether it is older than the norm, its age
    since creation and how far its expected close date is. The per-deal list behind
    stage_velocity's aged_open_deals. Definitions: docs/metrics.md. -#}
{%- set as_of = date_literal(as_of_date()) -%}
{%- set as_of_end = 'cast(' ~ dbt.dateadd('day', 1, as_of) ~ ' as ' ~ dbt.type_timestamp() ~ ')' -%}
with

versions as (
    select * from {{ ref('fct_deal_versions') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

history as (
    select * from {{ ref('fct_deal_stage_history') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

velocity as (
    select * from {{ ref('stage_velocity') }}
),

open_deals as (
    select *
    from versions
    where
        is_open
        and not is_deleted
        and {{ deal_version_in_force(as_of, relation=none) }}
),

current_stays as (
    -- The stay each deal was in at the end of the as-of date (entered by then, not yet left).
    select
        deal_id,
        stage_id,
        stage_label,
        entered_at,
        {{ hours_between('entered_at', as_of_end) }} / 24.0 as days_in_stage
    from history
    where
        entered_at < {{ as_of_end }}
        and (exited_at is null or exited_at >= {{ as_of_end }})
),

final as (
    select
        open_deals.deal_id,
        deals.deal_name,
        open_deals.owner_rep_id,
        coalesce(reps.team_id, 'unassigned') as team_id,
        open_deals.pipeline_id,
        open_deals.stage_id,
        coalesce(current_stays.stage_label, velocity.stage_label) as stage_label,
        {{ as_of }} as as_of_date,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(open_deals.amount_reporting as {{ type_money() }}) as amount_reporting,
        open_deals.forecast_category,
        deals.created_date,
        {{ days_between('deals.created_date', as_of) }} as days_since_created,
        open_deals.expected_close_date,
        {{ days_between(as_of, 'open_deals.expected_close_date') }} as days_to_expected_close,
        current_stays.entered_at as entered_stage_at,
        cast(current_stays.days_in_stage as double precision) as days_in_stage,
        velocity.median_days_in_stage as stage_median_days,
        velocity.p80_days_in_stage as stage_norm_days,
        coalesce(current_stays.days_in_stage > velocity.p80_days_in_stage, false) as is_older_than_norm
    from open_deals
    inner join deals
        on open_deals.deal_id = deals.deal_id
    left join reps
        on open_deals.owner_rep_id = reps.rep_id
    left join current_stays
        on
            open_deals.deal_id = current_stays.deal_id
            and open_deals.stage_id = current_stays.stage_id
    left join velocity
        on
            open_deals.pipeline_id = velocity.pipeline_id
            and open_deals.stage_id = velocity.stage_id
)

select * from final
