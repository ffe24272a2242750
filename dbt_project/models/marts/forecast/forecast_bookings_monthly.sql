{{ config(tags=['forecast'], schema='forecast') }}
{#- The statistical bookings forecast per team and for the company, month by month beyond the
    last complete month, with 80% and 95% prediction intervals, for every method tried; the
    method the backtest chose is flagged is_chosen. -#}
with

forecasts as (
    select * from {{ ref('stg_forecast__bookings_forecasts') }}
),

teams as (
    select * from {{ ref('dim_teams') }}
),

final as (
    select
        forecasts.series_id,
        case when forecasts.series_id = 'company' then 'company' else 'team' end as series_type,
        case
            when forecasts.series_id != 'company'
                then {{ dbt.replace('forecasts.series_id', "'team:'", "''") }}
        end as team_id,
        coalesce(teams.team_name, case when forecasts.series_id = 'company' then 'Company' end)
            as series_name,
        forecasts.month_start_date,
        forecasts.horizon_months,
        forecasts.method,
        forecasts.is_chosen,
        forecasts.flag,
        '{{ var("reporting_currency") }}' as reporting_currency,
        cast(forecasts.forecast_bookings as {{ type_money() }}) as forecast_bookings,
        cast(forecasts.lo_80 as {{ type_money() }}) as forecast_bookings_lo_80,
        cast(forecasts.hi_80 as {{ type_money() }}) as forecast_bookings_hi_80,
        cast(forecasts.lo_95 as {{ type_money() }}) as forecast_bookings_lo_95,
        cast(forecasts.hi_95 as {{ type_money() }}) as forecast_bookings_hi_95,
        forecasts.as_of_date,
        forecasts.forecast_run_id
    from forecasts
    left join teams
        on {{ dbt.concat(["'team:'", 'teams.team_id']) }} = forecasts.series_id
)

select * from final
