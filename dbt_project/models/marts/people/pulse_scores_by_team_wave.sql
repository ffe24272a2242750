{#- Pulse scores per team, wave and Likert question: responses, response rate, mean score and
    favourable share (answers of 4 or 5 on the 1-5 scale). Every answer-derived figure of a
    group with fewer responses than var anonymity_threshold is NULL and is_suppressed is set. -#}
{%- set threshold = var('anonymity_threshold') | int -%}
with

answers as (
    select * from {{ ref('int_survey_answers_checked') }}
),

questions as (
    select * from {{ ref('int_survey_questions_unioned') }}
),

team_waves as (
    select * from {{ ref('int_survey_team_waves') }}
),

teams as (
    select * from {{ ref('dim_teams') }}
),

likert_questions as (
    select * from questions
    where question_kind = 'likert'
),

scores as (
    select
        survey_id,
        wave,
        team_id,
        question_id,
        count(*) as responses,
        avg(answer_value) as mean_score,
        count(case when answer_value >= 4 then 1 end) as favourable_answers
    from answers
    where is_valid and question_kind = 'likert'
    group by survey_id, wave, team_id, question_id
),

assembled as (
    select
        team_waves.survey_id,
        team_waves.wave,
        team_waves.opened_date,
        team_waves.team_id,
        likert_questions.question_id,
        likert_questions.question_text,
        team_waves.invited,
        coalesce(scores.responses, 0) as responses,
        scores.mean_score,
        scores.favourable_answers,
        coalesce(scores.responses, 0) < {{ threshold }} as is_suppressed
    from team_waves
    inner join likert_questions
        on team_waves.survey_id = likert_questions.survey_id
    left join scores
        on
            team_waves.survey_id = scores.survey_id
            and team_waves.wave = scores.wave
            and team_waves.team_id = scores.team_id
            and likert_questions.question_id = scores.question_id
),

final as (
    select
        assembled.survey_id,
        assembled.wave,
        assembled.opened_date,
        assembled.team_id,
        coalesce(teams.team_name, assembled.team_id) as team_name,
        assembled.question_id,
        assembled.question_text,
        cast(assembled.invited as bigint) as invited,
        cast(assembled.responses as bigint) as responses,
        {{ safe_divide('assembled.responses', 'assembled.invited') }} as response_rate,
        cast(case when not assembled.is_suppressed then assembled.mean_score end as double precision) as mean_score,
        case
            when not assembled.is_suppressed
                then {{ safe_divide('assembled.favourable_answers', 'assembled.responses') }}
        end as favourable_share,
        assembled.is_suppressed
    from assembled
    left join teams
        on assembled.team_id = teams.team_id
)

select * from final
