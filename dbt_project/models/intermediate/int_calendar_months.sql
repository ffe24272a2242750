{#- One row per calendar month from var calendar_start_date to the as-of date. The number of
    months is worked out at compile time, so dbt.generate_series needs no query. -#}
{%- set start = calendar_start_date() -%}
{%- set end = as_of_date() -%}
{%- set month_count = (end.year - start.year) * 12 + end.month - start.month + 1 -%}
with

series as (
    {{ dbt.generate_series(month_count) }}
),

months as (
    select
        cast(
            {{ dbt.dateadd('month', 'generated_number - 1', "cast('" ~ start.replace(day=1) ~ "' as date)") }}
            as date
        ) as month_start_date
    from series
),

final as (
    select
        month_start_date,
        cast({{ dbt.last_day('month_start_date', 'month') }} as date) as month_end_date
    from months
)

select * from final
