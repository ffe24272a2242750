{#- Helpers of the incremental models (docs/operations.md, "Incremental models"). -#}

{#- The load time from which an incremental run rebuilds: the latest `column` already in the
    model, less var incremental_lookback_hours (a load that committed after a later one started
    is still picked up); the calendar's start when the model is empty. A scalar subquery; only
    for incremental runs. -#}
{% macro incremental_loaded_since(column='loaded_at', relation=this) -%}
    {{ dbt.dateadd(
        'hour',
        -1 * (var('incremental_lookback_hours') | int),
        '(select coalesce(max(' ~ column ~ '), cast(' ~ "'1900-01-01'" ~ ' as ' ~ dbt.type_timestamp() ~ ')) from '
        ~ relation ~ ')',
    ) }}
{%- endmacro %}

{#- When this dbt invocation started (UTC), as a timestamp: the rebuilt_at of the rows it writes. -#}
{% macro run_started_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
