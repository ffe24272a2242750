{#- Records a later full export no longer holds (_deleted_at set, a soft delete) are left out. -#}
{%- set deleted_at = optional_source_column('raw_files', 'activities', '_deleted_at', dbt.type_timestamp()) -%}
with

source as (
    {{ source_or_empty('raw_files', 'activities', [
        'activity_id', 'rep_id', 'type', 'direction', 'occurred_at', 'lead_id', 'deal_id',
        'account_id', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(activity_id as {{ dbt.type_string() }}) as activity_id,
        cast(rep_id as {{ dbt.type_string() }}) as rep_id,
        lower(cast(type as {{ dbt.type_string() }})) as activity_type,
        lower(cast(direction as {{ dbt.type_string() }})) as direction,
        {{ to_utc_timestamp('occurred_at') }} as occurred_at,
        -- When the activity was logged or booked in the CRM, where the mapping gives it (extra
        -- logged_at): a meeting answers a lead when it was booked, not when it takes place.
        {{ to_utc_timestamp(optional_source_column('raw_files', 'activities', 'logged_at', dbt.type_timestamp())) }}
            as logged_at,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
    where {{ deleted_at }} is null
),

final as (
    select * from renamed
)

select * from final
