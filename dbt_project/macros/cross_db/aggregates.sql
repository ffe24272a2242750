{#- The median of a numeric expression (NULLs ignored; NULL when there is none): the 50th
    percentile, interpolated between the two middle values of an even count. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'salespulse')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}
