{#- Lead response by the weekday and hour of day the lead came in, in the reporting time zone
    (var reporting_timezone): when do leads wait? One row per scope (company, team, rep),
    reporting period, day of the week and hour with at least one lead created then, up to the as-of date.

    Each lead's first response and SLA come from core.fct_leads and the figures from the macro
    lead_response_counts, as in rep_performance: a cell's leads sum to the period's leads_created
    there. A lead belongs to its owner (rep) and the owner's team, like in rep_performance and
    team_performance ('unassigned' when it has no owner). -#}
with

periods as (
    select * from {{ ref('int_date_periods') }}
    where date_day <= {{ date_literal(as_of_date()) }}
),

leads as (
    select * from {{ ref('fct_leads') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

teams as (
    select * from {{ ref('dim_teams') }}
),

placed_leads as (
    -- created_date is already the reporting-time-zone date; the hour is read in the same zone.
    select
        leads.*,
        {{ iso_day_of_week('leads.created_date') }} as day_of_week,
        cast(extract(hour from {{ to_reporting_timestamp('leads.created_at') }}) as integer) as hour_of_day
    from leads
),

scoped_leads as (
    -- Each lead once per scope it counts in: the company, its owner's team, its owner.
    select
        'company' as scope,
        cast(null as {{ dbt.type_string() }}) as team_id,
        cast(null as {{ dbt.type_string() }}) as rep_id,
        created_date,
        day_of_week,
        hour_of_day,
        is_answered,
        is_answered_within_sla,
        response_minutes
    from placed_leads
    union all
    select
        'team' as scope,
        team_id,
        cast(null as {{ dbt.type_string() }}) as rep_id,
        created_date,
        day_of_week,
        hour_of_day,
        is_answered,
        is_answered_within_sla,
        response_minutes
    from placed_leads
    union all
    select
        'rep' as scope,
        team_id,
        owner_rep_id as rep_id,
        created_date,
        day_of_week,
        hour_of_day,
        is_answered,
        is_answered_within_sla,
        response_minutes
    from placed_leads
),

cell_leads as (
    -- ... and once per period of each grain it falls in: one row per lead and cell, its response
    -- ranked within the cell for the median. A median aggregate would hold every cell's values in
    -- memory at once (millions of cells at 1,000 reps, which DuckDB cannot spill); this sort spills.
    select
        leads.*,
        periods.period_grain,
        periods.period_start_date,
        periods.period_end_date,
        periods.period_label,
        {{ median_ranks(
            'leads.response_minutes',
            partition_by=[
                'leads.scope', 'leads.team_id', 'leads.rep_id', 'periods.period_grain',
                'periods.period_start_date', 'leads.day_of_week', 'leads.hour_of_day'
            ],
            name='response'
        ) }}
    from scoped_leads as leads
    inner join periods
        on leads.created_date = periods.date_day
),

cells as (
    select
        leads.scope,
        leads.team_id,
        leads.rep_id,
        leads.period_grain,
        leads.period_start_date,
        leads.period_end_date,
        leads.period_label,
        leads.day_of_week,
        leads.hour_of_day,
        {{ lead_response_counts('leads', ranked_as='response') }}
    from cell_leads as leads
    group by
        leads.scope, leads.team_id, leads.rep_id,
        leads.period_grain, leads.period_start_date, leads.period_end_date, leads.period_label,
        leads.day_of_week, leads.hour_of_day
),

final as (
    select
        cells.scope,
        cells.period_grain,
        cells.period_start_date,
        cells.period_end_date,
        cells.period_label,
        cells.team_id,
        case
            when cells.scope = 'company' then 'All teams'
            else coalesce(teams.team_name, 'Unassigned')
        end as team_name,
        cells.rep_id,
        case when cells.scope = 'rep' then coalesce(reps.rep_name, 'Unassigned') end as rep_name,
        cast(cells.day_of_week as integer) as day_of_week,
        cast(cells.hour_of_day as integer) as hour_of_day,
        cast(cells.leads_created as bigint) as leads_created,
        cast(cells.leads_answered as bigint) as leads_answered,
        cast(cells.leads_answered_within_sla as bigint) as leads_answered_within_sla,
        {{ lead_response_sla_share('cells.leads_answered_within_sla', 'cells.leads_created') }}
            as lead_response_sla_share,
        cast(cells.lead_response_minutes_median as double precision) as lead_response_minutes_median
    from cells
    left join teams
        on cells.team_id = teams.team_id
    left join reps
        on cells.rep_id = reps.rep_id
)

select * from final
