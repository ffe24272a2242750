{#- Records a later full export no longer holds (_deleted_at set, a soft delete) are left out. -#}
{%- set deleted_at = optional_source_column('raw_files', 'fx_rates', '_deleted_at', dbt.type_timestamp()) -%}
with

source as (
    {{ source_or_empty('raw_files', 'fx_rates', [
        'currency', 'rate_date', 'rate_to_reporting', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast(rate_date as date) as rate_date,
        cast(rate_to_reporting as {{ type_fx_rate() }}) as rate_to_reporting,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
    where {{ deleted_at }} is null
),

final as (
    select * from renamed
)

select * from final
