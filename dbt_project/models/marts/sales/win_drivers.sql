{#- What wins: win rate and deal size of the deals closed in each fiscal year, by lead source, deal
    type and activity pattern, per team and for the whole company (scope), with the lift over the
    scope's overall win rate that year.

    Without confounding: a long deal collects more activities whatever its outcome, so activity is
    measured per week the deal was open (activities_per_week_band), never as a raw count. Every
    rate carries its sample size and its Wilson interval (macros/metrics/wilson_interval.sql); a
    driver value with fewer closed deals than var win_drivers_min_closed_deals is flagged
    (is_below_minimum_sample) and left out of the ranking. -#}
{%- set min_closed_deals = var('win_drivers_min_closed_deals', 30) | int -%}
with

deals as (
    select * from {{ ref('fct_deals') }}
),

activities as (
    select * from {{ ref('fct_activities') }}
),

teams as (
    select * from {{ ref('dim_teams') }}
),

periods as (
    select * from {{ ref('int_date_periods') }}
),

closed_deals as (
    select
        deals.deal_id,
        -- The team the deal was closed for (its owner's when it closed).
        deals.team_id_at_close as team_id,
        deals.is_won,
        deals.amount_reporting,
        deals.created_at,
        deals.closed_at,
        periods.period_start_date as fiscal_year_start_date,
        periods.period_label as fiscal_year_label,
        coalesce(deals.lead_source, 'unknown') as lead_source,
        coalesce(deals.deal_type, 'unknown') as deal_type,
        -- Weeks open, at least a day: a deal closed the hour it was created had a day's chance.
        greatest({{ hours_between('deals.created_at', 'deals.closed_at') }}, 24.0) / (24.0 * 7) as weeks_open
    from deals
    inner join periods
        on
            deals.closed_date = periods.date_day
            and periods.period_grain = 'fiscal_year'
    where deals.is_closed and not deals.is_deleted
),

deal_activity_types as (
    select
        closed_deals.deal_id,
        activities.activity_type,
        count(*) as activities
    from closed_deals
    inner join activities
        on
            closed_deals.deal_id = activities.deal_id
            and closed_deals.closed_at >= activities.occurred_at
    group by closed_deals.deal_id, activities.activity_type
),

deal_activity_ranked as (
    select
        *,
        row_number() over (partition by deal_id order by activities desc, activity_type asc) as type_rank
    from deal_activity_types
),

deal_patterns as (
    select
        deal_id,
        sum(activities) as activities,
        count(case when activity_type = 'meeting' then 1 end) > 0 as has_meeting,
        max(case when type_rank = 1 then activity_type end) as main_activity_type
    from deal_activity_ranked
    group by deal_id
),

deal_rates as (
    select
        closed_deals.*,
        deal_patterns.has_meeting,
        deal_patterns.main_activity_type,
        coalesce(deal_patterns.activities, 0) / closed_deals.weeks_open as activities_per_week
    from closed_deals
    left join deal_patterns
        on closed_deals.deal_id = deal_patterns.deal_id
),

deal_drivers as (
    select
        *,
        case
            when activities_per_week = 0 then '0'
            when activities_per_week < 0.5 then '<0.5'
            when activities_per_week < 1 then '0.5-1'
            when activities_per_week < 2 then '1-2'
            when activities_per_week < 4 then '2-4'
            else '4+'
        end as activities_per_week_band,
        case when coalesce(has_meeting, false) then 'yes' else 'no' end as had_meeting,
        coalesce(main_activity_type, 'none') as main_activity
    from deal_rates
),

{%- set drivers = {
    'lead_source': 'lead_source',
    'deal_type': 'deal_type',
    'activities_per_week_band': 'activities_per_week_band',
    'had_meeting': 'had_meeting',
    'main_activity_type': 'main_activity',
} %}

driver_rows as (
    {%- for driver, column in drivers.items() %}
        select
            team_id,
            fiscal_year_start_date,
            fiscal_year_label,
            '{{ driver }}' as driver,
            {{ column }} as driver_value,
            is_won,
            amount_reporting
        from deal_drivers
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

scoped as (
    select
        'team' as scope,
        team_id,
        fiscal_year_start_date,
        fiscal_year_label,
        driver,
        driver_value,
        is_won,
        amount_reporting
    from driver_rows
    union all
    select
        'company' as scope,
        cast(null as {{ dbt.type_string() }}) as team_id,
        fiscal_year_start_date,
        fiscal_year_label,
        driver,
        driver_value,
        is_won,
        amount_reporting
    from driver_rows
),

aggregated as (
    select
        scope,
        team_id,
        fiscal_year_start_date,
        fiscal_year_label,
        driver,
        driver_value,
        count(*) as closed_deals,
        count(case when is_won then 1 end) as won_deals,
        count(case when is_won and amount_reporting is not null then 1 end) as won_deals_with_amount,
        coalesce(sum(case when is_won then amount_reporting end), 0) as bookings
    from scoped
    group by scope, team_id, fiscal_year_start_date, fiscal_year_label, driver, driver_value
),

baselines as (
    select
        scope,
        team_id,
        fiscal_year_start_date,
        driver,
        sum(closed_deals) as baseline_closed_deals,
        sum(won_deals) as baseline_won_deals
    from aggregated
    group by scope, team_id, fiscal_year_start_date, driver
),

compared as (
    select
        aggregated.*,
        baselines.baseline_closed_deals,
        baselines.baseline_won_deals,
        aggregated.closed_deals < {{ min_closed_deals }} as is_below_minimum_sample
    from aggregated
    inner join baselines
        on
            aggregated.scope = baselines.scope
            and coalesce(aggregated.team_id, '') = coalesce(baselines.team_id, '')
            and aggregated.fiscal_year_start_date = baselines.fiscal_year_start_date
            and aggregated.driver = baselines.driver
),

ranked as (
    select
        *,
        case
            when not is_below_minimum_sample
                then rank() over (
                    partition by scope, team_id, fiscal_year_start_date, driver, is_below_minimum_sample
                    order by {{ safe_divide('won_deals', 'closed_deals') }} desc
                )
        end as win_rate_rank
    from compared
),

final as (
    select
        ranked.scope,
        ranked.team_id,
        case when ranked.scope = 'company' then 'All teams' else coalesce(teams.team_name, 'Unassigned') end
            as team_name,
        ranked.fiscal_year_start_date,
        ranked.fiscal_year_label,
        ranked.driver,
        ranked.driver_value,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(ranked.closed_deals as bigint) as closed_deals,
        cast(ranked.won_deals as bigint) as won_deals,
        {{ safe_divide('ranked.won_deals', 'ranked.closed_deals') }} as win_rate,
        {{ wilson_interval_low('ranked.won_deals', 'ranked.closed_deals') }} as win_rate_ci_low,
        {{ wilson_interval_high('ranked.won_deals', 'ranked.closed_deals') }} as win_rate_ci_high,
        ranked.is_below_minimum_sample,
        cast(ranked.win_rate_rank as bigint) as win_rate_rank,
        cast(ranked.bookings as {{ type_money() }}) as bookings,
        -- Over the won deals that have an amount, as in the performance marts.
        {{ divide_money_to_cents('ranked.bookings', 'ranked.won_deals_with_amount') }} as average_deal_size,
        cast(ranked.baseline_closed_deals as bigint) as baseline_closed_deals,
        {{ safe_divide('ranked.baseline_won_deals', 'ranked.baseline_closed_deals') }} as baseline_win_rate,
        {{ wilson_interval_low('ranked.baseline_won_deals', 'ranked.baseline_closed_deals') }}
            as baseline_win_rate_ci_low,
        {{ wilson_interval_high('ranked.baseline_won_deals', 'ranked.baseline_closed_deals') }}
            as baseline_win_rate_ci_high,
        {{ safe_divide('ranked.won_deals', 'ranked.closed_deals') }}
        - {{ safe_divide('ranked.baseline_won_deals', 'ranked.baseline_closed_deals') }} as win_rate_lift
    from ranked
    left join teams
        on ranked.team_id = teams.team_id
)

select * from final
