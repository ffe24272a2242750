with

source as (
    {{ source_or_empty('raw_files', 'teams', [
        'team_id', 'name', 'parent_team_id', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        cast(name as {{ dbt.type_string() }}) as team_name,
        cast(parent_team_id as {{ dbt.type_string() }}) as parent_team_id,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
