{#- `select * from` a source table, or, when that table does not exist in the warehouse, an empty
    relation with the given columns: a list of names (text columns), or a mapping of name to
    type. The files source writes a table only for the entities its mapping describes (the Maven
    export has no activities), and dlt creates a child table (HubSpot's associations, an owner's
    teams) only once a record has such children, so their staging must build without them. The
    source is always referenced, so lineage is the same either way. -#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and not source_table_exists(relation) -%}
        select
            {%- for column in columns %}
            {%- set data_type = columns[column] if columns is mapping else dbt.type_string() %}
            cast(null as {{ data_type }}) as {{ adapter.quote(column) }}{{ ',' if not loop.last }}
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
    {%- if execute and source_table_exists(relation) -%}
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

{#- Whether a source table exists, asked of the warehouse itself, never of dbt's relation cache:
    dbt lists a schema the run did not cache up front (the raw sources') when a thread first asks,
    adding its tables to the cache one by one after marking the schema cached, so a second
    thread could read a half-filled list and build a staging model from the empty branch (seen
    with 4 threads: stg_hubspot__owner_teams empty while raw_hubspot.owners__teams held 20 rows).
    One information_schema query per use: milliseconds. -#}
{% macro source_table_exists(relation) -%}
    {%- set query -%}
        select count(*) from information_schema.tables
        where lower(table_schema) = lower('{{ relation.schema }}')
            and lower(table_name) = lower('{{ relation.identifier }}')
            {%- if relation.database %}
            and lower(table_catalog) = lower('{{ relation.database }}')
            {%- endif %}
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{%- endmacro %}
