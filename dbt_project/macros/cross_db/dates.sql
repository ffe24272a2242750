{#- Date arithmetic that dbt's cross-database macros do not cover, dispatched so that an adapter
    whose syntax differs can override it. -#}

{#- ISO day of the week: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_day_of_week(date_column) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'salespulse')(date_column)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_column) -%}
    cast(extract(isodow from {{ date_column }}) as integer)
{%- endmacro %}

{#- ISO 8601 week-numbering year and week (1-53). -#}
{% macro iso_year(date_column) -%}
    {{ return(adapter.dispatch('iso_year', 'salespulse')(date_column)) }}
{%- endmacro %}

{% macro default__iso_year(date_column) -%}
    cast(extract(isoyear from {{ date_column }}) as integer)
{%- endmacro %}

{% macro iso_week(date_column) -%}
    {{ return(adapter.dispatch('iso_week', 'salespulse')(date_column)) }}
{%- endmacro %}

{% macro default__iso_week(date_column) -%}
    cast(extract(week from {{ date_column }}) as integer)
{%- endmacro %}

{#- Whole days from one date to another (negative when the second is earlier). -#}
{% macro days_between(start_date, end_date) -%}
    cast({{ dbt.datediff(start_date, end_date, 'day') }} as integer)
{%- endmacro %}

{#- Hours (with fractions, to the second) from one UTC timestamp to another. -#}
{% macro hours_between(start_column, end_column) -%}
    ({{ dbt.datediff(start_column, end_column, 'second') }} / 3600.0)
{%- endmacro %}

{#- Minutes (with fractions, to the millisecond) from one UTC timestamp to another. -#}
{% macro minutes_between(start_column, end_column) -%}
    ({{ dbt.datediff(start_column, end_column, 'millisecond') }} / 60000.0)
{%- endmacro %}

{#- A dlt load id (the load's start as Unix epoch seconds, as text) as a naive UTC timestamp:
    when a raw row was last written, the cursor of the incremental models. -#}
{% macro dlt_load_id_to_timestamp(load_id_column) -%}
    {{ return(adapter.dispatch('dlt_load_id_to_timestamp', 'salespulse')(load_id_column)) }}
{%- endmacro %}

{% macro default__dlt_load_id_to_timestamp(load_id_column) -%}
    (to_timestamp(cast({{ load_id_column }} as double precision)) at time zone 'UTC')
{%- endmacro %}
