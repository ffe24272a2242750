{#- numerator / denominator as a fraction, NULL (never 0 or an error) when the denominator is 0. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double precision) / nullif({{ denominator }}, 0))
{%- endmacro %}
