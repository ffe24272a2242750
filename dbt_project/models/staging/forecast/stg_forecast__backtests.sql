{{ config(tags=['forecast']) }}
with

source as (
    select * from {{ source('raw_forecast', 'forecast_backtest') }}
),

renamed as (
    select
        forecast_run_id,
        series_id,
        method,
        origin as origin_month_start_date,
        cast(horizon as integer) as horizon_months,
        month_start as month_start_date,
        actual as actual_bookings,
        point as forecast_bookings,
        lo_80,
        hi_80,
        lo_95,
        hi_95
    from source
),

final as (
    select * from renamed
)

select * from final
