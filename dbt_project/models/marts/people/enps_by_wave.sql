{#- eNPS of the whole company per survey wave, from the counts of every team (never an average of
    team eNPS values). Suppressed (figures and response count NULL, flagged) when the company has
    fewer responses than var anonymity_threshold, and also when the teams suppressed in
    enps_by_team_wave hold between 1 and threshold - 1 responses together: the company figure
    minus the teams shown would then reveal a group smaller than the threshold. -#}
{%- set threshold = var('anonymity_threshold') | int -%}
with

answers as (
    select * from {{ ref('int_survey_answers_checked') }}
),

team_figures as (
    select * from {{ ref('enps_by_team_wave') }}
),

counts as (
    select
        survey_id,
        wave,
        count(*) as responses,
        count(case when answer_class = 'promoter' then 1 end) as promoters,
        count(case when answer_class = 'passive' then 1 end) as passives,
        count(case when answer_class = 'detractor' then 1 end) as detractors
    from answers
    where is_valid and question_kind = 'enps'
    group by survey_id, wave
),

teams_summary as (
    select
        survey_id,
        wave,
        min(opened_date) as opened_date,
        sum(invited) as invited,
        count(*) as teams,
        count(case when is_suppressed then 1 end) as suppressed_teams,
        -- Suppressed teams show no response count: what the teams shown hold is all a reader has.
        sum(case when not is_suppressed then responses else 0 end) as shown_team_responses
    from team_figures
    group by survey_id, wave
),

assembled as (
    select
        teams_summary.survey_id,
        teams_summary.wave,
        teams_summary.opened_date,
        teams_summary.invited,
        teams_summary.teams,
        teams_summary.suppressed_teams,
        coalesce(counts.responses, 0) as responses,
        counts.promoters,
        counts.passives,
        counts.detractors,
        -- Company minus the teams shown: the responses of the suppressed teams together.
        coalesce(counts.responses, 0) < {{ threshold }}
        or (
            coalesce(counts.responses, 0) - teams_summary.shown_team_responses > 0
            and coalesce(counts.responses, 0) - teams_summary.shown_team_responses < {{ threshold }}
        ) as is_suppressed
    from teams_summary
    left join counts
        on
            teams_summary.survey_id = counts.survey_id
            and teams_summary.wave = counts.wave
),

final as (
    select
        survey_id,
        wave,
        opened_date,
        cast(teams as bigint) as teams,
        cast(suppressed_teams as bigint) as suppressed_teams,
        cast(invited as bigint) as invited,
        cast(case when not is_suppressed then responses end as bigint) as responses,
        case when not is_suppressed then {{ safe_divide('responses', 'invited') }} end as response_rate,
        cast(case when not is_suppressed then promoters end as bigint) as promoters,
        cast(case when not is_suppressed then passives end as bigint) as passives,
        cast(case when not is_suppressed then detractors end as bigint) as detractors,
        case
            when not is_suppressed then 100.0 * {{ safe_divide('promoters - detractors', 'responses') }}
        end as enps,
        is_suppressed
    from assembled
)

select * from final
