{#- The first day of the date dimension (var calendar_start_date), a datetime.date. -#}
{% macro calendar_start_date() -%}
    {%- do raise_on_invalid_salespulse_vars() -%}
    {{ return(modules.datetime.datetime.strptime(var('calendar_start_date') | string, '%Y-%m-%d').date()) }}
{%- endmacro %}

{#- The last day of the date dimension: the end of the fiscal year after the as-of date's, so
    that expected close dates and quota plans of the coming year have their dates. -#}
{% macro calendar_end_date() -%}
    {%- set start_month = var('fiscal_year_start_month') | int -%}
    {%- set as_of = as_of_date() -%}
    {%- set fiscal_start_year = as_of.year if as_of.month >= start_month else as_of.year - 1 -%}
    {%- set next_fiscal_year_end = modules.datetime.date(fiscal_start_year + 2, start_month, 1)
        - modules.datetime.timedelta(days=1) -%}
    {{ return(next_fiscal_year_end) }}
{%- endmacro %}

{#- SQL date literal of a datetime.date. -#}
{% macro date_literal(value) -%}
    cast('{{ value }}' as date)
{%- endmacro %}

{#- Calendar periods of a date column, from the vars (fiscal_year_start_month): each returns a
    date expression. Weeks are ISO weeks (Monday start). -#}
{% macro week_start_date(date_column) -%}
    cast({{ dbt.dateadd('day', '1 - ' ~ iso_day_of_week(date_column), date_column) }} as date)
{%- endmacro %}

{% macro months_into_fiscal_year(date_column) -%}
    {%- set start_month = var('fiscal_year_start_month') | int -%}
    (cast(extract(month from {{ date_column }}) as integer) - {{ start_month }}
        + case when cast(extract(month from {{ date_column }}) as integer) < {{ start_month }} then 12 else 0 end)
{%- endmacro %}

{% macro fiscal_year_start_date(date_column) -%}
    cast({{ dbt.dateadd(
        'month', '-1 * ' ~ months_into_fiscal_year(date_column), dbt.date_trunc('month', date_column)
    ) }} as date)
{%- endmacro %}

{% macro fiscal_quarter_start_date(date_column) -%}
    {%- set months = months_into_fiscal_year(date_column) -%}
    cast({{ dbt.dateadd(
        'month', '-1 * (' ~ months ~ ' - 3 * floor(' ~ months ~ ' / 3.0))', dbt.date_trunc('month', date_column)
    ) }} as date)
{%- endmacro %}

{#- The fiscal year (named after the calendar year in which it ends) of a fiscal year's first day. -#}
{% macro fiscal_year_of_start(fiscal_year_start_column) -%}
    cast(extract(year from {{ dbt.dateadd('month', 11, fiscal_year_start_column) }}) as integer)
{%- endmacro %}
