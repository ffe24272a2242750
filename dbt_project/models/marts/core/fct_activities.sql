{#- One row per activity (call, email, meeting, task) from every enabled source, with its day in the
    reporting time zone. Incremental: merges the activities (re)loaded since the last run on
    activity_id, and drops those the canonical activities no longer hold (deleted, or missing
    from a later full export, which keeps them soft-deleted with the load that last delivered
    them: their loaded_at does not move), so the result equals a full refresh. -#}
{#- The post-hook's NOT EXISTS: PostgreSQL runs a NOT IN over a large subquery row by row. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='activity_id',
    on_schema_change='fail',
    post_hook="{% if is_incremental() %}delete from {{ this }} as target where not exists "
        ~ "(select 1 from {{ ref('int_activities_unioned') }} as canonical "
        ~ "where canonical.activity_id = target.activity_id){% endif %}",
) }}
with

activities as (
    select * from {{ ref('int_activities_unioned') }}
),

final as (
    select
        activity_id,
        source_activity_id,
        activity_type,
        direction,
        occurred_at,
        occurred_date,
        lead_id,
        deal_id,
        account_id,
        source_system,
        loaded_at,
        coalesce(rep_id, 'unassigned') as rep_id,
        -- Responses to a lead: outbound calls and emails, and meetings the rep booked (a meeting
        -- booked by the prospect on a scheduling page is inbound); docs/metrics.md.
        (activity_type in ('call', 'email') and direction = 'outbound')
        or (activity_type = 'meeting' and coalesce(direction, 'outbound') != 'inbound')
            as is_lead_response
    from activities
    {% if is_incremental() -%}
        where loaded_at > {{ incremental_loaded_since() }}
    {%- endif %}
)

select * from final
