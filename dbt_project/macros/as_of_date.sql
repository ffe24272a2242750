{#- The last reporting day: var as_of_date, else the environment's SALESPULSE_AS_OF_DATE, else
    today in the reporting time zone. Returns a datetime.date. The orchestration always passes its
    run's day (orchestration/run_day.py), so every model and step of a run agrees on it, even when
    the run crosses midnight (each model compiles when it starts).

    The orchestration passes the day in the environment, not as a var: dbt parses the whole
    project again whenever a var changes (its parse state keeps a hash of the vars), so a var
    that changes every day cost every nightly run a full parse (5-10 s of a small build's 20).
    The environment is read only while dbt executes: no model's parse depends on the day, so
    the parse state stays good from one day to the next (dbt records the variables a parse
    reads, and re-parses what read one whose value changed). -#}
{% macro as_of_date() -%}
    {%- do raise_on_invalid_salespulse_vars() -%}
    {%- set configured = var('as_of_date', '') or as_of_date_from_environment() -%}
    {%- if configured -%}
        {{ return(modules.datetime.datetime.strptime(configured | string, '%Y-%m-%d').date()) }}
    {%- endif -%}
    {%- set zone = modules.pytz.timezone(var('reporting_timezone')) -%}
    {{ return(modules.datetime.datetime.now(zone).date()) }}
{%- endmacro %}

{#- SALESPULSE_AS_OF_DATE while dbt executes; empty while it parses (see as_of_date). -#}
{% macro as_of_date_from_environment() -%}
    {{ return(env_var('SALESPULSE_AS_OF_DATE', '') if execute else '') }}
{%- endmacro %}
