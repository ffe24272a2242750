{#- The export's field history of deals (entity deal_property_history): one row per deal,
    property (amount, expected_close_date, owner_rep_id, forecast_category) and change, values as
    text. Empty when the mapping has no such file. -#}
with

source as (
    {{ source_or_empty('raw_files', 'deal_property_history', [
        'deal_id', 'property', 'value', 'changed_at', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(property as {{ dbt.type_string() }}) as property,
        nullif(cast(value as {{ dbt.type_string() }}), '') as property_value,
        {{ to_utc_timestamp('changed_at') }} as changed_at,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
