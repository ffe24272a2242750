{#- How long deals stay in each open stage, and which open deals have stayed too long: per
    pipeline and open stage, the completed stays (entered and left, by live deals), their median
    and 80th-percentile days, and the open deals in the stage at the end of the as-of date, with
    those that have been in it longer than the stage's 80th percentile (aging beyond the norm)
    and their amount. Stays from core.fct_deal_stage_history. Definitions: docs/metrics.md. -#}
{%- set day_after_as_of = dbt.dateadd('day', 1, date_literal(as_of_date())) -%}
{%- set as_of_end = 'cast(' ~ day_after_as_of ~ ' as ' ~ dbt.type_timestamp() ~ ')' -%}
with

history as (
    select * from {{ ref('fct_deal_stage_history') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

stays as (
    select
        history.pipeline_id,
        history.stage_id,
        history.stage_label,
        history.stage_display_order,
        deals.status,
        deals.amount_reporting,
        history.exited_at is not null and history.exited_at < {{ as_of_end }} as is_completed,
        case
            when history.exited_at is not null and history.exited_at < {{ as_of_end }}
                then history.hours_in_stage / 24.0
            else {{ hours_between('history.entered_at', as_of_end) }} / 24.0
        end as days_in_stage
    from history
    inner join deals
        on history.deal_id = deals.deal_id
    where
        history.stage_status = 'open'
        and not deals.is_deleted
        and history.entered_at < {{ as_of_end }}
),

norms as (
    select
        pipeline_id,
        stage_id,
        max(stage_label) as stage_label,
        max(stage_display_order) as stage_display_order,
        sum(case when is_completed then 1 else 0 end) as completed_stays,
        {{ median('case when is_completed then days_in_stage end') }} as median_days_in_stage,
        {{ percentile('case when is_completed then days_in_stage end', 0.8) }} as p80_days_in_stage
    from stays
    group by pipeline_id, stage_id
),

open_now as (
    -- Deals open at the end of the as-of date, in the stage they were in then.
    select
        stays.pipeline_id,
        stays.stage_id,
        count(*) as open_deals,
        sum(case when stays.days_in_stage > norms.p80_days_in_stage then 1 else 0 end) as aged_open_deals,
        sum(case when stays.days_in_stage > norms.p80_days_in_stage then stays.amount_reporting end)
            as aged_open_pipeline
    from stays
    inner join norms
        on
            stays.pipeline_id = norms.pipeline_id
            and stays.stage_id = norms.stage_id
    where not stays.is_completed and stays.status = 'open'
    group by stays.pipeline_id, stays.stage_id
),

final as (
    select
        norms.pipeline_id,
        norms.stage_id,
        norms.stage_label,
        norms.stage_display_order,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(norms.completed_stays as bigint) as completed_stays,
        norms.median_days_in_stage,
        norms.p80_days_in_stage,
        cast(coalesce(open_now.open_deals, 0) as bigint) as open_deals,
        cast(coalesce(open_now.aged_open_deals, 0) as bigint) as aged_open_deals,
        cast(coalesce(open_now.aged_open_pipeline, 0) as {{ type_money() }}) as aged_open_pipeline
    from norms
    left join open_now
        on
            norms.pipeline_id = open_now.pipeline_id
            and norms.stage_id = open_now.stage_id
)

select * from final
