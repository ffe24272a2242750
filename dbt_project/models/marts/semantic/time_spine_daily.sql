{#- The semantic layer's time spine: one row per reported day, from var calendar_start_date to the
    as-of date (never after it: no metric of the semantic layer has a period after the as-of date,
    as no mart has), with the first day of its fiscal quarter and fiscal year, MetricFlow's custom
    granularities fiscal_quarter and fiscal_year (standard weeks are ISO weeks, Monday start). -#}
with

dates as (
    select * from {{ ref('dim_dates') }}
),

final as (
    select
        date_day,
        fiscal_quarter_start_date,
        fiscal_year_start_date,
        fiscal_quarter_label,
        {{ dbt.concat(["'FY'", dbt.cast('fiscal_year', dbt.type_string())]) }} as fiscal_year_label
    from dates
    where not is_after_as_of_date
)

select * from final
