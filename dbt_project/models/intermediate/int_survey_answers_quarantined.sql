{#- The survey answers rejected by int_survey_answers_checked, with the reason: the quarantine of
    the survey data. Individual answers: never published. -#}
with

checked as (
    select * from {{ ref('int_survey_answers_checked') }}
),

final as (
    select
        response_id,
        survey_id,
        wave,
        team_id,
        submitted_at,
        question_id,
        question_kind,
        answer_value,
        rejection_reason,
        source_system
    from checked
    where not is_valid
)

select * from final
