with

source as (
    {{ source_or_empty('raw_files', 'quotas', [
        'rep_id', 'team_id', 'period_start', 'period_end', 'metric', 'target', 'currency',
        '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(rep_id as {{ dbt.type_string() }}) as rep_id,
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        cast(period_start as date) as period_start_date,
        cast(period_end as date) as period_end_date,
        coalesce(lower(cast(metric as {{ dbt.type_string() }})), 'bookings') as quota_metric,
        cast(target as {{ type_amount() }}) as quota_target,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
