{{ config(tags=['forecast']) }}
with

source as (
    select * from {{ source('raw_forecast', 'bookings_forecast') }}
),

renamed as (
    select
        forecast_run_id,
        as_of as as_of_date,
        series_id,
        method,
        cast(horizon as integer) as horizon_months,
        month_start as month_start_date,
        point as forecast_bookings,
        lo_80,
        hi_80,
        lo_95,
        hi_95,
        chosen as is_chosen,
        flag
    from source
),

final as (
    select * from renamed
)

select * from final
