{#- numerator / denominator as a fraction, NULL (never 0 or an error) when the denominator is 0. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double precision) / nullif({{ denominator }}, 0))
{%- endmacro %}

{#- A double rounded to `places` decimals, as a double. PostgreSQL rounds only numeric to a number
    of places, so the default goes through numeric; DuckDB rounds the double itself. -#}
{% macro round_double(expression, places) -%}
    {{ return(adapter.dispatch('round_double', 'salespulse')(expression, places)) }}
{%- endmacro %}

{% macro default__round_double(expression, places) -%}
    cast(round(cast({{ expression }} as numeric), {{ places }}) as double precision)
{%- endmacro %}

{% macro duckdb__round_double(expression, places) -%}
    round({{ expression }}, {{ places }})
{%- endmacro %}
