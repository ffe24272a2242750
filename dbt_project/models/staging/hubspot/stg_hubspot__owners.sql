with

source as (
    select * from {{ source('raw_hubspot', 'owners') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as owner_id,
        first_name,
        last_name,
        trim(concat(coalesce(first_name, ''), ' ', coalesce(last_name, ''))) as owner_name,
        email,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        coalesce(archived, false) as is_archived,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
