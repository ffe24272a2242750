{#- Team engagement beside team sales performance: one row per team and survey wave (pulse and
    eNPS), with the team's engagement in that wave (pulse: mean and favourable share of all its
    Likert answers; eNPS: the eNPS) and its sales over the three full calendar months before the
    wave opened (bookings, quota and attainment, win rate). Engagement figures of a team-wave
    with fewer respondents than var anonymity_threshold are NULL and is_suppressed is set. -#}
{%- set threshold = var('anonymity_threshold') | int -%}
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

engagement as (
    select
        survey_id,
        wave,
        team_id,
        count(distinct response_id) as respondents,
        avg(case when question_kind = 'likert' then answer_value end) as pulse_mean_score,
        {{ safe_divide(
            "count(case when question_kind = 'likert' and answer_value >= 4 then 1 end)",
            "count(case when question_kind = 'likert' then 1 end)",
        ) }} as pulse_favourable_share,
        100.0 * {{ safe_divide(
            "count(case when question_kind = 'enps' and answer_value >= 9 then 1 end)"
            ~ " - count(case when question_kind = 'enps' and answer_value < 7 then 1 end)",
            "count(case when question_kind = 'enps' then 1 end)",
        ) }} as enps
    from answers
    where is_valid and question_kind in ('enps', 'likert')
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
        cast(coalesce(engagement.respondents, 0) as bigint) as respondents,
        {{ safe_divide('coalesce(engagement.respondents, 0)', 'waves.invited') }} as response_rate,
        coalesce(engagement.respondents, 0) < {{ threshold }} as is_suppressed,
        cast(
            case when coalesce(engagement.respondents, 0) >= {{ threshold }} then engagement.pulse_mean_score end
            as double precision
        ) as pulse_mean_score,
        case
            when coalesce(engagement.respondents, 0) >= {{ threshold }} then engagement.pulse_favourable_share
        end as pulse_favourable_share,
        case when coalesce(engagement.respondents, 0) >= {{ threshold }} then engagement.enps end as enps,
        waves.performance_start_date,
        waves.performance_end_date,
        '{{ var("reporting_currency") | upper }}' as reporting_currency,
        cast(coalesce(trailing_performance.bookings, 0) as decimal(18, 2)) as trailing_bookings,
        cast(trailing_performance.quota as decimal(18, 2)) as trailing_quota,
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
