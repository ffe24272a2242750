{#- Records a later full export no longer holds (_deleted_at set, a soft delete) are left out. -#}
{%- set deleted_at = optional_source_column('raw_files', 'survey_questions', '_deleted_at', dbt.type_timestamp()) -%}
with

source as (
    {{ source_or_empty('raw_files', 'survey_questions', [
        'survey_id', 'question_id', 'kind', 'scale_min', 'scale_max', 'text', '_dlt_load_id'
    ]) }}
),

renamed as (
    select
        cast(survey_id as {{ dbt.type_string() }}) as survey_id,
        cast(question_id as {{ dbt.type_string() }}) as question_id,
        lower(cast(kind as {{ dbt.type_string() }})) as question_kind,
        cast(scale_min as integer) as scale_min,
        cast(scale_max as integer) as scale_max,
        cast(text as {{ dbt.type_string() }}) as question_text,
        {{ dlt_load_id_to_timestamp('_dlt_load_id') }} as loaded_at
    from source
    where {{ deleted_at }} is null
),

final as (
    select * from renamed
)

select * from final
