{#- Every day with the four reporting periods it belongs to: one row per day and period grain
    (week, month, fiscal_quarter, fiscal_year), with the period's first and last day and its
    label. The sales marts join events to this on their date to aggregate by period. -#}
with

days as (
    select * from {{ ref('int_calendar_days') }}
),

starts as (
    select
        date_day,
        {{ week_start_date('date_day') }} as week_start_date,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        {{ fiscal_quarter_start_date('date_day') }} as fiscal_quarter_start_date,
        {{ fiscal_year_start_date('date_day') }} as fiscal_year_start_date
    from days
),

labelled as (
    select
        *,
        {{ iso_year('date_day') }} as iso_year,
        {{ iso_week('date_day') }} as iso_week,
        {{ fiscal_year_of_start('fiscal_year_start_date') }} as fiscal_year,
        {{ months_into_fiscal_year('date_day') }} as months_into_fiscal_year
    from starts
),

quartered as (
    select
        *,
        cast(floor(months_into_fiscal_year / 3.0) as integer) + 1 as fiscal_quarter
    from labelled
),

periods as (
    select
        date_day,
        'week' as period_grain,
        week_start_date as period_start_date,
        cast({{ dbt.dateadd('day', 6, 'week_start_date') }} as date) as period_end_date,
        {{ dbt.concat([
            dbt.cast('iso_year', dbt.type_string()), "'-W'",
            dbt.right(dbt.concat(["'0'", dbt.cast('iso_week', dbt.type_string())]), 2),
        ]) }} as period_label
    from quartered
    union all
    select
        date_day,
        'month' as period_grain,
        month_start_date as period_start_date,
        cast({{ dbt.last_day('month_start_date', 'month') }} as date) as period_end_date,
        {{ dbt.concat([
            dbt.cast('extract(year from month_start_date)', dbt.type_string()), "'-'",
            dbt.right(dbt.concat(["'0'", dbt.cast('extract(month from month_start_date)', dbt.type_string())]), 2),
        ]) }} as period_label
    from quartered
    union all
    select
        date_day,
        'fiscal_quarter' as period_grain,
        fiscal_quarter_start_date as period_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'fiscal_quarter_start_date')) }} as date)
            as period_end_date,
        {{ dbt.concat([
            "'FY'", dbt.cast('fiscal_year', dbt.type_string()), "'-Q'", dbt.cast('fiscal_quarter', dbt.type_string()),
        ]) }} as period_label
    from quartered
    union all
    select
        date_day,
        'fiscal_year' as period_grain,
        fiscal_year_start_date as period_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 12, 'fiscal_year_start_date')) }} as date)
            as period_end_date,
        {{ dbt.concat(["'FY'", dbt.cast('fiscal_year', dbt.type_string())]) }} as period_label
    from quartered
),

final as (
    select * from periods
)

select * from final
