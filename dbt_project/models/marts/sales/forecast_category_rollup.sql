{#- The forecast-category roll-up for the current and the next fiscal quarter, per rep, per team and
    for the company: the open pipeline at the end of the as-of date by the forecast category each
    deal had then (commit, best case, pipeline; omitted, closed or no category apart as not
    forecast), attributed to the owner on that day (core.fct_deal_versions), beside the quarter's
    quota, bookings to date and pipeline-weighted forecast, all three read from
    pipeline_weighted_forecast (bookings computed once, in macro sales_performance). Cumulative
    forecasts as Salesforce rolls them up: commit = bookings + commit; best case = bookings +
    commit + best case. Team and company amounts of the categories are exact sums of their reps'.
    Definitions: docs/metrics.md. -#}
{%- set as_of = date_literal(as_of_date()) -%}
{%- set categories = ['commit', 'best_case', 'pipeline'] -%}
with

dates as (
    select * from {{ ref('dim_dates') }}
),

versions as (
    select * from {{ ref('fct_deal_versions') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

forecasts as (
    select * from {{ ref('pipeline_weighted_forecast') }}
),

as_of_quarter as (
    select
        fiscal_quarter_start_date,
        fiscal_quarter_end_date
    from dates
    where date_day = {{ as_of }}
),

quarters as (
    select
        fiscal_quarter_start_date as quarter_start_date,
        fiscal_quarter_end_date as quarter_end_date,
        true as is_current_quarter
    from as_of_quarter
    union all
    select
        next_quarter.fiscal_quarter_start_date,
        next_quarter.fiscal_quarter_end_date,
        false as is_current_quarter
    from as_of_quarter
    inner join dates as next_quarter
        on next_quarter.date_day = {{ dbt.dateadd('day', 1, 'as_of_quarter.fiscal_quarter_end_date') }}
),

open_deals as (
    -- Each live deal open at the end of the as-of date, as it was then; a deal still open past
    -- its expected close date is expected now (as in pipeline_weighted_forecast).
    select
        versions.owner_rep_id as rep_id,
        coalesce(reps.team_id, 'unassigned') as team_id,
        versions.amount_reporting,
        versions.forecast_category,
        case
            when versions.expected_close_date < {{ as_of }} then {{ as_of }} else versions.expected_close_date
        end as expected_close_date
    from versions
    left join reps
        on versions.owner_rep_id = reps.rep_id
    where
        versions.is_open
        and not versions.is_deleted
        and {{ deal_version_in_force(as_of) }}
),

rep_categories as (
    select
        quarters.quarter_start_date,
        open_deals.rep_id,
        open_deals.team_id,
        count(*) as open_deals,
        {%- for category in categories %}
            sum(case when open_deals.forecast_category = '{{ category }}' then open_deals.amount_reporting else 0 end)
                as {{ category }}_amount,
        {%- endfor %}
        sum(
            case
                {%- for category in categories %}
                    when open_deals.forecast_category = '{{ category }}' then 0
                {%- endfor %}
                else open_deals.amount_reporting
            end
        ) as not_forecast_amount
    from open_deals
    inner join quarters
        on open_deals.expected_close_date between quarters.quarter_start_date and quarters.quarter_end_date
    group by quarters.quarter_start_date, open_deals.rep_id, open_deals.team_id
),

rep_keys as (
    -- A rep with pipeline on the as-of day, or a row in the weighted forecast (deals, quota).
    select
        quarter_start_date,
        rep_id,
        team_id
    from rep_categories
    union
    select
        quarter_start_date,
        rep_id,
        team_id
    from forecasts
    where forecast_level = 'rep'
),

rep_rows as (
    select
        rep_keys.quarter_start_date,
        rep_keys.rep_id,
        rep_keys.team_id,
        coalesce(rep_categories.open_deals, 0) as open_deals,
        coalesce(rep_categories.commit_amount, 0) as commit_amount,
        coalesce(rep_categories.best_case_amount, 0) as best_case_amount,
        coalesce(rep_categories.pipeline_amount, 0) as pipeline_amount,
        coalesce(rep_categories.not_forecast_amount, 0) as not_forecast_amount
    from rep_keys
    left join rep_categories
        on
            rep_keys.quarter_start_date = rep_categories.quarter_start_date
            and rep_keys.rep_id = rep_categories.rep_id
            and rep_keys.team_id = rep_categories.team_id
),

levels as (
    select
        'rep' as forecast_level,
        rep_id,
        team_id,
        quarter_start_date,
        open_deals,
        commit_amount,
        best_case_amount,
        pipeline_amount,
        not_forecast_amount
    from rep_rows
    union all
    select
        'team' as forecast_level,
        null as rep_id,
        team_id,
        quarter_start_date,
        sum(open_deals) as open_deals,
        sum(commit_amount) as commit_amount,
        sum(best_case_amount) as best_case_amount,
        sum(pipeline_amount) as pipeline_amount,
        sum(not_forecast_amount) as not_forecast_amount
    from rep_rows
    group by team_id, quarter_start_date
    union all
    select
        'company' as forecast_level,
        null as rep_id,
        null as team_id,
        quarter_start_date,
        sum(open_deals) as open_deals,
        sum(commit_amount) as commit_amount,
        sum(best_case_amount) as best_case_amount,
        sum(pipeline_amount) as pipeline_amount,
        sum(not_forecast_amount) as not_forecast_amount
    from rep_rows
    group by quarter_start_date
),

with_forecasts as (
    select
        levels.*,
        quarters.quarter_end_date,
        quarters.is_current_quarter,
        forecasts.quota,
        forecasts.forecast_bookings as weighted_forecast_bookings,
        forecasts.pipeline_coverage,
        coalesce(forecasts.bookings_to_date, 0) as bookings_to_date
    from levels
    inner join quarters
        on levels.quarter_start_date = quarters.quarter_start_date
    left join forecasts
        on
            levels.forecast_level = forecasts.forecast_level
            and levels.quarter_start_date = forecasts.quarter_start_date
            and coalesce(levels.rep_id, '') = coalesce(forecasts.rep_id, '')
            and coalesce(levels.team_id, '') = coalesce(forecasts.team_id, '')
),

final as (
    select
        forecast_level,
        cast(rep_id as {{ dbt.type_string() }}) as rep_id,
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        quarter_start_date,
        quarter_end_date,
        is_current_quarter,
        {{ as_of }} as as_of_date,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(open_deals as bigint) as open_deals,
        cast(commit_amount as {{ type_money() }}) as commit_amount,
        cast(best_case_amount as {{ type_money() }}) as best_case_amount,
        cast(pipeline_amount as {{ type_money() }}) as pipeline_amount,
        cast(not_forecast_amount as {{ type_money() }}) as not_forecast_amount,
        cast(commit_amount + best_case_amount + pipeline_amount + not_forecast_amount as {{ type_money() }})
            as open_pipeline,
        cast(bookings_to_date as {{ type_money() }}) as bookings_to_date,
        cast(bookings_to_date + commit_amount as {{ type_money() }}) as commit_forecast,
        cast(bookings_to_date + commit_amount + best_case_amount as {{ type_money() }}) as best_case_forecast,
        cast(weighted_forecast_bookings as {{ type_money() }}) as weighted_forecast_bookings,
        cast(quota as {{ type_money() }}) as quota,
        pipeline_coverage
    from with_forecasts
)

select * from final
