{#- eNPS per team and survey wave: invited (the team's headcount when the wave opened), responses,
    response rate, promoters, passives and detractors (the answer classes of
    int_survey_answers_checked) and eNPS = 100 x (promoters - detractors) ÷ responses. A team-wave
    with fewer responses than var anonymity_threshold shows neither its figures nor its response
    count (NULL) and is_suppressed is set; only the headcount invited stays. -#}
{%- set threshold = var('anonymity_threshold') | int -%}
with

answers as (
    select * from {{ ref('int_survey_answers_checked') }}
),

team_waves as (
    select * from {{ ref('int_survey_team_waves') }}
),

teams as (
    select * from {{ ref('dim_teams') }}
),

enps_surveys as (
    select distinct survey_id
    from answers
    where question_kind = 'enps'
),

counts as (
    select
        survey_id,
        wave,
        team_id,
        count(*) as responses,
        count(case when answer_class = 'promoter' then 1 end) as promoters,
        count(case when answer_class = 'passive' then 1 end) as passives,
        count(case when answer_class = 'detractor' then 1 end) as detractors
    from answers
    where is_valid and question_kind = 'enps'
    group by survey_id, wave, team_id
),

assembled as (
    select
        team_waves.survey_id,
        team_waves.wave,
        team_waves.opened_date,
        team_waves.team_id,
        team_waves.invited,
        coalesce(counts.responses, 0) as responses,
        counts.promoters,
        counts.passives,
        counts.detractors,
        coalesce(counts.responses, 0) < {{ threshold }} as is_suppressed
    from team_waves
    inner join enps_surveys
        on team_waves.survey_id = enps_surveys.survey_id
    left join counts
        on
            team_waves.survey_id = counts.survey_id
            and team_waves.wave = counts.wave
            and team_waves.team_id = counts.team_id
),

final as (
    select
        assembled.survey_id,
        assembled.wave,
        assembled.opened_date,
        assembled.team_id,
        coalesce(teams.team_name, assembled.team_id) as team_name,
        cast(assembled.invited as bigint) as invited,
        cast(case when not assembled.is_suppressed then assembled.responses end as bigint) as responses,
        case
            when not assembled.is_suppressed then {{ safe_divide('assembled.responses', 'assembled.invited') }}
        end as response_rate,
        cast(case when not assembled.is_suppressed then assembled.promoters end as bigint) as promoters,
        cast(case when not assembled.is_suppressed then assembled.passives end as bigint) as passives,
        cast(case when not assembled.is_suppressed then assembled.detractors end as bigint) as detractors,
        case
            when not assembled.is_suppressed
                then 100.0 * {{ safe_divide('assembled.promoters - assembled.detractors', 'assembled.responses') }}
        end as enps,
        assembled.is_suppressed
    from assembled
    left join teams
        on assembled.team_id = teams.team_id
)

select * from final
