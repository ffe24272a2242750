{#- The canonical teams from every enabled CRM source: one row per team. A team that reps name but
    the source does not describe (an export without a teams file) is kept, named by its id. -#}
{%- set sources = enabled_of(['hubspot', 'files']) -%}
with

{% if 'hubspot' in sources -%}
hubspot_owner_teams as (
    select * from {{ ref('stg_hubspot__owner_teams') }}
),
{%- endif %}

{% if 'files' in sources -%}
files_teams_source as (
    select * from {{ ref('stg_files__teams') }}
),

files_reps as (
    select * from {{ ref('stg_files__reps') }}
),
{%- endif %}

{% if 'hubspot' in sources -%}
hubspot_teams as (
    select
        {{ source_id('hubspot', 'team_id') }} as team_id,
        team_id as source_team_id,
        max(team_name) as team_name,
        cast(null as {{ dbt.type_string() }}) as parent_team_id,
        'hubspot' as source_system
    from hubspot_owner_teams
    group by team_id
),
{%- endif %}

{% if 'files' in sources -%}
files_described_teams as (
    select
        team_id,
        parent_team_id,
        coalesce(team_name, team_id) as team_name
    from files_teams_source
),

files_undescribed_teams as (
    select distinct
        files_reps.team_id,
        files_reps.team_id as team_name,
        cast(null as {{ dbt.type_string() }}) as parent_team_id
    from files_reps
    left join files_teams_source
        on files_reps.team_id = files_teams_source.team_id
    where
        files_reps.team_id is not null
        and files_teams_source.team_id is null
),

files_teams as (
    select
        {{ source_id('files', 'team_id') }} as team_id,
        team_id as source_team_id,
        team_name,
        {{ source_id('files', 'parent_team_id') }} as parent_team_id,
        'files' as source_system
    from files_described_teams
    union all
    select
        {{ source_id('files', 'team_id') }} as team_id,
        team_id as source_team_id,
        team_name,
        parent_team_id,
        'files' as source_system
    from files_undescribed_teams
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'teams'), [
        ['team_id', 'string'], ['source_team_id', 'string'], ['team_name', 'string'],
        ['parent_team_id', 'string'], ['source_system', 'string'],
    ]) }}
),

final as (
    select * from unioned
)

select * from final
