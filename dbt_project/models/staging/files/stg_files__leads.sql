with

source as (
    {{ source_or_empty('raw_files', 'leads', [
        'lead_id', 'owner_rep_id', 'created_at', 'source', 'converted_at', 'converted_deal_id',
        '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
        {{ to_utc_timestamp('created_at') }} as created_at,
        cast(source as {{ dbt.type_string() }}) as lead_source,
        {{ to_utc_timestamp('converted_at') }} as converted_at,
        cast(converted_deal_id as {{ dbt.type_string() }}) as converted_deal_id,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
