with

source as (
    select * from {{ source('raw_hubspot', 'companies') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as company_id,
        name as company_name,
        domain,
        -- Categorised once, in the canonical model (normalised_category, country_codes).
        industry,
        country,
        segment,
        cast(nullif(numberofemployees, '') as integer) as employee_count,
        cast(hubspot_owner_id as {{ dbt.type_string() }}) as owner_id,
        {{ to_utc_timestamp('createdate') }} as created_at,
        coalesce(archived, false) as is_deleted
    from source
),

final as (
    select * from renamed
)

select * from final
