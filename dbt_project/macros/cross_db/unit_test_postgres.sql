{#- dbt's unit test materialization (dbt-core 1.11, global_project/macros/materializations/
    tests/unit.sql) for PostgreSQL: the same but for the scratch table's name. dbt names it after
    the unit test, and dbt-postgres refuses relation names longer than 63 characters, which
    descriptive unit test names exceed (DuckDB has no such limit). -#}
{%- materialization unit, adapter='postgres' -%}

  {% set relations = [] %}
  {% set sql_header = config.get('sql_header') if flags.REQUIRE_SQL_HEADER_IN_TEST_CONFIGS else none %}

  {% set expected_rows = config.get('expected_rows') %}
  {% set expected_sql = config.get('expected_sql') %}
  {% set tested_expected_column_names = expected_rows[0].keys() if (expected_rows | length ) > 0 else get_columns_in_query(sql) %}

  {#- The one change: a unit test's name may be longer than PostgreSQL's 63-character identifiers;
      its scratch table takes the name's first 40 (make_temp_relation adds a timestamp). -#}
  {%- set target_relation = this.incorporate(
      path={"identifier": this.identifier[:40]}, type='table') -%}
  {%- set temp_relation = make_temp_relation(target_relation)-%}
  {% do run_query(get_create_table_as_sql(True, temp_relation, get_empty_subquery_sql(sql))) %}
  {%- set columns_in_relation = adapter.get_columns_in_relation(temp_relation) -%}
  {%- set column_name_to_data_types = {} -%}
  {%- set column_name_to_quoted = {} -%}
  {%- for column in columns_in_relation -%}
  {%-   do column_name_to_data_types.update({column.name|lower: column.data_type}) -%}
  {%-   do column_name_to_quoted.update({column.name|lower: column.quoted}) -%}
  {%- endfor -%}

  {%- set expected_column_names_quoted = [] -%}
  {%- for column_name in tested_expected_column_names -%}
  {%-   do expected_column_names_quoted.append(column_name_to_quoted[column_name|lower]) -%}
  {%- endfor -%}

  {% if not expected_sql %}
  {%   set expected_sql = get_expected_sql(expected_rows, column_name_to_data_types, column_name_to_quoted) %}
  {% endif %}
  {#- The second change: numerics compare by value. PostgreSQL's sum of a numeric(38, 2) is an
      unconstrained numeric that keeps its scale (250.00), a fixture's 250.0 keeps its own,
      and dbt compares the rows as text. trim_scale drops trailing zeros on both sides. -#}
  {%- set compared_columns = [] -%}
  {%- for column_name in tested_expected_column_names -%}
  {%-   set quoted = column_name_to_quoted[column_name|lower] -%}
  {%-   if column_name_to_data_types[column_name|lower].startswith('numeric') -%}
  {%-     do compared_columns.append('trim_scale(' ~ quoted ~ ') as ' ~ quoted) -%}
  {%-   else -%}
  {%-     do compared_columns.append(quoted) -%}
  {%-   endif -%}
  {%- endfor -%}
  {% set unit_test_sql = get_unit_test_sql(sql, expected_sql, compared_columns) %}

  {% call statement('main', fetch_result=True) -%}

    {% if sql_header %}{{ sql_header }}{% endif %}
    {{ unit_test_sql }}

  {%- endcall %}

  {% do adapter.drop_relation(temp_relation) %}

  {{ return({'relations': relations}) }}

{%- endmaterialization -%}
