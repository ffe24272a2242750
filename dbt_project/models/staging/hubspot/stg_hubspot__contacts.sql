{%- set object_source = optional_source_column('raw_hubspot', 'contacts', 'hs_object_source') -%}
{%- set source_data_1 = optional_source_column('raw_hubspot', 'contacts', 'hs_analytics_source_data_1') -%}
{%- set mql_date = optional_source_column(
    'raw_hubspot', 'contacts', 'hs_lifecyclestage_marketingqualifiedlead_date'
) -%}
{%- set sql_date = optional_source_column(
    'raw_hubspot', 'contacts', 'hs_lifecyclestage_salesqualifiedlead_date'
) -%}
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
        nullif(hs_lead_status, '') as lead_status,
        -- Categorised once, in the canonical model (macro normalised_category).
        hs_analytics_source as lead_source,
        -- How the contact was created (CRM_UI: by a user, by hand); older records say it in
        -- hs_analytics_source_data_1 under the OFFLINE source.
        upper(coalesce(
            nullif({{ object_source }}, ''),
            case when upper(hs_analytics_source) = 'OFFLINE' then nullif({{ source_data_1 }}, '') end
        )) as object_source,
        {{ to_utc_timestamp('createdate') }} as created_at,
        -- The first time the contact entered a lead stage (lead, MQL or SQL), where it did.
        {{ to_utc_timestamp("nullif(hs_lifecyclestage_lead_date, '')") }} as became_lead_at,
        {{ to_utc_timestamp("nullif(" ~ mql_date ~ ", '')") }} as became_marketing_qualified_lead_at,
        {{ to_utc_timestamp("nullif(" ~ sql_date ~ ", '')") }} as became_sales_qualified_lead_at,
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
