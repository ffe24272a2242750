{#- Team engagement beside team sales performance: one row per team and survey wave (pulse and
    eNPS), with the team's engagement in that wave (pulse: favourable share and score index of
    all its Likert answers, and their mean when they share one scale; eNPS: the eNPS, all from the
    answer classes of int_survey_answers_checked) and its sales over the three full calendar
    months before the wave opened (bookings, quota and attainment, win rate). A team-wave with
    fewer respondents than var anonymity_threshold shows neither its engagement figures nor its
    respondent count (NULL) and is_suppressed is set. -#}
{%- set threshold = var('anonymity_threshold') | int -%}
{%- set one_scale = 'min(likert_scale_min) = max(likert_scale_min)'
    ~ ' and min(likert_scale_max) = max(likert_scale_max)' -%}
with

answers as (
    select * from {{ ref('int_survey_answers_checked') }}
),

team_waves as (
    select * from {{ ref('int_survey_team_waves') }}
),

team_performance as (
    select * from {{ ref('team_performance') }}
),

teams as (
    select * from {{ ref('dim_teams') }}
),

survey_kinds as (
    select
        survey_id,
        case when count(case when question_kind = 'enps' then 1 end) > 0 then 'enps' else 'pulse' end
            as survey_kind
    from answers
    where question_kind in ('enps', 'likert')
    group by survey_id
),

valid_answers as (
    select
        survey_id,
        wave,
        team_id,
        response_id,
        question_kind,
        answer_value,
        answer_class,
        scale_position,
        case when question_kind = 'likert' then scale_min end as likert_scale_min,
        case when question_kind = 'likert' then scale_max end as likert_scale_max
    from answers
    where is_valid and question_kind in ('enps', 'likert')
),

engagement as (
    select
        survey_id,
        wave,
        team_id,
        count(distinct response_id) as respondents,
        -- A mean of raw answers only when every Likert answer of the group is on one scale;
        -- answers of different scales meet only through their position in their own scale.
        case when {{ one_scale }} then avg(case when question_kind = 'likert' then answer_value end) end
            as pulse_mean_score,
        case when {{ one_scale }} then min(likert_scale_min) end as pulse_scale_min,
        case when {{ one_scale }} then min(likert_scale_max) end as pulse_scale_max,
        avg(case when question_kind = 'likert' then 100.0 * scale_position end) as pulse_score_index,
        {{ safe_divide(
            "count(case when answer_class = 'favourable' then 1 end)",
            "count(case when question_kind = 'likert' then 1 end)",
        ) }} as pulse_favourable_share,
        100.0 * {{ safe_divide(
            "count(case when answer_class = 'promoter' then 1 end)"
            ~ " - count(case when answer_class = 'detractor' then 1 end)",
            "count(case when question_kind = 'enps' then 1 end)",
        ) }} as enps
    from valid_answers
    group by survey_id, wave, team_id
),

waves as (
    select
        team_waves.*,
        survey_kinds.survey_kind,
        cast({{ dbt.dateadd('month', -3, dbt.date_trunc('month', 'team_waves.opened_date')) }} as date)
            as performance_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.date_trunc('month', 'team_waves.opened_date')) }} as date)
            as performance_end_date
    from team_waves
    inner join survey_kinds
        on team_waves.survey_id = survey_kinds.survey_id
),

trailing_performance as (
    select
        waves.survey_id,
        waves.wave,
        waves.team_id,
        sum(team_performance.bookings) as bookings,
        case when count(team_performance.quota) = 3 then sum(team_performance.quota) end as quota,
        sum(team_performance.won_deals) as won_deals,
        sum(team_performance.lost_deals) as lost_deals
    from waves
    inner join team_performance
        on
            waves.team_id = team_performance.team_id
            and team_performance.period_grain = 'month'
            and waves.performance_start_date <= team_performance.period_start_date
            and waves.performance_end_date >= team_performance.period_start_date
    group by waves.survey_id, waves.wave, waves.team_id
),

final as (
    select
        waves.survey_id,
        waves.survey_kind,
        waves.wave,
        waves.opened_date,
        waves.team_id,
        coalesce(teams.team_name, waves.team_id) as team_name,
        cast(waves.invited as bigint) as invited,
        cast(
            case when coalesce(engagement.respondents, 0) >= {{ threshold }} then engagement.respondents end
            as bigint
        ) as respondents,
        case
            when coalesce(engagement.respondents, 0) >= {{ threshold }}
                then {{ safe_divide('engagement.respondents', 'waves.invited') }}
        end as response_rate,
        coalesce(engagement.respondents, 0) < {{ threshold }} as is_suppressed,
        cast(
            case when coalesce(engagement.respondents, 0) >= {{ threshold }} then engagement.pulse_mean_score end
            as double precision
        ) as pulse_mean_score,
        cast(
            case when coalesce(engagement.respondents, 0) >= {{ threshold }} then engagement.pulse_scale_min end
            as integer
        ) as pulse_scale_min,
        cast(
            case when coalesce(engagement.respondents, 0) >= {{ threshold }} then engagement.pulse_scale_max end
            as integer
        ) as pulse_scale_max,
        cast(
            case when coalesce(engagement.respondents, 0) >= {{ threshold }} then engagement.pulse_score_index end
            as double precision
        ) as pulse_score_index,
        case
            when coalesce(engagement.respondents, 0) >= {{ threshold }} then engagement.pulse_favourable_share
        end as pulse_favourable_share,
        case when coalesce(engagement.respondents, 0) >= {{ threshold }} then engagement.enps end as enps,
        waves.performance_start_date,
        waves.performance_end_date,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(coalesce(trailing_performance.bookings, 0) as {{ type_money() }}) as trailing_bookings,
        cast(trailing_performance.quota as {{ type_money() }}) as trailing_quota,
        {{ safe_divide('coalesce(trailing_performance.bookings, 0)', 'trailing_performance.quota') }}
            as trailing_quota_attainment,
        {{ safe_divide(
            'trailing_performance.won_deals',
            'trailing_performance.won_deals + trailing_performance.lost_deals',
        ) }} as trailing_win_rate
    from waves
    left join engagement
        on
            waves.survey_id = engagement.survey_id
            and waves.wave = engagement.wave
            and waves.team_id = engagement.team_id
    left join trailing_performance
        on
            waves.survey_id = trailing_performance.survey_id
            and waves.wave = trailing_performance.wave
            and waves.team_id = trailing_performance.team_id
    left join teams
        on waves.team_id = teams.team_id
)

select * from final
