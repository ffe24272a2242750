{#- The open pipeline at the end of every day, per rep, as it was that day: each open deal with
    the stage, amount, expected close date, owner and forecast category it had then
    (core.fct_deal_versions), so a past day never shows today's values. Open deals, their
    amount, the weighted pipeline (amount x the win probability of that day's stage), what was
    expected to close in the rest of the month and fiscal quarter, and the commit and best-case
    part. Rebuilt from the deals' histories, so a full refresh gives the same rows as the
    incremental runs (but for the lineage columns source_loaded_at and rebuilt_at): an
    incremental run deletes and rebuilds every day from pipeline_snapshot_recompute_from() on
    (the last day and new days, and the days from the first one whose state changed of every
    deal whose versions were rewritten). Coverage against quota: pipeline_coverage_daily. -#}
-- depends_on: {{ ref('int_deals_unioned') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where snapshot_date >= "
        ~ "{{ pipeline_snapshot_recompute_from(this) }}{% endif %}",
) }}
with

versions as (
    select * from {{ ref('fct_deal_versions') }}
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
            -- The days the pre-hook deleted, and new ones.
            and date_day > (select coalesce(max(snapshot_date), {{ dbt.dateadd('day', -1, date_literal(calendar_start_date())) }}) from {{ this }})
        {%- endif %}
    group by date_day
),

open_deal_days as (
    -- The version of each live deal in force at the end of the day, when it was open then.
    select
        versions.*,
        days.date_day as snapshot_date,
        days.month_end_date,
        days.fiscal_quarter_end_date
    from versions
    inner join days
        on {{ deal_version_in_force('days.date_day') }}
    where versions.is_open and not versions.is_deleted
),

aggregated as (
    select
        snapshot_date,
        owner_rep_id as rep_id,
        count(*) as open_deals,
        sum(amount_reporting) as open_pipeline,
        -- Unknown when any open deal's stage has no probability: never a silent under-count.
        case
            when count(stage_win_probability) = count(*) then sum(weighted_amount_reporting)
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
        sum(case when forecast_category = 'commit' then amount_reporting end) as commit_pipeline,
        sum(case when forecast_category = 'best_case' then amount_reporting end) as best_case_pipeline,
        max(loaded_at) as source_loaded_at
    from open_deal_days
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
        cast(coalesce(aggregated.commit_pipeline, 0) as {{ type_money() }}) as commit_pipeline,
        cast(coalesce(aggregated.best_case_pipeline, 0) as {{ type_money() }}) as best_case_pipeline,
        aggregated.source_loaded_at,
        {{ run_started_timestamp() }} as rebuilt_at
    from aggregated
    left join reps
        on aggregated.rep_id = reps.rep_id
)

select * from final
