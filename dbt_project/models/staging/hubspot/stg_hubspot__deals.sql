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
        cast(nullif(cast(amount as {{ dbt.type_string() }}), '') as {{ type_amount() }}) as amount,
        upper(deal_currency_code) as currency,
        {{ to_utc_timestamp('createdate') }} as created_at,
        -- HubSpot's closedate: the close time of a closed deal, the expected one of an open deal.
        {{ to_utc_timestamp('closedate') }} as close_date_property_at,
        {{ to_utc_timestamp('hs_lastmodifieddate') }} as last_modified_at,
        -- The analytics source of the deal (HubSpot's hs_analytics_source), where loaded.
        cast({{ optional_source_column('raw_hubspot', 'deals', 'hs_analytics_source') }} as {{ dbt.type_string() }})
            as lead_source,
        -- HubSpot's dealtype (newbusiness, existingbusiness, or a portal's own), where loaded.
        cast({{ optional_source_column('raw_hubspot', 'deals', 'dealtype') }} as {{ dbt.type_string() }})
            as deal_type,
        -- HubSpot's forecast category (COMMIT, BEST_CASE, PIPELINE, OMIT, CLOSED) and the
        -- closed-lost reason, where loaded.
        cast({{ optional_source_column('raw_hubspot', 'deals', 'hs_forecast_category') }} as {{ dbt.type_string() }})
            as forecast_category,
        cast({{ optional_source_column('raw_hubspot', 'deals', 'closed_lost_reason') }} as {{ dbt.type_string() }})
            as closed_lost_reason,
        coalesce(archived, false) as is_deleted,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
