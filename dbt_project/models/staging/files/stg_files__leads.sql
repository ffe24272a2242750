{#- Records a later full export no longer holds (_deleted_at set, a soft delete) are left out. -#}
{%- set deleted_at = optional_source_column('raw_files', 'leads', '_deleted_at', dbt.type_timestamp()) -%}
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
    where {{ deleted_at }} is null
),

final as (
    select * from renamed
)

select * from final
