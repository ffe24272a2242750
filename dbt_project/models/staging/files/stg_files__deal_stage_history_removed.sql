{#- Stage entries a later full export no longer held (kept soft-deleted by the files source,
    _deleted_at set, with the load that last delivered them: their loaded_at does not move), and
    when the first export without them was loaded. The incremental deal versions rebuild their
    deals from this; stg_files__deal_stage_history leaves them out. -#}
{%- set deleted_at = optional_source_column('raw_files', 'deal_stage_history', '_deleted_at', dbt.type_timestamp()) -%}
with

source as (
    {{ source_or_empty('raw_files', 'deal_stage_history', ['deal_id', 'stage_id', 'entered_at']) }}
),

renamed as (
    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(stage_id as {{ dbt.type_string() }}) as stage_id,
        {{ to_utc_timestamp('entered_at') }} as entered_at,
        {{ to_utc_timestamp(deleted_at) }} as removed_at
    from source
    where {{ deleted_at }} is not null
),

final as (
    select * from renamed
)

select * from final
