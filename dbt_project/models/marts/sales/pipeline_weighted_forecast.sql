{#- The pipeline-weighted bookings forecast for the current and the next fiscal quarter, per rep,
    per team and for the company: what is already booked, plus the deals open at the end of the
    as-of date × the win probability of their stage then, by expected close date, plus the
    run-rate of deals that are created and won inside one month (those are never in the pipeline
    at a snapshot). The open pipeline is each deal as it was that day (core.fct_deal_versions:
    stage, amount, expected close date, owner), never today's. Bookings so far are read from
    rep_performance, team_performance and company_performance for the quarter (computed once, in
    macro sales_performance); pipeline and run-rate amounts are in cents per rep, and team and
    company rows are exact sums of their reps'. A rep with bookings, a quota, pipeline or a
    run-rate has a row. Beside it, each level's quota for the quarter (int_quota_periods) and
    pipeline coverage: open pipeline expected to close in the quarter ÷ the quota still to book.
    Definitions: docs/metrics.md. -#}
{%- set as_of = date_literal(as_of_date()) -%}
{%- set month_end = 'as_of_quarter.month_end_date' -%}
{%- set whole_months_after = dbt.datediff(month_end, 'as_of_quarter.fiscal_quarter_end_date', 'month') -%}
{%- set days_left_in_month = dbt.datediff(as_of, month_end, 'day') -%}
{%- set days_in_month = dbt.datediff('as_of_quarter.month_start_date', month_end, 'day') ~ ' + 1' -%}
with

dates as (
    select * from {{ ref('dim_dates') }}
),

versions as (
    select * from {{ ref('fct_deal_versions') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

quarter_bookings as (
    -- Bookings so far, per level, as sales_performance computes them (the quarter in progress).
    select
        'rep' as forecast_level,
        rep_id as member_id,
        bookings,
        won_deals,
        period_start_date
    from {{ ref('rep_performance') }}
    where period_grain = 'fiscal_quarter'
    union all
    select
        'team' as forecast_level,
        team_id as member_id,
        bookings,
        won_deals,
        period_start_date
    from {{ ref('team_performance') }}
    where period_grain = 'fiscal_quarter'
    union all
    select
        'company' as forecast_level,
        'company' as member_id,
        bookings,
        won_deals,
        period_start_date
    from {{ ref('company_performance') }}
    where period_grain = 'fiscal_quarter'
),

fiscal_quarter_quotas as (
    select
        quota_level,
        member_id,
        team_id,
        period_start_date,
        quota
    from {{ ref('int_quota_periods') }}
    where period_grain = 'fiscal_quarter'
),

as_of_quarter as (
    select
        fiscal_quarter_start_date,
        fiscal_quarter_end_date,
        month_start_date,
        month_end_date
    from dates
    where date_day = {{ as_of }}
),

quarters as (
    select
        as_of_quarter.fiscal_quarter_start_date as quarter_start_date,
        as_of_quarter.fiscal_quarter_end_date as quarter_end_date,
        true as is_current_quarter,
        -- Months still to come in the quarter: the rest of the as-of month, then whole months.
        {{ whole_months_after }}
        + {{ days_left_in_month }}
        / cast({{ days_in_month }} as double precision)
            as months_remaining
    from as_of_quarter
    union all
    select
        next_quarter.fiscal_quarter_start_date,
        next_quarter.fiscal_quarter_end_date,
        false as is_current_quarter,
        3.0 as months_remaining
    from as_of_quarter
    inner join dates as next_quarter
        on next_quarter.date_day = {{ dbt.dateadd('day', 1, 'as_of_quarter.fiscal_quarter_end_date') }}
),

open_deals as (
    -- Each live deal open at the end of the as-of date, as it was then: its owner, amount,
    -- stage's weighted amount and expected close date that day. A deal still open past its
    -- expected close date is expected now, not in the past.
    select
        owner_rep_id as rep_id,
        amount_reporting,
        weighted_amount_reporting,
        case
            when expected_close_date < {{ as_of }} then {{ as_of }} else expected_close_date
        end as expected_close_date
    from versions
    where
        is_open
        and not is_deleted
        and {{ deal_version_in_force(as_of, relation=none) }}
),

same_month_wins as (
    -- Bookings of deals won in the month they were created, over the six complete months
    -- before the as-of month, for the owner when each was won: the monthly run-rate the
    -- pipeline cannot show.
    select
        owner_rep_id_at_close as rep_id,
        {{ divide_money_to_cents('sum(amount_reporting)', 6) }} as run_rate_monthly
    from deals
    where
        not is_deleted
        and status = 'won'
        and {{ dbt.date_trunc('month', 'created_date') }} = {{ dbt.date_trunc('month', 'closed_date') }}
        and closed_date >= {{ dbt.dateadd('month', -6, dbt.date_trunc('month', as_of)) }}
        and closed_date < {{ dbt.date_trunc('month', as_of) }}
    group by owner_rep_id_at_close
),

rep_spine as (
    -- Every rep with open pipeline on the as-of day, bookings in the quarter so far, a quota in
    -- a forecast quarter or a run-rate, under the rep's current team; a row in both quarters.
    select rep_id from open_deals
    union
    select quarter_bookings.member_id as rep_id
    from quarter_bookings
    inner join as_of_quarter
        on quarter_bookings.period_start_date = as_of_quarter.fiscal_quarter_start_date
    where
        quarter_bookings.forecast_level = 'rep'
        and (quarter_bookings.bookings <> 0 or quarter_bookings.won_deals > 0)
    union
    select fiscal_quarter_quotas.member_id as rep_id
    from fiscal_quarter_quotas
    inner join quarters
        on fiscal_quarter_quotas.period_start_date = quarters.quarter_start_date
    where fiscal_quarter_quotas.quota_level = 'rep'
    union
    select rep_id from same_month_wins
),

rep_pipelines as (
    select
        quarters.quarter_start_date,
        open_deals.rep_id,
        sum(open_deals.amount_reporting) as open_pipeline,
        sum(open_deals.weighted_amount_reporting) as weighted_pipeline
    from open_deals
    inner join quarters
        on open_deals.expected_close_date between quarters.quarter_start_date and quarters.quarter_end_date
    group by quarters.quarter_start_date, open_deals.rep_id
),

rep_run_rates as (
    select
        quarters.quarter_start_date,
        quarters.quarter_end_date,
        quarters.is_current_quarter,
        quarters.months_remaining,
        rep_spine.rep_id,
        coalesce(reps.team_id, 'unassigned') as team_id,
        -- Bookings so far: the rep's in the quarter containing the as-of date (none yet in the next).
        case when quarters.is_current_quarter then coalesce(quarter_bookings.bookings, 0) else 0 end
            as bookings_to_date,
        coalesce(rep_pipelines.open_pipeline, 0) as open_pipeline,
        coalesce(rep_pipelines.weighted_pipeline, 0) as weighted_pipeline,
        coalesce(same_month_wins.run_rate_monthly, 0) as run_rate_monthly
    from rep_spine
    cross join quarters
    left join reps
        on rep_spine.rep_id = reps.rep_id
    left join rep_pipelines
        on
            rep_spine.rep_id = rep_pipelines.rep_id
            and quarters.quarter_start_date = rep_pipelines.quarter_start_date
    left join same_month_wins
        on rep_spine.rep_id = same_month_wins.rep_id
    left join quarter_bookings
        on
            quarter_bookings.forecast_level = 'rep'
            and rep_spine.rep_id = quarter_bookings.member_id
            and quarters.quarter_start_date = quarter_bookings.period_start_date
),

rep_forecasts as (
    select
        *,
        {{ to_cents('run_rate_monthly * months_remaining') }} as expected_run_rate_bookings
    from rep_run_rates
),

team_spine as (
    -- Every team of a rep row, and every team with bookings in the quarter so far.
    select team_id from rep_forecasts
    union
    select quarter_bookings.member_id as team_id
    from quarter_bookings
    inner join as_of_quarter
        on quarter_bookings.period_start_date = as_of_quarter.fiscal_quarter_start_date
    where
        quarter_bookings.forecast_level = 'team'
        and (quarter_bookings.bookings <> 0 or quarter_bookings.won_deals > 0)
),

{% set summed = ['open_pipeline', 'weighted_pipeline', 'run_rate_monthly', 'expected_run_rate_bookings'] -%}
team_sums as (
    select
        team_id,
        quarter_start_date,
        {%- for column in summed %}
            sum({{ column }}) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from rep_forecasts
    group by team_id, quarter_start_date
),

company_sums as (
    select
        quarter_start_date,
        {%- for column in summed %}
            sum({{ column }}) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from rep_forecasts
    group by quarter_start_date
),

levels as (
    -- Team and company bookings are their own (team_performance, company_performance), never
    -- re-derived from rep rows; the pipeline and run-rate amounts are the sums of their reps'.
    select
        'rep' as forecast_level,
        rep_id,
        team_id,
        quarter_start_date,
        quarter_end_date,
        is_current_quarter,
        months_remaining,
        bookings_to_date,
        {{ summed | join(', ') }}
    from rep_forecasts
    union all
    select
        'team' as forecast_level,
        null as rep_id,
        team_spine.team_id,
        quarters.quarter_start_date,
        quarters.quarter_end_date,
        quarters.is_current_quarter,
        quarters.months_remaining,
        case when quarters.is_current_quarter then coalesce(quarter_bookings.bookings, 0) else 0 end
            as bookings_to_date,
        {%- for column in summed %}
            coalesce(team_sums.{{ column }}, 0) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from team_spine
    cross join quarters
    left join team_sums
        on
            team_spine.team_id = team_sums.team_id
            and quarters.quarter_start_date = team_sums.quarter_start_date
    left join quarter_bookings
        on
            quarter_bookings.forecast_level = 'team'
            and team_spine.team_id = quarter_bookings.member_id
            and quarters.quarter_start_date = quarter_bookings.period_start_date
    union all
    select
        'company' as forecast_level,
        null as rep_id,
        null as team_id,
        quarters.quarter_start_date,
        quarters.quarter_end_date,
        quarters.is_current_quarter,
        quarters.months_remaining,
        case when quarters.is_current_quarter then coalesce(quarter_bookings.bookings, 0) else 0 end
            as bookings_to_date,
        {%- for column in summed %}
            coalesce(company_sums.{{ column }}, 0) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from quarters
    left join company_sums
        on quarters.quarter_start_date = company_sums.quarter_start_date
    left join quarter_bookings
        on
            quarter_bookings.forecast_level = 'company'
            and quarters.quarter_start_date = quarter_bookings.period_start_date
),

with_quotas as (
    select
        levels.*,
        fiscal_quarter_quotas.quota,
        fiscal_quarter_quotas.quota - levels.bookings_to_date as remaining_quota
    from levels
    left join fiscal_quarter_quotas
        on
            levels.forecast_level = fiscal_quarter_quotas.quota_level
            and levels.quarter_start_date = fiscal_quarter_quotas.period_start_date
            and fiscal_quarter_quotas.member_id = case levels.forecast_level
                when 'rep' then levels.rep_id
                when 'team' then levels.team_id
                else 'company'
            end
            -- A rep's quota sits on the row of the rep's current team only.
            and (levels.forecast_level <> 'rep' or levels.team_id = fiscal_quarter_quotas.team_id)
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
        cast(bookings_to_date as {{ type_money() }}) as bookings_to_date,
        cast(open_pipeline as {{ type_money() }}) as open_pipeline,
        cast(weighted_pipeline as {{ type_money() }}) as weighted_pipeline,
        cast(run_rate_monthly as {{ type_money() }}) as run_rate_monthly,
        cast(months_remaining as double precision) as run_rate_months,
        cast(expected_run_rate_bookings as {{ type_money() }}) as expected_run_rate_bookings,
        cast(bookings_to_date + weighted_pipeline + expected_run_rate_bookings as {{ type_money() }})
            as forecast_bookings,
        cast(quota as {{ type_money() }}) as quota,
        cast(remaining_quota as {{ type_money() }}) as remaining_quota,
        case
            when remaining_quota > 0 then {{ safe_divide('open_pipeline', 'remaining_quota') }}
        end as pipeline_coverage
    from with_quotas
)

select * from final
