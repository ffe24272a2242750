{#- Run before anything is built (on-run-start): every var that reaches SQL is checked, so a bad
    value fails the run with a message naming it, instead of changing numbers silently (an
    anonymity_threshold of "five" would otherwise turn suppression off). The orchestration
    validates the same settings (salespulse/settings.py); this covers dbt run by hand with
    --vars. Then says which sources this run builds, and which raw schemas it leaves out. -#}
{% macro validate_salespulse_vars() -%}
    {%- do raise_on_invalid_salespulse_vars() -%}
    {%- set known_sources = ['hubspot', 'typeform', 'files'] -%}

    {%- if execute -%}
        {%- set left_out = [] -%}
        {%- for name in known_sources if name not in enabled_sources() -%}
            {%- if adapter.check_schema_exists(target.database, 'raw_' ~ name) -%}
                {%- do left_out.append('raw_' ~ name) -%}
            {%- endif -%}
        {%- endfor -%}
        {{ log("SalesPulse: building the sources " ~ enabled_sources() | join(', ') ~ " (var enabled_sources)", info=true) }}
        {%- if left_out -%}
            {{ log("SalesPulse: this warehouse also holds " ~ left_out | join(', ') ~ ", which this run leaves out; add them to var enabled_sources (or SALESPULSE_SOURCES) to build what the nightly job builds", info=true) }}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{#- The problems of the vars, each in one sentence; none when all are valid. -#}
{% macro salespulse_var_problems() -%}
    {%- set problems = [] -%}

    {%- set currency = var('reporting_currency') | string -%}
    {%- if not modules.re.match('^[A-Za-z]{3}$', currency) -%}
        {%- do problems.append("reporting_currency must be a three-letter ISO 4217 code such as USD, not '" ~ currency ~ "'") -%}
    {%- endif -%}

    {%- set threshold = var('anonymity_threshold') -%}
    {%- if threshold is boolean or not modules.re.match('^[0-9]+$', threshold | string) -%}
        {%- do problems.append("anonymity_threshold must be a whole number of responses, not '" ~ threshold ~ "'") -%}
    {%- elif threshold | int < 3 -%}
        {%- do problems.append("anonymity_threshold must be at least 3, not " ~ threshold) -%}
    {%- endif -%}

    {%- set zone = var('reporting_timezone') | string -%}
    {%- if zone not in modules.pytz.all_timezones -%}
        {%- do problems.append("reporting_timezone must be an IANA time zone name, not '" ~ zone ~ "'") -%}
    {%- endif -%}

    {%- for name, lowest, highest in [
        ('fiscal_year_start_month', 1, 12),
        ('fx_rate_max_age_days', 0, none),
        ('incremental_lookback_hours', 0, none),
        ('lead_response_sla_minutes', 1, none),
        ('lead_conversion_window_days', 1, none),
    ] -%}
        {%- set value = var(name) -%}
        {%- if value is boolean or not modules.re.match('^[0-9]+$', value | string) -%}
            {%- do problems.append(name ~ " must be a whole number, not '" ~ value ~ "'") -%}
        {%- elif value | int < lowest or (highest is not none and value | int > highest) -%}
            {%- do problems.append(name ~ " must be from " ~ lowest ~ (" to " ~ highest if highest is not none else " up") ~ ", not " ~ value) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- for name, value in [
        ('as_of_date', var('as_of_date')),
        ('calendar_start_date', var('calendar_start_date')),
        ('SALESPULSE_AS_OF_DATE', as_of_date_from_environment()),
    ] -%}
        {%- if value and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
            {%- do problems.append(name ~ " must be a YYYY-MM-DD date, not '" ~ value ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set known_sources = ['hubspot', 'typeform', 'files'] -%}
    {%- for name in enabled_sources() if name not in known_sources -%}
        {%- do problems.append("enabled_sources names an unknown source '" ~ name ~ "'; choose from " ~ known_sources | join(', ')) -%}
    {%- endfor -%}
    {{ return(problems) }}
{%- endmacro %}


{#- Fails naming every bad var. Also called by the macros that models use while dbt parses the
    project (the as-of date, the calendar's end), which runs before on-run-start: a bad value
    then stops the parse with the same message instead of a bare Python error. -#}
{% macro raise_on_invalid_salespulse_vars() -%}
    {%- set problems = salespulse_var_problems() -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error("Invalid SalesPulse vars: " ~ problems | join('; ')) }}
    {%- endif -%}
{%- endmacro %}
