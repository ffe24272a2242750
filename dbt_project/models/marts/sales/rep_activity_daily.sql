{#- Activity volume: one row per day (reporting time zone), rep and activity type (call, email,
    meeting, task) with at least one activity, and how many of them were outbound. Only days of
    the calendar up to the as-of date: a meeting or task scheduled ahead has not occurred yet. -#}
with

activities as (
    select * from {{ ref('fct_activities') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

daily as (
    select
        occurred_date as activity_date,
        rep_id,
        activity_type,
        count(*) as activities,
        count(case when direction = 'outbound' then 1 end) as outbound_activities
    from activities
    where
        occurred_date >= {{ date_literal(calendar_start_date()) }}
        and occurred_date <= {{ date_literal(as_of_date()) }}
    group by occurred_date, rep_id, activity_type
),

final as (
    select
        daily.activity_date,
        daily.rep_id,
        daily.activity_type,
        cast(daily.activities as bigint) as activities,
        cast(daily.outbound_activities as bigint) as outbound_activities,
        coalesce(reps.rep_name, 'Unassigned') as rep_name,
        coalesce(reps.team_id, 'unassigned') as team_id,
        coalesce(reps.team_name, 'Unassigned') as team_name
    from daily
    left join reps
        on daily.rep_id = reps.rep_id
)

select * from final
