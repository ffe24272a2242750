{#- Records a later full export no longer holds (_deleted_at set, a soft delete) are left out. -#}
{%- set deleted_at = optional_source_column('raw_files', 'deal_stage_history', '_deleted_at', dbt.type_timestamp()) -%}
with

source as (
    {{ source_or_empty('raw_files', 'deal_stage_history', [
        'deal_id', 'stage_id', 'entered_at', 'exited_at', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(stage_id as {{ dbt.type_string() }}) as stage_id,
        {{ to_utc_timestamp('entered_at') }} as entered_at,
        {{ to_utc_timestamp('exited_at') }} as exited_at,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
    where {{ deleted_at }} is null
),

final as (
    select * from renamed
)

select * from final
