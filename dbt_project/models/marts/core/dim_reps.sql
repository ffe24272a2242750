{#- One row per rep from every enabled source, with their current primary team and manager, plus
    the explicit member 'unassigned' that records without an owner roll up to. No contact details:
    the serving warehouse holds no personal data beyond a rep's name (test no_personal_data). -#}
with

reps as (
    select * from {{ ref('int_reps_unioned') }}
),

teams as (
    select * from {{ ref('int_teams_unioned') }}
),

known_reps as (
    select
        reps.rep_id,
        reps.source_rep_id,
        reps.rep_name,
        coalesce(reps.team_id, 'unassigned') as team_id,
        coalesce(teams.team_name, reps.team_name, 'Unassigned') as team_name,
        reps.manager_rep_id,
        managers.rep_name as manager_name,
        reps.rep_role,
        reps.start_date,
        reps.end_date,
        reps.is_active,
        reps.source_system,
        false as is_unknown_member
    from reps
    left join teams
        on reps.team_id = teams.team_id
    left join reps as managers
        on reps.manager_rep_id = managers.rep_id
),

unknown_member as (
    select
        'unassigned' as rep_id,
        cast(null as {{ dbt.type_string() }}) as source_rep_id,
        'Unassigned' as rep_name,
        'unassigned' as team_id,
        'Unassigned' as team_name,
        cast(null as {{ dbt.type_string() }}) as manager_rep_id,
        cast(null as {{ dbt.type_string() }}) as manager_name,
        cast(null as {{ dbt.type_string() }}) as rep_role,
        cast(null as date) as start_date,
        cast(null as date) as end_date,
        false as is_active,
        cast(null as {{ dbt.type_string() }}) as source_system,
        true as is_unknown_member
),

final as (
    select * from known_reps
    union all
    select * from unknown_member
)

select * from final
