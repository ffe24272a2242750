{#- The canonical reps (docs/architecture.md), from every enabled CRM source: one row per person who
    owns records, with the primary team that metrics roll up to. -#}
{%- set sources = enabled_of(['hubspot', 'files']) -%}
with

{% if 'hubspot' in sources -%}
hubspot_owners as (
    select * from {{ ref('stg_hubspot__owners') }}
),

hubspot_owner_teams as (
    select * from {{ ref('stg_hubspot__owner_teams') }}
),
{%- endif %}

{% if 'files' in sources -%}
files_reps_source as (
    select * from {{ ref('stg_files__reps') }}
),

files_teams as (
    select * from {{ ref('stg_files__teams') }}
),
{%- endif %}

{% if 'hubspot' in sources -%}
hubspot_primary_teams as (
    select
        owner_id,
        team_id,
        team_name
    from hubspot_owner_teams
    where is_primary
),

hubspot_reps as (
    select
        {{ source_id('hubspot', 'hubspot_owners.owner_id') }} as rep_id,
        hubspot_owners.owner_id as source_rep_id,
        hubspot_owners.owner_name as rep_name,
        hubspot_owners.email,
        {{ source_id('hubspot', 'hubspot_primary_teams.team_id') }} as team_id,
        hubspot_primary_teams.team_name,
        cast(null as {{ dbt.type_string() }}) as manager_rep_id,
        cast(null as {{ dbt.type_string() }}) as rep_role,
        {{ to_reporting_date('hubspot_owners.created_at') }} as start_date,
        case
            when hubspot_owners.is_archived then {{ to_reporting_date('hubspot_owners.updated_at') }}
        end as end_date,
        not hubspot_owners.is_archived as is_active,
        'hubspot' as source_system
    from hubspot_owners
    left join hubspot_primary_teams
        on hubspot_owners.owner_id = hubspot_primary_teams.owner_id
),
{%- endif %}

{% if 'files' in sources -%}
files_reps as (
    select
        {{ source_id('files', 'files_reps_source.rep_id') }} as rep_id,
        files_reps_source.rep_id as source_rep_id,
        coalesce(files_reps_source.rep_name, files_reps_source.rep_id) as rep_name,
        files_reps_source.email,
        {{ source_id('files', 'files_reps_source.team_id') }} as team_id,
        -- A team the export does not describe is named by its id (Maven: the manager's name).
        coalesce(files_teams.team_name, files_reps_source.team_id) as team_name,
        {{ source_id('files', 'files_reps_source.manager_rep_id') }} as manager_rep_id,
        files_reps_source.rep_role,
        files_reps_source.start_date,
        files_reps_source.end_date,
        coalesce(
            files_reps_source.is_active,
            files_reps_source.end_date is null or files_reps_source.end_date > cast('{{ as_of_date() }}' as date)
        ) as is_active,
        'files' as source_system
    from files_reps_source
    left join files_teams
        on files_reps_source.team_id = files_teams.team_id
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'reps'), [
        ['rep_id', 'string'], ['source_rep_id', 'string'], ['rep_name', 'string'], ['email', 'string'],
        ['team_id', 'string'], ['team_name', 'string'], ['manager_rep_id', 'string'], ['rep_role', 'string'],
        ['start_date', 'date'], ['end_date', 'date'], ['is_active', 'boolean'], ['source_system', 'string'],
    ]) }}
),

final as (
    select * from unioned
)

select * from final
