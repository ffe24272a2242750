{#- Lead response by the weekday and hour of day the lead came in, in the reporting time zone
    (var reporting_timezone): when do leads wait? One row per scope (company, team, rep),
    reporting period, day of the week and hour with at least one lead created then, up to the as-of date.

    Each lead's first response and SLA come from core.fct_leads and the figures from the macro
    lead_response_counts, as in rep_performance: a cell's leads sum to the period's leads_created
    there. A lead belongs to its owner (rep) and the owner's team, like in rep_performance and
    team_performance ('unassigned' when it has no owner).

    Cost: the median ranks every lead in each of its twelve cells (3 scopes x 4 grains), 55M rows
    at 1,000 reps. A median aggregate would hold every cell's values in memory at once (millions of
    cells, which DuckDB cannot spill at its 1 GB limit), so each (scope, grain) is ranked by its own
    window over narrow rows: twelve sorts of one row per lead cost far less than one sort of all
    55M (docs/operations.md, Memory). -#}
{#- int_date_periods' grains (the mart's period_grain values). -#}
{%- set grains = ['week', 'month', 'fiscal_quarter', 'fiscal_year'] -%}
{#- The scopes and the lead columns that key their cells: the company (all leads), the owner's
    team, the owner (whose team is one, kept as the row's team_id). -#}
{%- set scopes = [
    ('company', none, none),
    ('team', 'team_id', none),
    ('rep', 'team_id', 'owner_rep_id'),
] -%}
{%- set no_key = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
with

periods as (
    select * from {{ ref('int_date_periods') }}
    where date_day <= {{ date_literal(as_of_date()) }}
),

period_list as (
    select distinct
        period_grain,
        period_start_date,
        period_end_date,
        period_label
    from periods
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
    -- Only the columns the cells need: every byte here is sorted twelve times below.
    select
        leads.team_id,
        leads.owner_rep_id,
        leads.created_date,
        {{ iso_day_of_week('leads.created_date') }} as day_of_week,
        cast(extract(hour from {{ to_reporting_timestamp('leads.created_at') }}) as integer) as hour_of_day,
        leads.is_answered,
        leads.is_answered_within_sla,
        leads.response_minutes
    from leads
),
{%- for grain in grains %}
    {%- for scope, team_id, rep_id in scopes %}
        {%- set cell_keys = (['leads.' ~ rep_id] if rep_id else []) + (['leads.' ~ team_id] if team_id else []) %}

        {{ scope }}_{{ grain }}_leads as (
            -- Each lead in its cell of this scope and grain, its response ranked within the cell.
            select
                {{ 'leads.' ~ team_id if team_id else no_key }} as team_id, -- noqa: AL09
                {{ 'leads.' ~ rep_id if rep_id else no_key }} as rep_id, -- noqa: AL09
                periods.period_start_date,
                leads.day_of_week,
                leads.hour_of_day,
                leads.is_answered,
                leads.is_answered_within_sla,
                leads.response_minutes,
                {{ median_ranks(
                    'leads.response_minutes',
                    partition_by=cell_keys + ['periods.period_start_date', 'leads.day_of_week', 'leads.hour_of_day'],
                    name='response'
                ) }}
            from placed_leads as leads
            inner join periods
                on
                    leads.created_date = periods.date_day
                    and periods.period_grain = '{{ grain }}'
        ),

        {{ scope }}_{{ grain }}_cells as (
            select
                '{{ scope }}' as scope,
                leads.team_id,
                leads.rep_id,
                '{{ grain }}' as period_grain,
                leads.period_start_date,
                leads.day_of_week,
                leads.hour_of_day,
                {{ lead_response_counts('leads', ranked_as='response') }}
            from {{ scope }}_{{ grain }}_leads as leads
            group by leads.team_id, leads.rep_id, leads.period_start_date, leads.day_of_week, leads.hour_of_day
        ),
    {%- endfor %}
{%- endfor %}

cells as (
    {%- for grain in grains %}
        {%- for scope, team_id, rep_id in scopes %}
            select * from {{ scope }}_{{ grain }}_cells
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        cells.scope,
        cells.period_grain,
        cells.period_start_date,
        period_list.period_end_date,
        period_list.period_label,
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
    inner join period_list
        on
            cells.period_grain = period_list.period_grain
            and cells.period_start_date = period_list.period_start_date
    left join teams
        on cells.team_id = teams.team_id
    left join reps
        on cells.rep_id = reps.rep_id
)

select * from final
