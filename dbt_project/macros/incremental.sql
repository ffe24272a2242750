{#- Helpers of the incremental models (docs/operations.md, "Incremental models"). -#}

{#- The load time from which an incremental run rebuilds: the latest `column` already in the
    model, less var incremental_lookback_hours (a load that committed after a later one started
    is still picked up); the calendar's start when the model is empty. Only for incremental
    runs. When the node runs, the latest time is read first and written into the query as a
    literal: DuckDB pushes a constant filter down into the scans, ahead of the joins, where it
    runs a scalar subquery as a join after them (fct_leads at 1,000 reps with nothing to
    rebuild: 14.5 s -> 8.0 s). Read before the model's hooks run, so a hook must not change
    `column` of `relation` before its query uses the time. -#}
{% macro incremental_loaded_since(column='loaded_at', relation=this) -%}
    {%- set latest -%}
        (select coalesce(max({{ column }}), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ relation }})
    {%- endset -%}
    {%- if execute -%}
        {%- set read = run_query('select cast(' ~ latest ~ ' as ' ~ dbt.type_string() ~ ')') -%}
        {%- set latest = "cast('" ~ read.columns[0].values()[0] ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- endif -%}
    {{ dbt.dateadd('hour', -1 * (var('incremental_lookback_hours') | int), latest) }}
{%- endmacro %}

{#- When this dbt invocation started (UTC), as a timestamp: the rebuilt_at of the rows it writes. -#}
{% macro run_started_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- dbt-duckdb's delete+insert on a list of key columns deletes with `delete ... using <new rows>
    where <keys equal>`: a join of every target row to every new row with the same key, which
    for a key that is not unique per row (lead_response_by_hour_weekday's period: up to 185,000
    cells each side at 1,000 reps) is billions of pairs. dbt-core's own form (dbt-postgres' too)
    deletes the rows whose key is among the new rows' distinct keys, a semi join; for a single
    column it is dbt-duckdb's but for a `distinct`. -#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {{ return(dbt.default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates)) }}
{%- endmacro %}
