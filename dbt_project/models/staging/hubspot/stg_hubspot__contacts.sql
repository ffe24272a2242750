with

source as (
    select * from {{ source('raw_hubspot', 'contacts') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as contact_id,
        cast(hubspot_owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(associatedcompanyid as {{ dbt.type_string() }}) as company_id,
        lower(lifecyclestage) as lifecycle_stage,
        hs_lead_status as lead_status,
        lower(hs_analytics_source) as lead_source,
        {{ to_utc_timestamp('createdate') }} as created_at,
        {{ to_utc_timestamp("nullif(hs_lifecyclestage_opportunity_date, '')") }} as became_opportunity_at,
        {{ to_utc_timestamp("nullif(hs_lifecyclestage_customer_date, '')") }} as became_customer_at,
        {{ to_utc_timestamp('lastmodifieddate') }} as last_modified_at,
        coalesce(archived, false) as is_deleted,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
