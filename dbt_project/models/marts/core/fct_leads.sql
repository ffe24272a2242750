{#- One row per lead from every enabled source (the contacts that count as leads:
    int_leads_unioned): owner and team, the first response (the earliest rep touch on the lead at
    or after its creation and by the as-of date: an outbound call or email when it took place, a
    meeting when the rep booked it; a meeting the prospect booked is no response) and its delay in
    minutes, whether it came within the SLA (var lead_response_sla_minutes), and whether the lead
    became a deal within the conversion window (var lead_conversion_window_days).

    Incremental (delete+insert on lead_id): a run rebuilds the leads (re)loaded since the last
    run, those with an activity loaded since, those whose conversion, owner's team or first
    response (the as-of date moved, or its activity is gone) may have changed or whose
    conversion window closed (or opened), and drops the leads that are no longer leads
    (deleted, or reclassified); the result equals a full refresh.
    After a change of a lead var (SLA, window, what a lead is), run with --full-refresh.

    changed_at is when a run last changed the lead's row (any column but loaded_at): a rebuilt
    lead whose row came out the same keeps its earlier one, so a mart built on the leads
    (lead_response_by_hour_weekday) rebuilds the periods of the leads that changed, not of every
    lead this model looked at again. -#}
{%- set sla_minutes = var('lead_response_sla_minutes') -%}
{%- set window_days = var('lead_conversion_window_days') -%}
{#- changed_at: the columns compared to the previous row, every column of the model as it
    stands but the lineage. Before this model had changed_at (an upgrade), every row counts as
    changed and on_schema_change stops the run with dbt's message. -#}
{%- set previous_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list
    if is_incremental() else [] -%}
{%- set compared_columns = previous_columns | reject('in', ['loaded_at', 'changed_at']) | list -%}
{%- set compares_rows = is_incremental() and 'changed_at' in previous_columns -%}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='lead_id',
    on_schema_change='fail',
    post_hook="{% if is_incremental() %}delete from {{ this }} where lead_id not in "
        ~ "(select lead_id from {{ ref('int_leads_unioned') }}){% endif %}",
) }}
with

all_leads as (
    select * from {{ ref('int_leads_unioned') }}
),

-- Not materialised (DuckDB and PostgreSQL): an incremental run reads the activities in several
-- places, each with its own columns and filters; a materialised copy of all 10M of them (the
-- large demo) spilled to disk. fct_leads one day later at that size: 15.8 s -> 12.4 s.
activities as not materialized (
    select * from {{ ref('int_activities_unioned') }}
),

deals as (
    select * from {{ ref('int_deals_unioned') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

rep_touches as not materialized (
    -- When each rep touch reached the lead: a call or email when it took place; a meeting when
    -- the rep booked it (logged_at), or when it took place if it was logged only afterwards.
    select
        activity_id,
        lead_id,
        activity_type,
        case
            when activity_type = 'meeting' then least(coalesce(logged_at, occurred_at), occurred_at)
            else occurred_at
        end as touched_at
    from activities
    where
        lead_id is not null
        and (
            (activity_type in ('call', 'email') and direction = 'outbound')
            -- A meeting the prospect booked on a scheduling page (inbound) is no rep response.
            or (activity_type = 'meeting' and coalesce(direction, 'outbound') != 'inbound')
        )
),

lead_deals as (
    -- The first deal that names the lead, for sources that do not record the conversion.
    select
        lead_id,
        min(created_at) as first_deal_created_at
    from deals
    where lead_id is not null and not is_deleted
    group by lead_id
),

lead_states as (
    -- Each lead's owner, team and conversion as they stand now (the conversion from the first
    -- deal that names it where the source does not record one), and when it was created.
    select
        all_leads.lead_id,
        all_leads.created_at,
        coalesce(all_leads.owner_rep_id, 'unassigned') as owner_rep_id,
        coalesce(reps.team_id, 'unassigned') as team_id,
        coalesce(all_leads.converted_at, lead_deals.first_deal_created_at) as converted_at
    from all_leads
    left join lead_deals
        on all_leads.lead_id = lead_deals.lead_id
    left join reps
        on coalesce(all_leads.owner_rep_id, 'unassigned') = reps.rep_id
),

{% if is_incremental() -%}
previous_leads as (
    select * from {{ this }}
),

changed_leads as (
    -- (Re)loaded since the last run, or with an activity loaded since (one that names the lead
    -- now, or that was its first response and may name another lead now).
    select lead_id from all_leads
    where loaded_at > {{ incremental_loaded_since() }}
    union
    select lead_id from activities
    where lead_id is not null and loaded_at > {{ incremental_loaded_since() }}
    union
    select previous_leads.lead_id
    from previous_leads
    inner join activities
        on previous_leads.first_response_activity_id = activities.activity_id
    where activities.loaded_at > {{ incremental_loaded_since() }}
    union
    -- Its first response is no longer an activity (deleted, or missing from a later full export
    -- without a reload: its loaded_at never moved).
    select previous_leads.lead_id
    from previous_leads
    left join activities
        on previous_leads.first_response_activity_id = activities.activity_id
    where
        previous_leads.first_response_activity_id is not null
        and activities.activity_id is null
    union
    -- The conversion (a deal of the lead created, deleted or moved) or the owner's team changed,
    -- or the conversion window closed (or opened: the as-of date moved back). Only the leads
    -- whose window flag flips: rebuilding every lead with an open window (the last 90 days of
    -- leads, 594k of 4.6M at the large demo size) changed nothing else of them.
    select lead_states.lead_id
    from lead_states
    left join previous_leads
        on lead_states.lead_id = previous_leads.lead_id
    where
        previous_leads.lead_id is null
        or previous_leads.converted_at is distinct from lead_states.converted_at
        or previous_leads.team_id is distinct from lead_states.team_id
        or previous_leads.is_conversion_window_open
        is distinct from ({{ lead_conversion_window_open('lead_states.created_at') }})
    union
    -- The first response: a rep touch now within the as-of date that was not before, or a
    -- response after it (the as-of date moved).
    select previous_leads.lead_id
    from previous_leads
    inner join rep_touches
        on previous_leads.lead_id = rep_touches.lead_id
    where
        previous_leads.first_response_at is null
        and rep_touches.touched_at >= previous_leads.created_at
        and {{ to_reporting_date('rep_touches.touched_at') }} <= {{ date_literal(as_of_date()) }}
    union
    select lead_id from previous_leads
    where {{ to_reporting_date('first_response_at') }} > {{ date_literal(as_of_date()) }}
),

{%- endif %}

leads as (
    select all_leads.*
    from all_leads
    {% if is_incremental() -%}
        inner join changed_leads
            on all_leads.lead_id = changed_leads.lead_id
    {%- endif %}
),

responses as (
    select
        leads.lead_id,
        rep_touches.activity_id,
        rep_touches.activity_type,
        rep_touches.touched_at as occurred_at,
        row_number() over (
            partition by leads.lead_id order by rep_touches.touched_at, rep_touches.activity_id
        ) as response_number
    from leads
    inner join rep_touches
        on leads.lead_id = rep_touches.lead_id
    where
        rep_touches.touched_at >= leads.created_at
        and {{ to_reporting_date('rep_touches.touched_at') }} <= {{ date_literal(as_of_date()) }}
),

first_responses as (
    select * from responses
    where response_number = 1
),

enriched as (
    select
        leads.lead_id,
        leads.source_lead_id,
        leads.created_at,
        leads.created_date,
        leads.lead_source,
        leads.converted_deal_id,
        first_responses.occurred_at as first_response_at,
        first_responses.activity_id as first_response_activity_id,
        first_responses.activity_type as first_response_type,
        leads.source_system,
        leads.loaded_at,
        lead_states.owner_rep_id,
        lead_states.team_id,
        lead_states.converted_at
    from leads
    inner join lead_states
        on leads.lead_id = lead_states.lead_id
    left join first_responses
        on leads.lead_id = first_responses.lead_id
),

final as (
    select
        lead_id,
        source_lead_id,
        owner_rep_id,
        team_id,
        created_at,
        created_date,
        lead_source,
        first_response_at,
        first_response_activity_id,
        first_response_type,
        first_response_at is not null as is_answered,
        {{ minutes_between('created_at', 'first_response_at') }} as response_minutes,
        coalesce({{ minutes_between('created_at', 'first_response_at') }} <= {{ sla_minutes }}, false)
            as is_answered_within_sla,
        converted_at,
        converted_deal_id,
        coalesce(
            converted_at >= created_at
            and converted_at <= {{ dbt.dateadd('day', window_days, 'created_at') }},
            false
        ) as is_converted_within_window,
        {{ lead_conversion_window_open('created_at') }} as is_conversion_window_open,
        source_system,
        loaded_at
    from enriched
),

{% if compares_rows %}
previous_rows as (
    -- The rebuilt leads' rows before this run, read again for them alone: a join to
    -- previous_leads (every lead, materialised above) ran out of memory at 1 GB at 1,000 reps.
    select previous.*
    from {{ this }} as previous
    inner join changed_leads
        on previous.lead_id = changed_leads.lead_id
),
{% endif %}
stamped as (
    select
        final.*,
        {% if compares_rows -%}
            case
                when
                    previous_rows.lead_id is not null
                    {%- for column in compared_columns %}
                        and final.{{ column }} is not distinct from previous_rows.{{ column }}
                    {%- endfor %}
                    then previous_rows.changed_at
                else {{ run_started_timestamp() }}
            end
        {%- else -%}
            {{ run_started_timestamp() }}
        {%- endif %} as changed_at
    from final
    {% if compares_rows -%}
        left join previous_rows
            on final.lead_id = previous_rows.lead_id
    {%- endif %}
)

select * from stamped
