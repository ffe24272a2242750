{#- The last reporting day: var as_of_date, or today in the reporting time zone. Resolved at
    compile time so that a run's every model agrees on it. Returns a datetime.date. -#}
{% macro as_of_date() -%}
    {%- do raise_on_invalid_salespulse_vars() -%}
    {%- set configured = var('as_of_date', '') -%}
    {%- if configured -%}
        {{ return(modules.datetime.datetime.strptime(configured | string, '%Y-%m-%d').date()) }}
    {%- endif -%}
    {%- set zone = modules.pytz.timezone(var('reporting_timezone')) -%}
    {{ return(modules.datetime.datetime.now(zone).date()) }}
{%- endmacro %}
