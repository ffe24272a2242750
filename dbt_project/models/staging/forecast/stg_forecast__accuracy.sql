{{ config(tags=['forecast']) }}
with

source as (
    select * from {{ source('raw_forecast', 'forecast_accuracy') }}
),

renamed as (
    select
        forecast_run_id,
        series_id,
        method,
        chosen as is_chosen,
        flag,
        history_months,
        n_origins as backtest_origins,
        n_points as backtest_points,
        mae,
        wape,
        mase,
        coverage_80,
        coverage_95
    from source
),

final as (
    select * from renamed
)

select * from final
