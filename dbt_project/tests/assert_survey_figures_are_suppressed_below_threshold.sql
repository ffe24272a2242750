{{ config(meta={'dagster': {'ref': {'name': 'enps_by_team_wave'}}}) }}
{#- Anonymity: no people mart shows an answer-derived figure or a response count of a group with
    fewer responses than var anonymity_threshold, and every such group is flagged: a row shown
    has at least threshold responses, a suppressed row shows neither figures nor counts. -#}
{%- set threshold = var('anonymity_threshold') | int -%}
with

enps_teams as (
    select
        'enps_by_team_wave' as mart,
        survey_id,
        wave,
        team_id,
        responses,
        is_suppressed,
        promoters is not null or passives is not null or detractors is not null or enps is not null
        or response_rate is not null as shows_figures
    from {{ ref('enps_by_team_wave') }}
),

enps_company as (
    select
        'enps_by_wave' as mart,
        survey_id,
        wave,
        cast(null as {{ dbt.type_string() }}) as team_id,
        responses,
        is_suppressed,
        promoters is not null or passives is not null or detractors is not null or enps is not null
        or response_rate is not null as shows_figures
    from {{ ref('enps_by_wave') }}
),

pulse as (
    select
        'pulse_scores_by_team_wave' as mart,
        survey_id,
        wave,
        team_id,
        responses,
        is_suppressed,
        mean_score is not null or mean_score_index is not null or favourable_share is not null
        or response_rate is not null as shows_figures
    from {{ ref('pulse_scores_by_team_wave') }}
),

engagement as (
    select
        'team_engagement_vs_performance' as mart,
        survey_id,
        wave,
        team_id,
        respondents as responses,
        is_suppressed,
        pulse_mean_score is not null or pulse_score_index is not null or pulse_favourable_share is not null
        or enps is not null or response_rate is not null as shows_figures
    from {{ ref('team_engagement_vs_performance') }}
),

all_groups as (
    select * from enps_teams
    union all
    select * from enps_company
    union all
    select * from pulse
    union all
    select * from engagement
),

final as (
    select * from all_groups
    where
        (not is_suppressed and (responses is null or responses < {{ threshold }}))
        or (is_suppressed and (shows_figures or responses is not null))
)

select * from final
