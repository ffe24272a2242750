{#- Records a later full export no longer holds (_deleted_at set, a soft delete) are left out. -#}
{%- set deleted_at = optional_source_column('raw_files', 'survey_responses', '_deleted_at', dbt.type_timestamp()) -%}
with

source as (
    {{ source_or_empty('raw_files', 'survey_responses', [
        'response_id', 'survey_id', 'wave', 'team_id', 'submitted_at', 'question_id', 'value',
        'text', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(response_id as {{ dbt.type_string() }}) as response_id,
        cast(survey_id as {{ dbt.type_string() }}) as survey_id,
        cast(wave as {{ dbt.type_string() }}) as wave,
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        {{ to_utc_timestamp('submitted_at') }} as submitted_at,
        cast(question_id as {{ dbt.type_string() }}) as question_id,
        cast(value as double precision) as answer_value,
        cast(text as {{ dbt.type_string() }}) as answer_text,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
    where {{ deleted_at }} is null
),

final as (
    select * from renamed
)

select * from final
