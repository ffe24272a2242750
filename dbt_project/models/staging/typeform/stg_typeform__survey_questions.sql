{#- Typeform questions as survey questions: nps -> enps, opinion_scale / rating -> likert, free
    text -> text. Other field types carry no score and are left out. -#}
with

source as (
    select * from {{ source('raw_typeform', 'form_fields') }}
),

renamed as (
    select
        cast(form_id as {{ dbt.type_string() }}) as survey_id,
        cast(field_id as {{ dbt.type_string() }}) as question_id,
        case
            when type = 'nps' then 'enps'
            when type in ('opinion_scale', 'rating') then 'likert'
            when type in ('long_text', 'short_text') then 'text'
        end as question_kind,
        cast(scale_min as integer) as scale_min,
        cast(scale_max as integer) as scale_max,
        title as question_text
    from source
),

final as (
    select * from renamed
    where question_kind is not null
)

select * from final
