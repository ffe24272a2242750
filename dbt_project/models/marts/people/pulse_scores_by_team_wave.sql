{#- Pulse scores per team, wave and Likert question, each on the question's own scale (scale_min,
    scale_max): responses, response rate, mean score, mean score index (the mean's position in
    the scale, 0-100, comparable across scales) and favourable share (answers above the scale's
    midpoint: the answer classes of int_survey_answers_checked). A group with fewer responses than
    var anonymity_threshold shows neither its figures nor its response count (NULL) and
    is_suppressed is set; only the headcount invited stays. -#}
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
        avg(100.0 * scale_position) as mean_score_index,
        count(case when answer_class = 'favourable' then 1 end) as favourable_answers
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
        likert_questions.scale_min,
        likert_questions.scale_max,
        team_waves.invited,
        coalesce(scores.responses, 0) as responses,
        scores.mean_score,
        scores.mean_score_index,
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
        cast(assembled.scale_min as integer) as scale_min,
        cast(assembled.scale_max as integer) as scale_max,
        cast(assembled.invited as bigint) as invited,
        cast(case when not assembled.is_suppressed then assembled.responses end as bigint) as responses,
        case
            when not assembled.is_suppressed then {{ safe_divide('assembled.responses', 'assembled.invited') }}
        end as response_rate,
        cast(case when not assembled.is_suppressed then assembled.mean_score end as double precision) as mean_score,
        cast(
            case when not assembled.is_suppressed then assembled.mean_score_index end as double precision
        ) as mean_score_index,
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
