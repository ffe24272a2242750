{#- Commitments from one-on-ones (the notes export through the files source), each tracked
    against its metric's movement since the meeting, up to the as-of date. Flow metrics count what
    happened after the meeting day: bookings and won_deals (deals won with a close date after it),
    activities (logged after it); their value at the meeting is 0. The level metric open_pipeline
    is the rep's open pipeline at the end of the meeting day and at the end of the as-of date
    (pipeline_coverage_daily; 0 on a day without a row, when the rep had no open deal).
    One row per commitment held on or before the as-of date. Definitions: docs/metrics.md. -#}
{%- set as_of = date_literal(as_of_date()) -%}
with

notes as (
    {% if source_enabled('files') %}
        select * from {{ ref('stg_files__one_on_one_commitments') }}
    {% else %}
        -- Without the files source there is no notes export: no commitment.
        select
            cast(null as {{ dbt.type_string() }}) as commitment_id,
            cast(null as date) as meeting_date,
            cast(null as {{ dbt.type_string() }}) as rep_id,
            cast(null as {{ dbt.type_string() }}) as manager_rep_id,
            cast(null as {{ dbt.type_string() }}) as commitment,
            cast(null as {{ dbt.type_string() }}) as metric,
            cast(null as {{ type_amount() }}) as target_value
        where 1 = 0
    {% endif %}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

activity as (
    select * from {{ ref('rep_activity_daily') }}
),

coverage as (
    select * from {{ ref('pipeline_coverage_daily') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

commitments as (
    select
        commitment_id,
        meeting_date,
        {{ source_id('files', 'rep_id') }} as rep_id,
        {{ source_id('files', 'manager_rep_id') }} as manager_rep_id,
        commitment,
        metric,
        target_value
    from notes
    where meeting_date <= {{ as_of }}
),

won_since as (
    select
        commitments.commitment_id,
        sum(deals.amount_reporting) as bookings,
        count(*) as won_deals
    from commitments
    inner join deals
        on
            commitments.rep_id = deals.owner_rep_id_at_close
            and commitments.meeting_date < deals.closed_date
            and deals.closed_date <= {{ as_of }}
    where deals.is_won and not deals.is_deleted
    group by commitments.commitment_id
),

activities_since as (
    select
        commitments.commitment_id,
        sum(activity.activities) as activities
    from commitments
    inner join activity
        on
            commitments.rep_id = activity.rep_id
            and commitments.meeting_date < activity.activity_date
    group by commitments.commitment_id
),

tracked as (
    select
        commitments.*,
        case when commitments.metric = 'open_pipeline' then coalesce(at_meeting.open_pipeline, 0) else 0 end
            as value_at_meeting,
        case commitments.metric
            when 'bookings' then coalesce(won_since.bookings, 0)
            when 'won_deals' then coalesce(won_since.won_deals, 0)
            when 'activities' then coalesce(activities_since.activities, 0)
            when 'open_pipeline' then coalesce(at_as_of.open_pipeline, 0)
        end as value_now
    from commitments
    left join won_since
        on commitments.commitment_id = won_since.commitment_id
    left join activities_since
        on commitments.commitment_id = activities_since.commitment_id
    left join coverage as at_meeting
        on
            commitments.rep_id = at_meeting.rep_id
            and commitments.meeting_date = at_meeting.snapshot_date
    left join coverage as at_as_of
        on
            commitments.rep_id = at_as_of.rep_id
            and at_as_of.snapshot_date = {{ as_of }}
),

final as (
    select
        tracked.commitment_id,
        tracked.meeting_date,
        tracked.rep_id,
        reps.rep_name,
        reps.team_id,
        tracked.manager_rep_id,
        managers.rep_name as manager_name,
        tracked.commitment,
        tracked.metric,
        {{ as_of }} as as_of_date,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        {{ days_between('tracked.meeting_date', as_of) }} as days_since_meeting,
        cast(tracked.target_value as {{ type_money() }}) as target_value,
        cast(tracked.value_at_meeting as {{ type_money() }}) as value_at_meeting,
        cast(tracked.value_now as {{ type_money() }}) as value_now,
        cast(tracked.value_now - tracked.value_at_meeting as {{ type_money() }}) as movement,
        case when tracked.target_value is not null then tracked.value_now >= tracked.target_value end as is_target_met,
        tracked.meeting_date = max(tracked.meeting_date) over (partition by tracked.rep_id)
            as is_latest_one_on_one
    from tracked
    left join reps
        on tracked.rep_id = reps.rep_id
    left join reps as managers
        on tracked.manager_rep_id = managers.rep_id
)

select * from final
