with

source as (
    {#- A portal without teams has no owners__teams table. -#}
    {{ source_or_empty('raw_hubspot', 'owners__teams', {
        'owner_id': dbt.type_string(), 'id': dbt.type_string(), 'name': dbt.type_string(),
        'primary': dbt.type_boolean()
    }) }}
),

renamed as (
    select
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(id as {{ dbt.type_string() }}) as team_id,
        name as team_name,
        coalesce("primary", false) as is_primary
    from source
),

final as (
    select * from renamed
)

select * from final
