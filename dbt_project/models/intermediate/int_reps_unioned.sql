{#- The canonical reps, from every CRM source (HubSpot owners so far): one row per rep with the
    primary team that metrics roll up to. -#}
with

owners as (
    select * from {{ ref('stg_hubspot__owners') }}
),

owner_teams as (
    select * from {{ ref('stg_hubspot__owner_teams') }}
),

primary_teams as (
    select
        owner_id,
        team_id,
        team_name
    from owner_teams
    where is_primary
),

hubspot_reps as (
    select
        owners.owner_id as rep_id,
        owners.owner_name as rep_name,
        owners.email,
        primary_teams.team_id,
        primary_teams.team_name,
        {{ to_reporting_date('owners.created_at') }} as start_date,
        case
            when owners.is_archived then {{ to_reporting_date('owners.updated_at') }}
        end as end_date,
        not owners.is_archived as is_active,
        'hubspot' as source_system
    from owners
    left join primary_teams
        on owners.owner_id = primary_teams.owner_id
),

final as (
    select * from hubspot_reps
)

select * from final
