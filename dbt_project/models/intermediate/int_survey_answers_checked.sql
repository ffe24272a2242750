{#- Every survey answer with the verdict on it, and its class, computed here once for every people
    mart. A scale answer (eNPS 0-10, Likert on its question's scale) must be a whole number inside
    its question's scale, an eNPS question must be on the 0-10 scale, and every answer must belong
    to a known question. Rejected answers carry the reason and never count (docs/metrics.md);
    they are listed in int_survey_answers_quarantined.

    Classes of the valid scale answers (docs/metrics.md, "Survey answer classes"):
    - eNPS: promoter (9-10), passive (7-8), detractor (0-6);
    - Likert, on any scale: favourable above the scale's midpoint, neutral on it (odd scales only),
      unfavourable below it: 4-5 of 1-5, 5-7 of 1-7, 6-10 of 0-10 are favourable.
    scale_position puts an answer on 0-1 within its own scale ((value - min) / (max - min)), so
    that answers of different scales are only ever compared through it, never averaged raw. -#}
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
            when questions.question_kind = 'enps' and (questions.scale_min != 0 or questions.scale_max != 10)
                then 'an eNPS question must be on the 0-10 scale'
            when questions.scale_max <= questions.scale_min then 'the question has no valid scale'
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

classified as (
    select
        *,
        rejection_reason is null as is_valid,
        case
            when rejection_reason is not null then null
            when question_kind = 'enps' and answer_value >= 9 then 'promoter'
            when question_kind = 'enps' and answer_value >= 7 then 'passive'
            when question_kind = 'enps' then 'detractor'
            -- Twice the answer against the sum of the bounds: the midpoint without fractions.
            when question_kind = 'likert' and 2 * answer_value > scale_min + scale_max then 'favourable'
            when question_kind = 'likert' and 2 * answer_value = scale_min + scale_max then 'neutral'
            when question_kind = 'likert' then 'unfavourable'
        end as answer_class,
        case
            when rejection_reason is null and question_kind in ('enps', 'likert')
                then {{ safe_divide('answer_value - scale_min', 'scale_max - scale_min') }}
        end as scale_position
    from checked
),

final as (
    select * from classified
)

select * from final
