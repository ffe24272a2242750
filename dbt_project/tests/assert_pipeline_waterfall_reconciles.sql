{{ config(meta={'dagster': {'ref': {'name': 'pipeline_waterfall'}}}) }}
{#- On every row of the waterfall, opening pipeline + every movement = closing pipeline, to the
    cent. A row returned is a period whose movements do not explain how its pipeline changed. -#}
with

waterfall as (
    select * from {{ ref('pipeline_waterfall') }}
),

final as (
    select
        waterfall_level,
        rep_id,
        team_id,
        period_grain,
        period_start_date,
        opening_pipeline,
        closing_pipeline,
        opening_pipeline + created + reopened + increased + decreased + pulled_in + pushed_out
        + won + lost + transferred_in + transferred_out as opening_plus_movements
    from waterfall
)

select * from final
where opening_plus_movements != closing_pipeline
