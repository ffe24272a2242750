{#- The rows of a HubSpot child table (property history, associations) that belong to their
    record's current row: `_dlt_root_id` is the `_dlt_id` of the record's row in its object's
    table. A record read again gets a new row and its child rows replace the old ones; a child
    row whose record's row was replaced in the same load (a record read twice: its newest
    version is kept), or whose record was read again with no children (an archived record's
    associations), stays in the raw table but is no longer current. A child table a load has not
    written yet reads as empty, with the given columns. -#}
{% macro hubspot_current_child_rows(object_table, child_table, columns) -%}
    select child_rows.*
    from (
        {{ source_or_empty('raw_hubspot', child_table, columns + ['_dlt_root_id']) }}
    ) as child_rows
    where child_rows._dlt_root_id in (
        select object_rows._dlt_id from {{ source('raw_hubspot', object_table) }} as object_rows
    )
{%- endmacro %}
