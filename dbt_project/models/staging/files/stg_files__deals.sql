{#- A deal a later full export no longer holds (_deleted_at set) is deleted, like one the
    export itself flags. -#}
{%- set deleted_at = optional_source_column('raw_files', 'deals', '_deleted_at', dbt.type_timestamp()) -%}
with

source as (
    {{ source_or_empty('raw_files', 'deals', [
        'deal_id', 'name', 'owner_rep_id', 'account_id', 'lead_id', 'pipeline_id', 'stage_id',
        'status', 'amount', 'currency', 'created_at', 'closed_at', 'expected_close_date',
        'lead_source', 'is_deleted', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(name as {{ dbt.type_string() }}) as deal_name,
        cast(owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        -- Exports without pipelines have one: 'default'.
        coalesce(cast(pipeline_id as {{ dbt.type_string() }}), 'default') as pipeline_id,
        cast(stage_id as {{ dbt.type_string() }}) as stage_id,
        lower(cast(status as {{ dbt.type_string() }})) as status,
        cast(amount as {{ type_amount() }}) as amount,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('closed_at') }} as closed_at,
        cast(expected_close_date as date) as expected_close_date,
        cast(lead_source as {{ dbt.type_string() }}) as lead_source,
        -- Optional extras of a mapping: the deal type, its forecast category, why it was lost,
        -- and when the CRM last changed it (the validity time of the deal snapshots).
        cast({{ optional_source_column('raw_files', 'deals', 'deal_type') }} as {{ dbt.type_string() }}) as deal_type,
        cast({{ optional_source_column('raw_files', 'deals', 'forecast_category') }} as {{ dbt.type_string() }})
            as forecast_category,
        cast({{ optional_source_column('raw_files', 'deals', 'closed_lost_reason') }} as {{ dbt.type_string() }})
            as closed_lost_reason,
        {{ to_utc_timestamp(optional_source_column('raw_files', 'deals', 'last_modified_at', dbt.type_timestamp())) }}
            as last_modified_at,
        (
            coalesce(cast(is_deleted as boolean), false)
            or {{ deleted_at }} is not null
        ) as is_deleted,
        -- A soft delete is a change: the row counts as loaded when it was deleted, so the
        -- incremental marts pick it up.
        coalesce(
            {{ to_utc_timestamp(deleted_at) }},
            {{ dlt_load_id_to_timestamp('_dlt_load_id') }}
        ) as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
