{#- One row per team from every enabled source, plus the explicit member 'unassigned' for reps and
    records without a team, so that facts always join. -#}
with

teams as (
    select * from {{ ref('int_teams_unioned') }}
),

reps as (
    select * from {{ ref('int_reps_unioned') }}
),

headcounts as (
    select
        team_id,
        count(case when is_active then 1 end) as active_reps
    from reps
    where team_id is not null
    group by team_id
),

known_teams as (
    select
        teams.team_id,
        teams.source_team_id,
        teams.team_name,
        teams.parent_team_id,
        cast(coalesce(headcounts.active_reps, 0) as bigint) as active_reps,
        teams.source_system,
        false as is_unknown_member
    from teams
    left join headcounts
        on teams.team_id = headcounts.team_id
),

unknown_member as (
    select
        'unassigned' as team_id,
        cast(null as {{ dbt.type_string() }}) as source_team_id,
        'Unassigned' as team_name,
        cast(null as {{ dbt.type_string() }}) as parent_team_id,
        cast(count(case when is_active and team_id is null then 1 end) as bigint) as active_reps,
        cast(null as {{ dbt.type_string() }}) as source_system,
        true as is_unknown_member
    from reps
),

final as (
    select * from known_teams
    union all
    select * from unknown_member
)

select * from final
