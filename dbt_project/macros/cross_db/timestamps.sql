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
    cast(({{ utc_column }} at time zone 'UTC') at time zone '{{ var("reporting_timezone") }}' as date)
{%- endmacro %}

{#- The wall-clock time in the reporting time zone of a naive UTC timestamp (naive): its hour is
    the hour of day a person there saw. -#}
{% macro to_reporting_timestamp(utc_column) -%}
    {{ return(adapter.dispatch('to_reporting_timestamp', 'salespulse')(utc_column)) }}
{%- endmacro %}

{% macro default__to_reporting_timestamp(utc_column) -%}
    (({{ utc_column }} at time zone 'UTC') at time zone '{{ var("reporting_timezone") }}')
{%- endmacro %}
