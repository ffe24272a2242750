{#- numerator / denominator as a fraction, NULL (never 0 or an error) when the denominator is 0. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double precision) / nullif({{ denominator }}, 0))
{%- endmacro %}

{#- Money rounded to cents, half away from zero, as decimal(18, 2). -#}
{% macro to_cents(expression) -%}
    cast(round({{ expression }}, 2) as decimal(18, 2))
{%- endmacro %}

{#- A non-negative money amount divided by a count, to cents, rounded half away from zero, exactly
    (SQL engines divide decimals in floating point, which rounds 4877.355 down): NULL when the
    count is 0. Used for average deal size. -#}
{% macro divide_money_to_cents(amount, count) -%}
    cast(
        floor((2 * round({{ amount }} * 100) + {{ count }}) / (2.0 * nullif({{ count }}, 0))) / 100
        as decimal(18, 2)
    )
{%- endmacro %}
