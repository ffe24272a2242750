{%- set first_name = optional_source_column('raw_files', 'reps', 'first_name') -%}
{%- set last_name = optional_source_column('raw_files', 'reps', 'last_name') -%}
{#- A rep a later full export no longer holds (_deleted_at set) is kept, no longer active: their
    records stay theirs. -#}
{%- set deleted_at = optional_source_column('raw_files', 'reps', '_deleted_at', dbt.type_timestamp()) -%}
with

source as (
    {{ source_or_empty('raw_files', 'reps', [
        'rep_id', 'name', 'email', 'team_id', 'manager_rep_id', 'role', 'start_date', 'end_date',
        'is_active', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(rep_id as {{ dbt.type_string() }}) as rep_id,
        coalesce(
            cast(name as {{ dbt.type_string() }}),
            -- Exports that split the name carry it as the extras first_name and last_name.
            nullif(
                trim({{ dbt.concat(["coalesce(" ~ first_name ~ ", '')", "' '", "coalesce(" ~ last_name ~ ", '')"]) }}),
                ''
            )
        ) as rep_name,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        cast(manager_rep_id as {{ dbt.type_string() }}) as manager_rep_id,
        lower(cast(role as {{ dbt.type_string() }})) as rep_role,
        cast(start_date as date) as start_date,
        coalesce(cast(end_date as date), {{ to_reporting_date(to_utc_timestamp(deleted_at)) }}) as end_date,
        case
            when {{ deleted_at }} is not null then false
            else cast(is_active as boolean)
        end as is_active,
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
