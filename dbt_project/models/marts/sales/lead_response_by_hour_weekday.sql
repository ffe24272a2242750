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
    55M (docs/operations.md, Memory).

    Incremental (delete+insert on the period): a run rebuilds every cell of the periods that hold
    a lead changed since the model's last run (core.fct_leads.changed_at), whose leads up to the
    as-of date no longer add up to the published count (a lead gone, or the as-of date moved),
    or whose team or rep names changed; the periods left without a lead are deleted. Equal to a
    full refresh (tests/marts); after a change of the reporting time zone or the calendar, run
    with --full-refresh. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['period_grain', 'period_start_date'],
    on_schema_change='fail',
    post_hook="{% if is_incremental() %}{{ delete_lead_response_periods_without_leads(this) }}{% endif %}",
) }}
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
{#- A cell's names, as `final` gives them and as an incremental run checks them. -#}
{%- set team_name = "case when cells.scope = 'company' then 'All teams' "
    ~ "else coalesce(teams.team_name, 'Unassigned') end" -%}
{%- set rep_name = "case when cells.scope = 'rep' then coalesce(reps.rep_name, 'Unassigned') end" -%}
with

all_periods as (
    select * from {{ ref('int_date_periods') }}
    where date_day <= {{ date_literal(as_of_date()) }}
),

period_list as (
    select distinct
        period_grain,
        period_start_date,
        period_end_date,
        period_label
    from all_periods
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

{% if is_incremental() -%}
lead_days as (
    -- Per day, its leads up to the as-of date and when the last of them changed: the periods'
    -- checks below join days, not leads, to the periods.
    select
        created_date,
        count(*) as leads_created,
        max(changed_at) as last_changed_at
    from leads
    where created_date <= {{ date_literal(as_of_date()) }}
    group by created_date
),

period_leads as (
    select
        all_periods.period_grain,
        all_periods.period_start_date,
        sum(lead_days.leads_created) as leads_created,
        max(lead_days.last_changed_at) as last_changed_at
    from lead_days
    inner join all_periods
        on lead_days.created_date = all_periods.date_day
    group by all_periods.period_grain, all_periods.period_start_date
),

published_periods as (
    -- The company scope's cells hold every lead of their period once.
    select
        period_grain,
        period_start_date,
        sum(leads_created) as leads_created
    from {{ this }}
    where scope = 'company'
    group by period_grain, period_start_date
),

renamed_periods as (
    select distinct
        cells.period_grain,
        cells.period_start_date
    from {{ this }} as cells
    left join teams
        on cells.team_id = teams.team_id
    left join reps
        on cells.rep_id = reps.rep_id
    where
        cells.team_name is distinct from {{ team_name }}
        or cells.rep_name is distinct from {{ rep_name }}
),

changed_periods as (
    select
        period_leads.period_grain,
        period_leads.period_start_date
    from period_leads
    left join published_periods
        on
            period_leads.period_grain = published_periods.period_grain
            and period_leads.period_start_date = published_periods.period_start_date
    where
        period_leads.last_changed_at > {{ incremental_loaded_since('rebuilt_at') }}
        or published_periods.leads_created is distinct from period_leads.leads_created
    union
    select
        period_grain,
        period_start_date
    from renamed_periods
),

{%- endif %}

periods as (
    -- The days of the periods this run builds: all of them, or an incremental run's changed ones.
    select all_periods.*
    from all_periods
    {% if is_incremental() -%}
        inner join changed_periods
            on
                all_periods.period_grain = changed_periods.period_grain
                and all_periods.period_start_date = changed_periods.period_start_date
    {%- endif %}
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
        {{ team_name }} as team_name,
        cells.rep_id,
        {{ rep_name }} as rep_name,
        cast(cells.day_of_week as integer) as day_of_week,
        cast(cells.hour_of_day as integer) as hour_of_day,
        cast(cells.leads_created as bigint) as leads_created,
        cast(cells.leads_answered as bigint) as leads_answered,
        cast(cells.leads_answered_within_sla as bigint) as leads_answered_within_sla,
        {{ lead_response_sla_share('cells.leads_answered_within_sla', 'cells.leads_created') }}
            as lead_response_sla_share,
        cast(cells.lead_response_minutes_median as double precision) as lead_response_minutes_median,
        {{ run_started_timestamp() }} as rebuilt_at
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
