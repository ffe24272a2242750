{{ config(tags=['forecast'], schema='forecast') }}
{#- Forecast against actual for every month already closed: the rolling-origin backtest, each
    origin forecasting the months after it with the history known then. -#}
with

backtests as (
    select * from {{ ref('stg_forecast__backtests') }}
),

final as (
    select
        series_id,
        method,
        origin_month_start_date,
        month_start_date,
        horizon_months,
        cast(actual_bookings as {{ type_money() }}) as actual_bookings,
        cast(forecast_bookings as {{ type_money() }}) as forecast_bookings,
        cast(forecast_bookings - actual_bookings as {{ type_money() }}) as forecast_error,
        cast(abs(forecast_bookings - actual_bookings) as {{ type_money() }}) as absolute_error,
        forecast_run_id,
        actual_bookings between lo_80 and hi_80 as is_within_80,
        actual_bookings between lo_95 and hi_95 as is_within_95
    from backtests
)

select * from final
