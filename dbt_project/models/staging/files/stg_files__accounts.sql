{#- Records a later full export no longer holds (_deleted_at set, a soft delete) are left out. -#}
{%- set deleted_at = optional_source_column('raw_files', 'accounts', '_deleted_at', dbt.type_timestamp()) -%}
with

source as (
    {{ source_or_empty('raw_files', 'accounts', [
        'account_id', 'name', 'industry', 'country', 'segment', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(name as {{ dbt.type_string() }}) as account_name,
        cast(industry as {{ dbt.type_string() }}) as industry,
        cast(country as {{ dbt.type_string() }}) as country,
        cast(segment as {{ dbt.type_string() }}) as segment,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
    where {{ deleted_at }} is null
),

final as (
    select * from renamed
)

select * from final
