{#- Money: exact decimals wide enough for any amount a CRM allows, and the only arithmetic the
    models do on it. Some engines size a decimal product by its widest operand (DuckDB 2.0 types
    decimal(18, 4) × decimal(18, 8) as decimal(18, 12), which overflows from 1,000,000 on), so
    every operand is cast to a 38-digit type first; a double never enters a money sum (its
    rounding depends on the order rows are summed in). Types are dispatched: an adapter whose
    decimals differ overrides them. -#}

{#- An amount as the source gives it, in its own currency: 38 digits, 4 decimals. -#}
{% macro type_amount() -%}
    {{ return(adapter.dispatch('type_amount', 'salespulse')()) }}
{%- endmacro %}

{% macro default__type_amount() -%}
    decimal(38, 4)
{%- endmacro %}

{#- Money to the cent, in the reporting currency: every money column of the marts. -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'salespulse')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    decimal(38, 2)
{%- endmacro %}

{#- An FX rate: reporting-currency units per unit of a currency, 8 decimals. -#}
{% macro type_fx_rate() -%}
    {{ return(adapter.dispatch('type_fx_rate', 'salespulse')()) }}
{%- endmacro %}

{% macro default__type_fx_rate() -%}
    decimal(38, 8)
{%- endmacro %}

{#- A share that weights money (a stage's win probability, an elapsed share of a period), 6
    decimals. -#}
{% macro type_money_share() -%}
    {{ return(adapter.dispatch('type_money_share', 'salespulse')()) }}
{%- endmacro %}

{% macro default__type_money_share() -%}
    decimal(38, 6)
{%- endmacro %}

{#- Money rounded to cents, half away from zero, as type_money(). -#}
{% macro to_cents(expression) -%}
    {{ return(adapter.dispatch('to_cents', 'salespulse')(expression)) }}
{%- endmacro %}

{% macro default__to_cents(expression) -%}
    cast(round({{ expression }}, 2) as {{ type_money() }})
{%- endmacro %}

{#- PostgreSQL rounds to decimals only numerics: an amount times a double share is one. -#}
{% macro postgres__to_cents(expression) -%}
    cast(round(cast({{ expression }} as numeric), 2) as {{ type_money() }})
{%- endmacro %}

{#- An amount converted with an FX rate, to cents: exact, whatever the size of the amount. -#}
{% macro convert_to_cents(amount, fx_rate) -%}
    {{ to_cents('cast(' ~ amount ~ ' as ' ~ type_amount() ~ ') * cast(' ~ fx_rate ~ ' as ' ~ type_fx_rate() ~ ')') }}
{%- endmacro %}

{#- Money times a share (0-1), to cents: the share to 6 decimals, the product exact. Round each
    row like this, then sum: the sum is exact and the same in any order. -#}
{% macro weight_to_cents(money, share) -%}
    {{ to_cents('cast(' ~ money ~ ' as ' ~ type_money() ~ ') * cast(' ~ share ~ ' as ' ~ type_money_share() ~ ')') }}
{%- endmacro %}

{#- A non-negative money amount × part ÷ whole (whole numbers), to cents, rounded half away from
    zero: SQL engines divide decimals in floating point, which rounds 4877.355 down, so the
    division is done on whole cents, where it is exact while 2 × cents × part stays below 2^53
    (amounts up to about 10^13 for a part of a few hundred days). NULL when whole is 0. -#}
{% macro prorate_money_to_cents(amount, part, whole) -%}
    cast(
        floor(
            (2 * round({{ amount }} * 100) * ({{ part }}) + ({{ whole }}))
            / (2.0 * nullif({{ whole }}, 0))
        ) / 100
        as {{ type_money() }}
    )
{%- endmacro %}

{#- A non-negative money amount divided by a count, to cents (as prorate_money_to_cents): NULL
    when the count is 0. Used for average deal size. -#}
{% macro divide_money_to_cents(amount, count) -%}
    {{ prorate_money_to_cents(amount, 1, count) }}
{%- endmacro %}
