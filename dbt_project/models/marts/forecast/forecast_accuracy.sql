{{ config(tags=['forecast'], schema='forecast') }}
{#- How good each method was on each series in the backtest: WAPE, MASE and interval coverage
    (definitions in docs/forecasting.md), and which method was chosen. -#}
with

accuracy as (
    select * from {{ ref('stg_forecast__accuracy') }}
),

final as (
    select
        series_id,
        method,
        is_chosen,
        flag,
        history_months,
        backtest_origins,
        backtest_points,
        wape,
        mase,
        coverage_80,
        coverage_95,
        forecast_run_id
    from accuracy
)

select * from final
