{#- The sales performance of one level (rep, team or company) for every reporting period (week,
    month, fiscal quarter, fiscal year): the metrics of DESIGN.md section 4, defined once here
    and used by rep_performance, team_performance and company_performance, so that the three
    always agree (tested: Σ rep bookings = team bookings = company bookings).

    Rows: every period in which a member was employed (reps: start to end date or the as-of
    date; teams: any of their reps; the company: any rep), and every other period in which it
    has a closed deal, a lead, an activity or a quota. -#}
{% macro sales_performance(level) -%}
{%- set key = {'rep': 'rep_id', 'team': 'team_id', 'company': none}[level] -%}
{%- set sla_minutes = var('lead_response_sla_minutes') -%}
with

periods as (
    select * from {{ ref('int_date_periods') }}
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
        period_label
    from periods
),

closed_deals as (
    select
        {% if key %}{{ 'owner_rep_id' if level == 'rep' else 'team_id' }} as member_id,{% endif %}
        closed_date,
        is_won,
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
        count(*) as leads_created,
        count(case when leads.is_answered then 1 end) as leads_answered,
        {{ median('leads.response_minutes') }} as lead_response_minutes_median,
        count(case when leads.is_answered_within_sla then 1 end) as leads_answered_within_sla,
        count(case when leads.is_converted_within_window then 1 end) as leads_converted
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
        quota
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
            and period_list.period_start_date <= {{ date_literal(as_of_date()) }}
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
        cast(coalesce(deal_metrics.bookings, 0) as decimal(18, 2)) as bookings,
        cast(coalesce(deal_metrics.won_deals, 0) as bigint) as won_deals,
        cast(coalesce(deal_metrics.lost_deals, 0) as bigint) as lost_deals,
        cast(coalesce(deal_metrics.lost_amount, 0) as decimal(18, 2)) as lost_amount,
        {{ safe_divide('deal_metrics.won_deals', 'deal_metrics.won_deals + deal_metrics.lost_deals') }} as win_rate,
        {{ safe_divide('deal_metrics.bookings', 'deal_metrics.bookings + deal_metrics.lost_amount') }}
            as amount_win_rate,
        {{ divide_money_to_cents('deal_metrics.bookings', 'deal_metrics.won_deals') }} as average_deal_size,
        cast(deal_metrics.sales_cycle_days_median as double precision) as sales_cycle_days_median,
        cast(deal_metrics.sales_cycle_days_mean as double precision) as sales_cycle_days_mean,
        cast(coalesce(lead_metrics.leads_created, 0) as bigint) as leads_created,
        cast(coalesce(lead_metrics.leads_answered, 0) as bigint) as leads_answered,
        cast(coalesce(lead_metrics.leads_created - lead_metrics.leads_answered, 0) as bigint) as leads_unanswered,
        cast(lead_metrics.lead_response_minutes_median as double precision) as lead_response_minutes_median,
        cast(coalesce(lead_metrics.leads_answered_within_sla, 0) as bigint) as leads_answered_within_sla,
        {{ safe_divide('lead_metrics.leads_answered_within_sla', 'lead_metrics.leads_created') }}
            as lead_response_sla_share,
        cast(coalesce(lead_metrics.leads_converted, 0) as bigint) as leads_converted,
        {{ safe_divide('lead_metrics.leads_converted', 'lead_metrics.leads_created') }} as lead_conversion_rate,
        cast(quota_metrics.quota as decimal(18, 2)) as quota,
        {{ safe_divide('coalesce(deal_metrics.bookings, 0)', 'quota_metrics.quota') }} as quota_attainment,
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
