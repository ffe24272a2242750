{#- The sales performance of one level (rep, team or company) for every reporting period (week,
    month, fiscal quarter, fiscal year): the metrics of docs/metrics.md, defined once here
    and used by rep_performance, team_performance and company_performance, so that the three
    always agree (tested: Σ rep bookings = team bookings = company bookings).

    Rows: every period in which a member was employed (reps: start to end date or the as-of
    date; teams: any of their reps; the company: any rep), and every other period in which it
    has a closed deal, a lead, an activity or a quota. Only days up to the as-of date count:
    no period starts after it, and an event dated later (a meeting scheduled for next week)
    counts in no period. The period in progress says so (is_period_complete, days elapsed) and
    carries an attainment against its prorated quota beside the plain one. -#}
{% macro sales_performance(level) -%}
{%- set key = {'rep': 'rep_id', 'team': 'team_id', 'company': none}[level] -%}
{%- set as_of = date_literal(as_of_date()) -%}
with

periods as (
    select * from {{ ref('int_date_periods') }}
    where date_day <= {{ as_of }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

leads as (
    select * from {{ ref('fct_leads') }}
),

activities as (
    select * from {{ ref('fct_activities') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

quota_periods as (
    select * from {{ ref('int_quota_periods') }}
),

{% if level == 'team' -%}
teams as (
    select * from {{ ref('dim_teams') }}
),
{%- endif %}

period_list as (
    select distinct
        period_grain,
        period_start_date,
        period_end_date,
        period_label,
        period_end_date <= {{ as_of }} as is_period_complete,
        {{ days_between('period_start_date', 'period_end_date') }} + 1 as days_in_period,
        case
            when period_end_date <= {{ as_of }} then {{ days_between('period_start_date', 'period_end_date') }} + 1
            else {{ days_between('period_start_date', as_of) }} + 1
        end as days_elapsed_in_period
    from periods
),

closed_deals as (
    -- A closed deal counts for the rep who owned it when it closed (and that rep's team), not
    -- for whoever owns it now: fct_deals.owner_rep_id_at_close (docs/metrics.md, Conventions, Attribution).
    select
        {% if key %}{{ 'owner_rep_id_at_close' if level == 'rep' else 'team_id_at_close' }} as member_id,{% endif %}
        closed_date,
        is_won,
        amount,
        amount_reporting,
        sales_cycle_days
    from deals
    where is_closed and not is_deleted
),

deal_metrics as (
    select
        {% if key %}closed_deals.member_id,{% endif %}
        periods.period_grain,
        periods.period_start_date,
        count(case when closed_deals.is_won then 1 end) as won_deals,
        count(case when closed_deals.is_won and closed_deals.amount is null then 1 end) as won_deals_without_amount,
        count(case when not closed_deals.is_won then 1 end) as lost_deals,
        coalesce(sum(case when closed_deals.is_won then closed_deals.amount_reporting end), 0) as bookings,
        coalesce(sum(case when not closed_deals.is_won then closed_deals.amount_reporting end), 0) as lost_amount,
        {{ median('case when closed_deals.is_won then closed_deals.sales_cycle_days end') }}
            as sales_cycle_days_median,
        avg(case when closed_deals.is_won then closed_deals.sales_cycle_days end) as sales_cycle_days_mean
    from closed_deals
    inner join periods
        on closed_deals.closed_date = periods.date_day
    group by {% if key %}closed_deals.member_id, {% endif %}periods.period_grain, periods.period_start_date
),

lead_metrics as (
    select
        {% if key %}leads.{{ 'owner_rep_id' if level == 'rep' else 'team_id' }} as member_id,{% endif %}
        periods.period_grain,
        periods.period_start_date,
        {{ lead_response_counts('leads') }},
        count(case when leads.is_converted_within_window then 1 end) as leads_converted,
        count(case when not leads.is_conversion_window_open then 1 end) as leads_matured,
        count(case when leads.is_converted_within_window and not leads.is_conversion_window_open then 1 end)
            as leads_converted_matured
    from leads
    inner join periods
        on leads.created_date = periods.date_day
    group by
        {% if key %}leads.{{ 'owner_rep_id' if level == 'rep' else 'team_id' }}, {% endif %}periods.period_grain,
        periods.period_start_date
),

activity_members as (
    select
        {% if level == 'rep' -%}
        activities.rep_id as member_id,
        {%- elif level == 'team' -%}
        coalesce(reps.team_id, 'unassigned') as member_id,
        {%- endif %}
        activities.occurred_date,
        activities.activity_type
    from activities
    left join reps
        on activities.rep_id = reps.rep_id
),

activity_metrics as (
    select
        {% if key %}activity_members.member_id,{% endif %}
        periods.period_grain,
        periods.period_start_date,
        count(*) as activities,
        count(case when activity_members.activity_type = 'call' then 1 end) as calls,
        count(case when activity_members.activity_type = 'email' then 1 end) as emails,
        count(case when activity_members.activity_type = 'meeting' then 1 end) as meetings,
        count(case when activity_members.activity_type = 'task' then 1 end) as tasks
    from activity_members
    inner join periods
        on activity_members.occurred_date = periods.date_day
    group by {% if key %}activity_members.member_id, {% endif %}periods.period_grain, periods.period_start_date
),

quota_metrics as (
    select
        {% if key %}member_id,{% endif %}
        period_grain,
        period_start_date,
        quota,
        prorated_quota
    from quota_periods
    where quota_level = '{{ level }}'
),

employment as (
    select
        {% if key %}reps.{{ key }} as member_id,{% endif %}
        period_list.period_grain,
        period_list.period_start_date
    from reps
    inner join period_list
        on
            reps.start_date <= period_list.period_end_date
            and (reps.end_date is null or reps.end_date >= period_list.period_start_date)
    where not reps.is_unknown_member
),

grid as (
    {%- for cte in ['employment', 'deal_metrics', 'lead_metrics', 'activity_metrics', 'quota_metrics'] %}
    select
        {% if key %}member_id,{% endif %}
        period_grain,
        period_start_date
    from {{ cte }}
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        grid.period_grain,
        grid.period_start_date,
        period_list.period_end_date,
        period_list.period_label,
        period_list.is_period_complete,
        cast(period_list.days_elapsed_in_period as integer) as days_elapsed_in_period,
        cast(period_list.days_in_period as integer) as days_in_period,
        {% if level == 'rep' -%}
        grid.member_id as rep_id,
        coalesce(reps.rep_name, 'Unassigned') as rep_name,
        coalesce(reps.team_id, 'unassigned') as team_id,
        coalesce(reps.team_name, 'Unassigned') as team_name,
        {%- elif level == 'team' -%}
        grid.member_id as team_id,
        coalesce(teams.team_name, 'Unassigned') as team_name,
        {%- endif %}
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(coalesce(deal_metrics.bookings, 0) as {{ type_money() }}) as bookings,
        cast(coalesce(deal_metrics.won_deals, 0) as bigint) as won_deals,
        cast(coalesce(deal_metrics.won_deals_without_amount, 0) as bigint) as won_deals_without_amount,
        cast(coalesce(deal_metrics.lost_deals, 0) as bigint) as lost_deals,
        cast(coalesce(deal_metrics.lost_amount, 0) as {{ type_money() }}) as lost_amount,
        {{ safe_divide('deal_metrics.won_deals', 'deal_metrics.won_deals + deal_metrics.lost_deals') }} as win_rate,
        {{ safe_divide('deal_metrics.bookings', 'deal_metrics.bookings + deal_metrics.lost_amount') }}
            as amount_win_rate,
        -- Over the won deals that have an amount: one without never deflates the average.
        {{ divide_money_to_cents(
            'deal_metrics.bookings', 'deal_metrics.won_deals - deal_metrics.won_deals_without_amount'
        ) }} as average_deal_size,
        cast(deal_metrics.sales_cycle_days_median as double precision) as sales_cycle_days_median,
        cast(deal_metrics.sales_cycle_days_mean as double precision) as sales_cycle_days_mean,
        cast(coalesce(lead_metrics.leads_created, 0) as bigint) as leads_created,
        cast(coalesce(lead_metrics.leads_answered, 0) as bigint) as leads_answered,
        cast(coalesce(lead_metrics.leads_created - lead_metrics.leads_answered, 0) as bigint) as leads_unanswered,
        cast(lead_metrics.lead_response_minutes_median as double precision) as lead_response_minutes_median,
        cast(coalesce(lead_metrics.leads_answered_within_sla, 0) as bigint) as leads_answered_within_sla,
        {{ lead_response_sla_share('lead_metrics.leads_answered_within_sla', 'lead_metrics.leads_created') }}
            as lead_response_sla_share,
        cast(coalesce(lead_metrics.leads_converted, 0) as bigint) as leads_converted,
        {{ safe_divide('lead_metrics.leads_converted', 'lead_metrics.leads_created') }} as lead_conversion_rate,
        cast(coalesce(lead_metrics.leads_matured, 0) as bigint) as leads_matured,
        cast(coalesce(lead_metrics.leads_created - lead_metrics.leads_matured, 0) as bigint) as leads_maturing,
        cast(coalesce(lead_metrics.leads_converted_matured, 0) as bigint) as leads_converted_matured,
        {{ safe_divide('lead_metrics.leads_converted_matured', 'lead_metrics.leads_matured') }}
            as lead_conversion_rate_matured,
        cast(quota_metrics.quota as {{ type_money() }}) as quota,
        {{ safe_divide('coalesce(deal_metrics.bookings, 0)', 'quota_metrics.quota') }} as quota_attainment,
        cast(quota_metrics.prorated_quota as {{ type_money() }}) as prorated_quota,
        {{ safe_divide('coalesce(deal_metrics.bookings, 0)', 'quota_metrics.prorated_quota') }}
            as prorated_quota_attainment,
        cast(coalesce(activity_metrics.activities, 0) as bigint) as activities,
        cast(coalesce(activity_metrics.calls, 0) as bigint) as calls,
        cast(coalesce(activity_metrics.emails, 0) as bigint) as emails,
        cast(coalesce(activity_metrics.meetings, 0) as bigint) as meetings,
        cast(coalesce(activity_metrics.tasks, 0) as bigint) as tasks
    from grid
    inner join period_list
        on
            grid.period_grain = period_list.period_grain
            and grid.period_start_date = period_list.period_start_date
    {% if level == 'rep' -%}
    left join reps
        on grid.member_id = reps.rep_id
    {%- elif level == 'team' -%}
    left join teams
        on grid.member_id = teams.team_id
    {%- endif %}
    {%- for cte in ['deal_metrics', 'lead_metrics', 'activity_metrics', 'quota_metrics'] %}
    left join {{ cte }}
        on
            {% if key %}grid.member_id = {{ cte }}.member_id
            and {% endif %}grid.period_grain = {{ cte }}.period_grain
            and grid.period_start_date = {{ cte }}.period_start_date
    {%- endfor %}
)

select * from final
{%- endmacro %}
