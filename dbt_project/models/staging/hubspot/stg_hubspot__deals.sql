with

source as (
    select * from {{ source('raw_hubspot', 'deals') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as deal_id,
        dealname as deal_name,
        cast(hubspot_owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(pipeline as {{ dbt.type_string() }}) as pipeline_id,
        cast(dealstage as {{ dbt.type_string() }}) as stage_id,
        -- HubSpot sends every property as a string; an unset amount is NULL or ''.
        cast(nullif(cast(amount as {{ dbt.type_string() }}), '') as decimal(18, 2)) as amount,
        upper(deal_currency_code) as currency,
        {{ to_utc_timestamp('createdate') }} as created_at,
        -- HubSpot's closedate: the close time of a closed deal, the expected one of an open deal.
        {{ to_utc_timestamp('closedate') }} as close_date_property_at,
        {{ to_utc_timestamp('hs_lastmodifieddate') }} as last_modified_at,
        coalesce(archived, false) as is_deleted
    from source
),

final as (
    select * from renamed
)

select * from final
