{#- One row per survey wave and team: the people invited (the team's headcount on the day the wave
    opened, i.e. its first answer) and the responses received. Teams the survey goes to that
    sent no response are here too, with 0 responses. -#}
with

answers as (
    select * from {{ ref('int_survey_answers_checked') }}
),

reps as (
    select * from {{ ref('int_reps_unioned') }}
),

waves as (
    select
        survey_id,
        wave,
        source_system,
        min(submitted_date) as opened_date
    from answers
    group by survey_id, wave, source_system
),

survey_teams as (
    -- The teams a survey goes to: every team that ever answered it, and every team of the
    -- survey's own source (Typeform's hidden field carries HubSpot team ids).
    select distinct
        answers.survey_id,
        answers.team_id
    from answers
    where answers.team_id is not null
    union
    select distinct
        waves.survey_id,
        reps.team_id
    from waves
    inner join reps
        on waves.source_system = reps.source_system
    where reps.team_id is not null
),

headcounts as (
    select
        waves.survey_id,
        waves.wave,
        survey_teams.team_id,
        count(*) as invited
    from waves
    inner join survey_teams
        on waves.survey_id = survey_teams.survey_id
    inner join reps
        on
            survey_teams.team_id = reps.team_id
            and (reps.start_date is null or waves.opened_date >= reps.start_date)
            and (reps.end_date is null or waves.opened_date <= reps.end_date)
    group by waves.survey_id, waves.wave, survey_teams.team_id
),

responses as (
    select
        survey_id,
        wave,
        team_id,
        count(distinct response_id) as responses
    from answers
    where is_valid
    group by survey_id, wave, team_id
),

team_waves as (
    select
        survey_id,
        wave,
        team_id
    from headcounts
    union
    select
        survey_id,
        wave,
        team_id
    from responses
),

final as (
    select
        team_waves.survey_id,
        team_waves.wave,
        team_waves.team_id,
        waves.opened_date,
        cast(coalesce(headcounts.invited, 0) as bigint) as invited,
        cast(coalesce(responses.responses, 0) as bigint) as responses
    from team_waves
    inner join waves
        on
            team_waves.survey_id = waves.survey_id
            and team_waves.wave = waves.wave
    left join headcounts
        on
            team_waves.survey_id = headcounts.survey_id
            and team_waves.wave = headcounts.wave
            and team_waves.team_id = headcounts.team_id
    left join responses
        on
            team_waves.survey_id = responses.survey_id
            and team_waves.wave = responses.wave
            and team_waves.team_id = responses.team_id
)

select * from final
