{#- Survey answer counts at the finest grain the anonymity threshold allows, for the semantic
    layer: one row per survey, wave, question unit and group, where the unit is all the eNPS
    answers of the survey (question_id NULL, as enps_by_team_wave counts them) or one Likert
    question (as pulse_scores_by_team_wave), and the group is a team, or the suppressed teams of
    the unit together (is_pooled, team_id NULL).

    Only counts a published mart already shows, or that the published marts let anyone derive,
    are here: a team's counts when it has at least var anonymity_threshold answers (else NULL, as
    in the marts); the suppressed teams' together (the company minus the teams shown, which
    enps_by_wave shows) when they hold none or at least the threshold, else NULL. So no
    grouping of these rows, by any tool, can show a group smaller than the threshold.

    withheld_groups tells a grouping whether its sum is whole: 1 on a suppressed team's row,
    minus the number of suppressed teams on a pooled row whose counts are shown (they are all in
    it), 0 otherwise. A grouping whose rows add up to more than 0 holds answers whose counts are
    withheld: its figures are suppressed (the semantic layer's survey metrics are NULL). -#}
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

survey_units as (
    -- eNPS surveys: one unit for all their eNPS answers; pulse surveys: one per Likert question.
    select distinct
        survey_id,
        'enps' as question_kind,
        cast(null as {{ dbt.type_string() }}) as question_id,
        0 as scale_min,
        10 as scale_max
    from questions
    where question_kind = 'enps'
    union all
    select
        survey_id,
        'likert' as question_kind,
        question_id,
        scale_min,
        scale_max
    from questions
    where question_kind = 'likert'
),

counts as (
    select
        survey_id,
        wave,
        team_id,
        question_kind,
        case when question_kind = 'likert' then question_id end as question_id,
        count(*) as responses,
        count(case when answer_class = 'promoter' then 1 end) as promoters,
        count(case when answer_class = 'passive' then 1 end) as passives,
        count(case when answer_class = 'detractor' then 1 end) as detractors,
        count(case when answer_class = 'favourable' then 1 end) as favourable_answers,
        count(case when answer_class = 'neutral' then 1 end) as neutral_answers,
        count(case when answer_class = 'unfavourable' then 1 end) as unfavourable_answers
    from answers
    where is_valid and question_kind in ('enps', 'likert')
    group by
        survey_id,
        wave,
        team_id,
        question_kind,
        case when question_kind = 'likert' then question_id end
),

team_cells as (
    select
        team_waves.survey_id,
        team_waves.wave,
        team_waves.opened_date,
        team_waves.team_id,
        survey_units.question_kind,
        survey_units.question_id,
        survey_units.scale_min,
        survey_units.scale_max,
        team_waves.invited,
        coalesce(counts.responses, 0) as responses,
        coalesce(counts.promoters, 0) as promoters,
        coalesce(counts.passives, 0) as passives,
        coalesce(counts.detractors, 0) as detractors,
        coalesce(counts.favourable_answers, 0) as favourable_answers,
        coalesce(counts.neutral_answers, 0) as neutral_answers,
        coalesce(counts.unfavourable_answers, 0) as unfavourable_answers,
        coalesce(counts.responses, 0) < {{ threshold }} as is_suppressed
    from team_waves
    inner join survey_units
        on team_waves.survey_id = survey_units.survey_id
    left join counts
        on
            team_waves.survey_id = counts.survey_id
            and team_waves.wave = counts.wave
            and team_waves.team_id = counts.team_id
            and survey_units.question_kind = counts.question_kind
            and coalesce(survey_units.question_id, '') = coalesce(counts.question_id, '')
),

pools as (
    -- The suppressed teams of each unit together: shown when they hold none or at least the
    -- threshold (what the company figure minus the teams shown reveals anyway).
    select
        survey_id,
        wave,
        question_kind,
        question_id,
        min(opened_date) as opened_date,
        min(scale_min) as scale_min,
        min(scale_max) as scale_max,
        count(*) as suppressed_teams,
        sum(responses) as responses,
        sum(promoters) as promoters,
        sum(passives) as passives,
        sum(detractors) as detractors,
        sum(favourable_answers) as favourable_answers,
        sum(neutral_answers) as neutral_answers,
        sum(unfavourable_answers) as unfavourable_answers
    from team_cells
    where is_suppressed
    group by survey_id, wave, question_kind, question_id
),

cells as (
    select
        survey_id,
        wave,
        opened_date,
        team_id,
        false as is_pooled,
        question_kind,
        question_id,
        scale_min,
        scale_max,
        invited,
        responses,
        promoters,
        passives,
        detractors,
        favourable_answers,
        neutral_answers,
        unfavourable_answers,
        is_suppressed,
        case when is_suppressed then 1 else 0 end as withheld_groups
    from team_cells
    union all
    select
        survey_id,
        wave,
        opened_date,
        cast(null as {{ dbt.type_string() }}) as team_id,
        true as is_pooled,
        question_kind,
        question_id,
        scale_min,
        scale_max,
        -- The teams' headcounts are on their own rows: counting them here too would double them.
        0 as invited,
        responses,
        promoters,
        passives,
        detractors,
        favourable_answers,
        neutral_answers,
        unfavourable_answers,
        responses > 0 and responses < {{ threshold }} as is_suppressed,
        case when responses > 0 and responses < {{ threshold }} then 0 else -suppressed_teams end
            as withheld_groups
    from pools
),

final as (
    select
        {{ dbt.concat([
            "survey_id", "'|'", "wave", "'|'", "coalesce(team_id, '(suppressed teams)')", "'|'",
            "question_kind", "'|'", "coalesce(question_id, '')",
        ]) }} as survey_answer_count_id,
        survey_id,
        wave,
        opened_date,
        team_id,
        is_pooled,
        question_kind,
        question_id,
        cast(scale_min as integer) as scale_min,
        cast(scale_max as integer) as scale_max,
        cast(invited as bigint) as invited,
        cast(case when not is_suppressed then responses end as bigint) as responses,
        cast(case when not is_suppressed then promoters end as bigint) as promoters,
        cast(case when not is_suppressed then passives end as bigint) as passives,
        cast(case when not is_suppressed then detractors end as bigint) as detractors,
        cast(case when not is_suppressed then favourable_answers end as bigint) as favourable_answers,
        cast(case when not is_suppressed then neutral_answers end as bigint) as neutral_answers,
        cast(case when not is_suppressed then unfavourable_answers end as bigint) as unfavourable_answers,
        is_suppressed,
        cast(withheld_groups as integer) as withheld_groups
    from cells
)

select * from final
