{#- Coaching insights: every rep against the median rep of their team, per reporting period, on
    lead response time, activity mix, stage advancement and sales cycle length (and win rate).
    The team median is the median of the team's reps' own figures in that period (reps with no
    figure are left out). A positive *_vs_team_median means above the team's median rep. -#}
with

performance as (
    select * from {{ ref('rep_performance') }}
),

history as (
    select * from {{ ref('fct_deal_stage_history') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

periods as (
    select * from {{ ref('int_date_periods') }}
),

furthest_stages as (
    -- The furthest stage each deal reached short of losing it. Said as a join, not as a
    -- correlated `exists` per entry, which PostgreSQL ran for minutes at the medium size.
    select
        deal_id,
        max(case when stage_status != 'lost' then stage_display_order end) as furthest_display_order
    from history
    group by deal_id
),

stage_entries as (
    -- Entries into open stages, and whether the deal went on to a later stage or was won.
    select
        history.deal_id,
        history.stage_id,
        history.entered_date,
        deals.owner_rep_id,
        deals.is_won
        or coalesce(
            furthest_stages.furthest_display_order > history.stage_display_order, false
        ) as has_advanced
    from history
    inner join deals
        on history.deal_id = deals.deal_id
    inner join furthest_stages
        on history.deal_id = furthest_stages.deal_id
    where
        history.stage_status = 'open'
        and not deals.is_deleted
),

stage_advancement as (
    select
        stage_entries.owner_rep_id as rep_id,
        periods.period_grain,
        periods.period_start_date,
        count(*) as stage_entries,
        count(case when stage_entries.has_advanced then 1 end) as stage_advances
    from stage_entries
    inner join periods
        on stage_entries.entered_date = periods.date_day
    group by stage_entries.owner_rep_id, periods.period_grain, periods.period_start_date
),

rep_figures as (
    select
        performance.period_grain,
        performance.period_start_date,
        performance.period_label,
        performance.is_period_complete,
        performance.rep_id,
        performance.rep_name,
        performance.team_id,
        performance.team_name,
        performance.lead_response_minutes_median,
        {{ safe_divide('performance.calls', 'performance.activities') }} as call_share,
        {{ safe_divide('performance.emails', 'performance.activities') }} as email_share,
        {{ safe_divide('performance.meetings', 'performance.activities') }} as meeting_share,
        {{ safe_divide('performance.tasks', 'performance.activities') }} as task_share,
        {{ safe_divide('stage_advancement.stage_advances', 'stage_advancement.stage_entries') }}
            as stage_advance_rate,
        performance.sales_cycle_days_median,
        performance.win_rate
    from performance
    left join stage_advancement
        on
            performance.rep_id = stage_advancement.rep_id
            and performance.period_grain = stage_advancement.period_grain
            and performance.period_start_date = stage_advancement.period_start_date
    where performance.rep_id != 'unassigned'
),

{%- set metrics = [
    'lead_response_minutes_median', 'call_share', 'email_share', 'meeting_share', 'task_share',
    'stage_advance_rate', 'sales_cycle_days_median', 'win_rate',
] %}

team_medians as (
    select
        period_grain,
        period_start_date,
        team_id,
        {%- for metric in metrics %}
            {{ median(metric) }} as team_median_{{ metric }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from rep_figures
    group by period_grain, period_start_date, team_id
),

final as (
    select
        rep_figures.period_grain,
        rep_figures.period_start_date,
        rep_figures.period_label,
        rep_figures.is_period_complete,
        rep_figures.rep_id,
        rep_figures.rep_name,
        rep_figures.team_id,
        rep_figures.team_name,
        {{ versus_team_median('lead_response_minutes_median') }},
        {{ versus_team_median('call_share') }},
        {{ versus_team_median('email_share') }},
        {{ versus_team_median('meeting_share') }},
        {{ versus_team_median('task_share') }},
        {{ versus_team_median('stage_advance_rate') }},
        {{ versus_team_median('sales_cycle_days_median') }},
        {{ versus_team_median('win_rate') }}
    from rep_figures
    left join team_medians
        on
            rep_figures.period_grain = team_medians.period_grain
            and rep_figures.period_start_date = team_medians.period_start_date
            and rep_figures.team_id = team_medians.team_id
)

select * from final
