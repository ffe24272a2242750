{#- The canonical union: one `select` per CTE (one CTE per enabled source, each already shaped
    like the canonical entity), every column cast to its canonical type, `union all` between
    them. With no CTE (no enabled source provides the entity) it is an empty relation of the
    same columns, so every canonical model exists whichever sources are enabled.

    columns: a list of [name, type]; type 'string' and 'timestamp' are dbt's cross-database
    types, anything else is used as written (date, boolean, integer, decimal(18, 2), ...). -#}
{% macro union_sources(ctes, columns) -%}
    {%- set types = {'string': dbt.type_string(), 'timestamp': dbt.type_timestamp()} -%}
    {%- for cte in ctes %}
    select
        {%- for column in columns %}
        cast({{ column[0] }} as {{ types.get(column[1], column[1]) }}) as {{ column[0] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ cte }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        {%- for column in columns %}
        cast(null as {{ types.get(column[1], column[1]) }}) as {{ column[0] }}{{ ',' if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endfor %}
{%- endmacro %}

{#- The names of the per-source CTEs an intermediate model unions: <source>_<suffix>. -#}
{% macro source_ctes(sources, suffix) -%}
    {%- set ctes = [] -%}
    {%- for source_name in sources -%}
        {%- do ctes.append(source_name ~ '_' ~ suffix) -%}
    {%- endfor -%}
    {{ return(ctes) }}
{%- endmacro %}
