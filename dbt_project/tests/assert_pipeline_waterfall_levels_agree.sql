{{ config(meta={'dagster': {'ref': {'name': 'pipeline_waterfall'}}}) }}
{#- For every period: Σ rep rows = Σ team rows = the company row, for the opening and closing
    pipeline and every movement but transfers (a hand-over within a team moves nothing for the
    team, and nothing for the company). No deal lost or counted twice between levels. -#}
{%- set columns = [
    'opening_pipeline', 'created', 'reopened', 'increased', 'decreased', 'pulled_in',
    'pushed_out', 'won', 'lost', 'closing_pipeline',
] -%}
with

levels as (
    select
        waterfall_level,
        period_grain,
        period_start_date,
        {%- for column in columns %}
            sum({{ column }}) as {{ column }},
        {%- endfor %}
        sum(transferred_in + transferred_out) as net_transferred
    from {{ ref('pipeline_waterfall') }}
    group by waterfall_level, period_grain, period_start_date
),

company as (
    select * from levels
    where waterfall_level = 'company'
),

compared as (
    select
        member_levels.waterfall_level,
        member_levels.period_grain,
        member_levels.period_start_date
    from levels as member_levels
    left join company
        on
            member_levels.period_grain = company.period_grain
            and member_levels.period_start_date = company.period_start_date
    where
        member_levels.waterfall_level != 'company'
        and (
            company.period_grain is null
            or member_levels.net_transferred != 0
            {%- for column in columns %}
                or member_levels.{{ column }} != company.{{ column }}
            {%- endfor %}
        )
)

select * from compared
