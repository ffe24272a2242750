with

source as (
    select * from {{ source('raw_hubspot', 'owners__teams') }}
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
