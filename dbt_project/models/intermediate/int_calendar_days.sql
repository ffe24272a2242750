{#- One row per day from var calendar_start_date to the end of the fiscal year after the as-of
    date's (see macro calendar_end_date). The number of days is worked out at compile time, so
    dbt.generate_series needs no query. -#}
{%- set start = calendar_start_date() -%}
{%- set day_count = (calendar_end_date() - start).days + 1 -%}
with

series as (
    {{ dbt.generate_series(day_count) }}
),

final as (
    select
        cast({{ dbt.dateadd('day', 'generated_number - 1', date_literal(start)) }} as date) as date_day
    from series
)

select * from final
