{#- Time-zone handling, dispatched so that adapters whose syntax differs can override it. -#}

{#- An instant (ISO 8601 text with offset, or a timestamp with time zone) as a naive UTC timestamp. -#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'salespulse')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    (cast({{ column }} as timestamp with time zone) at time zone 'UTC')
{%- endmacro %}

{#- The calendar date in the reporting time zone of a naive UTC timestamp. -#}
{% macro to_reporting_date(utc_column) -%}
    {{ return(adapter.dispatch('to_reporting_date', 'salespulse')(utc_column)) }}
{%- endmacro %}

{% macro default__to_reporting_date(utc_column) -%}
    {%- if reporting_timezone_is_utc() -%}
        cast({{ utc_column }} as date)
    {%- else -%}
        cast(({{ utc_column }} at time zone 'UTC') at time zone '{{ var("reporting_timezone") }}' as date)
    {%- endif -%}
{%- endmacro %}

{#- The wall-clock time in the reporting time zone of a naive UTC timestamp (naive): its hour is
    the hour of day a person there saw. -#}
{% macro to_reporting_timestamp(utc_column) -%}
    {{ return(adapter.dispatch('to_reporting_timestamp', 'salespulse')(utc_column)) }}
{%- endmacro %}

{% macro default__to_reporting_timestamp(utc_column) -%}
    {%- if reporting_timezone_is_utc() -%}
        ({{ utc_column }})
    {%- else -%}
        (({{ utc_column }} at time zone 'UTC') at time zone '{{ var("reporting_timezone") }}')
    {%- endif -%}
{%- endmacro %}

{#- True when the reporting time zone is UTC itself (the default): a naive UTC timestamp is then
    already the wall-clock time there, and the two conversions are left out. They cost DuckDB
    about 0.1 µs a row, a second for the 10M activities of the large demo on every read that
    buckets them by day, against nothing for the cast; the result is the same to the
    microsecond (the unit tests test_int_leads_unioned_reporting_day_in_*). Other spellings of UTC
    ('GMT', 'Zulu') take the general path: slower, never different. -#}
{% macro reporting_timezone_is_utc() -%}
    {{ return(var('reporting_timezone') | string in ['UTC', 'Etc/UTC']) }}
{%- endmacro %}
