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

{#- A percentile (0-1) of a numeric expression, interpolated between neighbouring values (NULLs
    ignored; NULL when there is none): percentile(x, 0.5) is the median. -#}
{% macro percentile(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'salespulse')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}
