with

source as (
    select * from {{ source('raw_hubspot', 'deal_pipelines__stages') }}
),

renamed as (
    select
        cast(pipeline_id as {{ dbt.type_string() }}) as pipeline_id,
        cast(id as {{ dbt.type_string() }}) as stage_id,
        label as stage_label,
        cast(display_order as integer) as display_order,
        -- HubSpot sends stage metadata as strings: "0.2", "true".
        cast(metadata__probability as double precision) as win_probability,
        lower(cast(metadata__is_closed as {{ dbt.type_string() }})) = 'true' as is_closed
    from source
),

final as (
    select * from renamed
)

select * from final
