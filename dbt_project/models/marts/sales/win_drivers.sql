{#- What wins: win rate and deal size of the deals closed in each fiscal year, by lead source and by
    activity pattern (how many activities the deal had before it closed, whether it had a
    meeting, which kind of activity dominated), per team and for the whole company (scope), with
    the lift over the scope's overall win rate that year. -#}
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
        deals.team_id,
        deals.is_won,
        deals.amount_reporting,
        deals.closed_at,
        periods.period_start_date as fiscal_year_start_date,
        periods.period_label as fiscal_year_label,
        coalesce(deals.lead_source, 'unknown') as lead_source
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

deal_drivers as (
    select
        closed_deals.*,
        case
            when coalesce(deal_patterns.activities, 0) = 0 then '0'
            when deal_patterns.activities < 5 then '1-4'
            when deal_patterns.activities < 10 then '5-9'
            when deal_patterns.activities < 20 then '10-19'
            else '20+'
        end as activity_count_band,
        case when coalesce(deal_patterns.has_meeting, false) then 'yes' else 'no' end as had_meeting,
        coalesce(deal_patterns.main_activity_type, 'none') as main_activity_type
    from closed_deals
    left join deal_patterns
        on closed_deals.deal_id = deal_patterns.deal_id
),

{%- set drivers = ['lead_source', 'activity_count_band', 'had_meeting', 'main_activity_type'] %}

driver_rows as (
    {%- for driver in drivers %}
        select
            team_id,
            fiscal_year_start_date,
            fiscal_year_label,
            '{{ driver }}' as driver,
            {{ driver }} as driver_value,
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
        {{ safe_divide('sum(won_deals)', 'sum(closed_deals)') }} as baseline_win_rate
    from aggregated
    group by scope, team_id, fiscal_year_start_date, driver
),

final as (
    select
        aggregated.scope,
        aggregated.team_id,
        case when aggregated.scope = 'company' then 'All teams' else coalesce(teams.team_name, 'Unassigned') end
            as team_name,
        aggregated.fiscal_year_start_date,
        aggregated.fiscal_year_label,
        aggregated.driver,
        aggregated.driver_value,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(aggregated.closed_deals as bigint) as closed_deals,
        cast(aggregated.won_deals as bigint) as won_deals,
        {{ safe_divide('aggregated.won_deals', 'aggregated.closed_deals') }} as win_rate,
        cast(aggregated.bookings as {{ type_money() }}) as bookings,
        {{ divide_money_to_cents('aggregated.bookings', 'aggregated.won_deals') }} as average_deal_size,
        baselines.baseline_win_rate,
        {{ safe_divide('aggregated.won_deals', 'aggregated.closed_deals') }} - baselines.baseline_win_rate
            as win_rate_lift
    from aggregated
    inner join baselines
        on
            aggregated.scope = baselines.scope
            and coalesce(aggregated.team_id, '') = coalesce(baselines.team_id, '')
            and aggregated.fiscal_year_start_date = baselines.fiscal_year_start_date
            and aggregated.driver = baselines.driver
    left join teams
        on aggregated.team_id = teams.team_id
)

select * from final
