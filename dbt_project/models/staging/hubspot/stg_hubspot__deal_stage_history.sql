with

source as (
    {{ hubspot_current_child_rows(
        'deals', 'deals__stage_history', ['deal_id', 'stage_id', 'changed_at', 'source_type']
    ) }}
),

renamed as (
    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(stage_id as {{ dbt.type_string() }}) as stage_id,
        {{ to_utc_timestamp('changed_at') }} as entered_at,
        source_type
    from source
),

final as (
    select * from renamed
)

select * from final
