{#- `select * from` a source table, or, when that table does not exist in the warehouse, an empty
    relation with the given columns. The files source writes a table only for the entities its
    mapping describes (the Maven export has no activities), so its staging must build without
    the others. The source is always referenced, so lineage is the same either way. -#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and load_relation(relation) is none -%}
        select
            {%- for column in columns %}
            cast(null as {{ dbt.type_string() }}) as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        where 1 = 0
    {%- else -%}
        select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- A column of a source table if the table has it, else a typed NULL: for optional columns
    that a mapping may add as extras (first_name and last_name of reps). -#}
{% macro optional_source_column(source_name, table_name, column_name, data_type=none) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set found = [] -%}
    {%- if execute and load_relation(relation) is not none -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == column_name | lower -%}{%- do found.append(column) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if found -%}
        {{ column_name }}
    {%- else -%}
        cast(null as {{ data_type or dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
