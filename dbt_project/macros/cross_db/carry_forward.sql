{#- Each property's value as last recorded, carried forward over the rows of a relation (one row
    per partition and order value): a query returning, per row, the partition and order columns,
    per property p recorded_p and has_history_p, and per column c of partition_maxima
    partition_max_c, its maximum over the partition (in the same pass on DuckDB).

    The relation has per property has_p (1 on a row that records a change of p, else 0) and
    changed_p (the value it changed to there: a change to NULL is a change, so NULL is carried
    like any value). recorded_p is the value of the partition's last change of p up to the row;
    before its first change, that first change's value. has_history_p is 1 when the partition
    has any change of p, else 0. -#}
{% macro carry_forward_changes(relation, partition_by, order_by, properties, partition_maxima=[]) -%}
    {{ return(adapter.dispatch('carry_forward_changes', 'salespulse')(
        relation, partition_by, order_by, properties, partition_maxima
    )) }}
{%- endmacro %}

{#- Portable (PostgreSQL has no IGNORE NULLS): a running count of a property's changes numbers
    the runs of rows that share its last change. A window pass per property, each over its own
    partition (on DuckDB a full sort each: 5 properties over 5.7M rows took half of the
    model's time at the large size). -#}
{% macro default__carry_forward_changes(relation, partition_by, order_by, properties, partition_maxima) -%}
    select
        {{ partition_by }},
        {{ order_by }},
        {%- for column in partition_maxima %}
            partition_max_{{ column }},
        {%- endfor %}
        {%- for property in properties %}
            has_history_{{ property }},
            case
                when run_{{ property }} = 0 then first_{{ property }}
                else carried_{{ property }}
            end as recorded_{{ property }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from (
        -- Before a property's first recorded change, its first recorded value.
        select
            *,
            {%- for property in properties %}
                max(case when run_{{ property }} = 1 then carried_{{ property }} end)
                    over (partition by {{ partition_by }})
                    as first_{{ property }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from (
            select
                *,
                {%- for column in partition_maxima %}
                    max({{ column }}) over (partition by {{ partition_by }}) as partition_max_{{ column }},
                {%- endfor %}
                {%- for property in properties %}
                    max(changed_{{ property }}) over (partition by {{ partition_by }}, run_{{ property }})
                        as carried_{{ property }},
                    max(has_{{ property }}) over (partition by {{ partition_by }})
                        as has_history_{{ property }}{% if not loop.last %},{% endif %}
                {%- endfor %}
            from (
                select
                    *,
                    {%- for property in properties %}
                        sum(has_{{ property }}) over (
                            partition by {{ partition_by }} order by {{ order_by }}
                            rows between unbounded preceding and current row
                        ) as run_{{ property }}{% if not loop.last %},{% endif %}
                    {%- endfor %}
                from {{ relation }}
            ) as runs
        ) as carried
    ) as backfilled
{%- endmacro %}

{#- DuckDB: every property in one window pass, one sort. The change is wrapped in a struct, NULL
    only on rows without a change, so that IGNORE NULLS skips those but keeps a change to NULL.
    The pass reads only the columns it needs: passing the relation's other columns through the
    window ran out of DuckDB's 1GB memory limit at the large size. -#}
{% macro duckdb__carry_forward_changes(relation, partition_by, order_by, properties, partition_maxima) -%}
    select
        {{ partition_by }},
        {{ order_by }},
        {%- for column in partition_maxima %}
            partition_max_{{ column }},
        {%- endfor %}
        {%- for property in properties %}
            case when first_change_{{ property }} is null then 0 else 1 end as has_history_{{ property }},
            struct_extract(
                coalesce(last_change_{{ property }}, first_change_{{ property }}), 'value'
            ) as recorded_{{ property }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from (
        select
            {{ partition_by }},
            {{ order_by }},
            {%- for column in partition_maxima %}
                max({{ column }}) over (
                    partition by {{ partition_by }} order by {{ order_by }}
                    rows between unbounded preceding and unbounded following
                ) as partition_max_{{ column }},
            {%- endfor %}
            {%- for property in properties %}
                {%- set change -%}
                    case when has_{{ property }} = 1 then {'value': changed_{{ property }}} end
                {%- endset %}
                last_value({{ change }} ignore nulls) over (
                    partition by {{ partition_by }} order by {{ order_by }}
                    rows between unbounded preceding and current row
                ) as last_change_{{ property }},
                first_value({{ change }} ignore nulls) over (
                    partition by {{ partition_by }} order by {{ order_by }}
                    rows between unbounded preceding and unbounded following
                ) as first_change_{{ property }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ relation }}
    ) as changes
{%- endmacro %}
