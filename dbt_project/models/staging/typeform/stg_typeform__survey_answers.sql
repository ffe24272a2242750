{#- One row per answer, with the hidden fields that say which team and wave it belongs to. -#}
with

source as (
    select * from {{ source('raw_typeform', 'answers') }}
),

renamed as (
    select
        cast(response_id as {{ dbt.type_string() }}) as response_id,
        cast(form_id as {{ dbt.type_string() }}) as survey_id,
        wave,
        cast(team as {{ dbt.type_string() }}) as team_id,
        {{ to_utc_timestamp('submitted_at') }} as submitted_at,
        cast(field_id as {{ dbt.type_string() }}) as question_id,
        cast(number as double precision) as answer_value,
        text as answer_text
    from source
),

final as (
    select * from renamed
)

select * from final
