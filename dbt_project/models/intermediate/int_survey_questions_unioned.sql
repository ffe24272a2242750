{#- The canonical survey questions from every enabled source that has them: one row per survey and
    question, with its kind (enps, likert, text) and scale (eNPS 0-10 and Likert 1-5 unless the
    source says otherwise): Typeform forms and survey exports. -#}
{%- set sources = enabled_of(['typeform', 'files']) -%}
with

{% if 'typeform' in sources -%}
typeform_questions_source as (
    select * from {{ ref('stg_typeform__survey_questions') }}
),

typeform_questions as (
    select
        {{ source_id('typeform', 'survey_id') }} as survey_id,
        question_id,
        question_kind,
        scale_min,
        scale_max,
        question_text,
        'typeform' as source_system
    from typeform_questions_source
),
{%- endif %}

{% if 'files' in sources -%}
files_questions_source as (
    select * from {{ ref('stg_files__survey_questions') }}
),

files_questions as (
    select
        {{ source_id('files', 'survey_id') }} as survey_id,
        question_id,
        question_kind,
        scale_min,
        scale_max,
        question_text,
        'files' as source_system
    from files_questions_source
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'questions'), [
        ['survey_id', 'string'], ['question_id', 'string'], ['question_kind', 'string'],
        ['scale_min', 'integer'], ['scale_max', 'integer'], ['question_text', 'string'],
        ['source_system', 'string'],
    ]) }}
),

final as (
    select
        survey_id,
        question_id,
        question_kind,
        question_text,
        source_system,
        coalesce(scale_min, case question_kind when 'enps' then 0 when 'likert' then 1 end) as scale_min,
        coalesce(scale_max, case question_kind when 'enps' then 10 when 'likert' then 5 end) as scale_max
    from unioned
)

select * from final
