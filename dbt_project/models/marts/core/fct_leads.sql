{#- One row per lead from every enabled source (the contacts that count as leads:
    int_leads_unioned): owner and team, the first response (the earliest rep touch on the lead at
    or after its creation and by the as-of date: an outbound call or email when it took place, a
    meeting when the rep booked it; a meeting the prospect booked is no response) and its delay in
    minutes, whether it came within the SLA (var lead_response_sla_minutes), and whether the lead
    became a deal within the conversion window (var lead_conversion_window_days). -#}
{%- set sla_minutes = var('lead_response_sla_minutes') -%}
{%- set window_days = var('lead_conversion_window_days') -%}
with

leads as (
    select * from {{ ref('int_leads_unioned') }}
),

activities as (
    select * from {{ ref('int_activities_unioned') }}
),

deals as (
    select * from {{ ref('int_deals_unioned') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

rep_touches as (
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

lead_deals as (
    -- The first deal that names the lead, for sources that do not record the conversion.
    select
        lead_id,
        min(created_at) as first_deal_created_at
    from deals
    where lead_id is not null and not is_deleted
    group by lead_id
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
        coalesce(leads.owner_rep_id, 'unassigned') as owner_rep_id,
        coalesce(reps.team_id, 'unassigned') as team_id,
        coalesce(leads.converted_at, lead_deals.first_deal_created_at) as converted_at
    from leads
    left join first_responses
        on leads.lead_id = first_responses.lead_id
    left join lead_deals
        on leads.lead_id = lead_deals.lead_id
    left join reps
        on coalesce(leads.owner_rep_id, 'unassigned') = reps.rep_id
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
        -- The window has not run out by the end of the as-of date: the lead may still convert.
        {{ dbt.dateadd('day', window_days, 'created_at') }}
        >= {{ dbt.dateadd('day', 1, date_literal(as_of_date())) }} as is_conversion_window_open,
        source_system
    from enriched
)

select * from final
