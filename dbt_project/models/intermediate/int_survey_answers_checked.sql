{#- Every survey answer with the verdict on it: a scale answer (eNPS 0-10, Likert 1-5) must be a
    whole number inside its question's scale, and every answer must belong to a known question.
    Rejected answers carry the reason and never count (DESIGN.md section 4); they are listed in
    int_survey_answers_quarantined. -#}
with

answers as (
    select * from {{ ref('int_survey_answers_unioned') }}
),

questions as (
    select * from {{ ref('int_survey_questions_unioned') }}
),

checked as (
    select
        answers.response_id,
        answers.survey_id,
        answers.wave,
        answers.team_id,
        answers.submitted_at,
        answers.submitted_date,
        answers.question_id,
        questions.question_kind,
        questions.scale_min,
        questions.scale_max,
        answers.answer_value,
        answers.answer_text,
        answers.source_system,
        case
            when questions.question_id is null then 'unknown question'
            when answers.wave is null then 'no wave'
            when answers.team_id is null then 'no team'
            when questions.question_kind not in ('enps', 'likert') then null
            when answers.answer_value is null then 'no value for a scale question'
            when answers.answer_value != floor(answers.answer_value) then 'not a whole number'
            when answers.answer_value < questions.scale_min or answers.answer_value > questions.scale_max
                then {{ dbt.concat([
                    "'outside the scale '",
                    dbt.cast("questions.scale_min", dbt.type_string()),
                    "'-'",
                    dbt.cast("questions.scale_max", dbt.type_string()),
                ]) }}
        end as rejection_reason
    from answers
    left join questions
        on
            answers.survey_id = questions.survey_id
            and answers.question_id = questions.question_id
),

final as (
    select
        *,
        rejection_reason is null as is_valid
    from checked
)

select * from final
