{#- The sources this deployment loads (var enabled_sources: a list, or a comma-separated string;
    without it the SALESPULSE_SOURCES environment variable, default hubspot), lowercased.
    Staging folders are enabled from the same var in dbt_project.yml. -#}
{% macro enabled_sources() -%}
    {%- set configured = var('enabled_sources', env_var('SALESPULSE_SOURCES', 'hubspot')) -%}
    {%- if configured is string -%}
        {#- "files,hubspot" or a list written as text, '["hubspot", "files"]' -#}
        {%- set configured = configured.replace('[', '').replace(']', '').replace('"', '').replace("'", '').split(',') -%}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for name in configured if name | trim -%}
        {%- do names.append(name | trim | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- True when the named source is enabled. -#}
{% macro source_enabled(source_name) -%}
    {{ return(source_name in enabled_sources()) }}
{%- endmacro %}

{#- Those of the given sources that are enabled, in the given order: the sources an intermediate
    model unions. -#}
{% macro enabled_of(source_names) -%}
    {%- set names = [] -%}
    {%- for name in source_names if source_enabled(name) -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- A source's native id as a canonical id: prefixed with the source's prefix (var
    source_id_prefixes) so that ids of two sources never collide. NULL stays NULL. -#}
{% macro source_id(source_name, column) -%}
    {%- set prefix = var('source_id_prefixes', {}).get(source_name, source_name ~ ':') -%}
    {%- if prefix -%}
        case
            when {{ column }} is not null
                then {{ dbt.concat(["'" ~ prefix ~ "'", 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')']) }}
        end
    {%- else -%}
        cast({{ column }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
