{#- The canonical survey answers from every enabled source that has them: one row per response and
    question, with the respondent's team and the wave. Individual answers: never published. -#}
{%- set sources = enabled_of(['typeform', 'files']) -%}
with

{% if 'typeform' in sources -%}
typeform_answers_source as (
    select * from {{ ref('stg_typeform__survey_answers') }}
),

typeform_answers as (
    select
        {{ source_id('typeform', 'response_id') }} as response_id,
        {{ source_id('typeform', 'survey_id') }} as survey_id,
        wave,
        {{ source_id('typeform', 'team_id') }} as team_id,
        submitted_at,
        question_id,
        answer_value,
        answer_text,
        'typeform' as source_system
    from typeform_answers_source
),
{%- endif %}

{% if 'files' in sources -%}
files_answers_source as (
    select * from {{ ref('stg_files__survey_responses') }}
),

files_answers as (
    select
        {{ source_id('files', 'response_id') }} as response_id,
        {{ source_id('files', 'survey_id') }} as survey_id,
        wave,
        {{ source_id('files', 'team_id') }} as team_id,
        submitted_at,
        question_id,
        answer_value,
        answer_text,
        'files' as source_system
    from files_answers_source
),
{%- endif %}

unioned as (
    {{ union_sources(source_ctes(sources, 'answers'), [
        ['response_id', 'string'], ['survey_id', 'string'], ['wave', 'string'], ['team_id', 'string'],
        ['submitted_at', 'timestamp'], ['question_id', 'string'], ['answer_value', 'double precision'],
        ['answer_text', 'string'], ['source_system', 'string'],
    ]) }}
),

final as (
    select
        *,
        {{ to_reporting_date('submitted_at') }} as submitted_date
    from unioned
)

select * from final
