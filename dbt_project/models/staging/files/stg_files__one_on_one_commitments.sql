{#- One row per commitment of the one-on-one notes export: what a rep committed to with their
    manager on the meeting date, the metric it is tracked against and the target. The source row
    (file and row number) is its identity: notes carry no key of their own. -#}
with

source as (
    {{ source_or_empty('raw_files', 'one_on_one_commitments', [
        'meeting_date', 'rep_id', 'manager_rep_id', 'commitment', 'metric', 'target',
        '_source_file', '_source_row_number', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        {{ dbt.concat([
            "cast(_source_file as " ~ dbt.type_string() ~ ")", "'#'",
            "cast(_source_row_number as " ~ dbt.type_string() ~ ")",
        ]) }} as commitment_id,
        cast(meeting_date as date) as meeting_date,
        cast(rep_id as {{ dbt.type_string() }}) as rep_id,
        cast(manager_rep_id as {{ dbt.type_string() }}) as manager_rep_id,
        cast(commitment as {{ dbt.type_string() }}) as commitment,
        lower(cast(metric as {{ dbt.type_string() }})) as metric,
        cast(target as {{ type_amount() }}) as target_value,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
