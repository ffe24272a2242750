{#- The date dimension: one row per day from var calendar_start_date to the end of the fiscal year
    after the as-of date's, with ISO weeks (Monday start), calendar months and quarters, and
    fiscal quarters and years starting in var fiscal_year_start_month. A fiscal year is named
    after the calendar year in which it ends. -#}
with

days as (
    select * from {{ ref('int_calendar_days') }}
),

starts as (
    select
        date_day,
        {{ iso_day_of_week('date_day') }} as day_of_week,
        {{ iso_year('date_day') }} as iso_year,
        {{ iso_week('date_day') }} as iso_week,
        {{ week_start_date('date_day') }} as week_start_date,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        {{ fiscal_quarter_start_date('date_day') }} as fiscal_quarter_start_date,
        {{ fiscal_year_start_date('date_day') }} as fiscal_year_start_date
    from days
),

fiscal as (
    select
        *,
        {{ fiscal_year_of_start('fiscal_year_start_date') }} as fiscal_year,
        {{ months_into_fiscal_year('date_day') }} + 1 as fiscal_month,
        cast(floor({{ months_into_fiscal_year('date_day') }} / 3.0) as integer) + 1 as fiscal_quarter,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'fiscal_quarter_start_date')) }} as date)
            as fiscal_quarter_end_date
    from starts
),

final as (
    select
        date_day,
        day_of_week,
        day_of_week >= 6 as is_weekend,
        iso_year,
        iso_week,
        week_start_date,
        cast({{ dbt.dateadd('day', 6, 'week_start_date') }} as date) as week_end_date,
        calendar_year,
        calendar_month,
        cast(floor((calendar_month - 1) / 3.0) as integer) + 1 as calendar_quarter,
        month_start_date,
        cast({{ dbt.last_day('month_start_date', 'month') }} as date) as month_end_date,
        fiscal_year,
        fiscal_quarter,
        fiscal_month,
        {{ dbt.concat([
            "'FY'", dbt.cast('fiscal_year', dbt.type_string()), "'-Q'", dbt.cast('fiscal_quarter', dbt.type_string()),
        ]) }} as fiscal_quarter_label,
        fiscal_quarter_start_date,
        fiscal_quarter_end_date,
        fiscal_year_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 12, 'fiscal_year_start_date')) }} as date)
            as fiscal_year_end_date,
        date_day = fiscal_quarter_end_date as is_last_day_of_fiscal_quarter,
        date_day > {{ date_literal(as_of_date()) }} as is_after_as_of_date
    from fiscal
)

select * from final
