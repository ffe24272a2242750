{#- The Wilson score interval of a proportion: successes out of trials, at the normal quantile
    var confidence_z (default 1.96: 95 %), rounded to four decimals. Unlike p ± z·√(p(1−p)/n) it
    stays inside [0, 1] and keeps a width at p = 0 or 1, so a 2-of-2 win rate reads as the weak
    evidence it is. NULL without trials. Portable SQL: arithmetic, sqrt, greatest, least and
    round_double (macros/cross_db).

        centre = (p + z²/2n) / (1 + z²/n)
        half   = z / (1 + z²/n) · √(p(1 − p)/n + z²/4n²)
-#}
{% macro wilson_interval_bound(successes, trials, side) -%}
    {%- set z = var('confidence_z', 1.96) | float -%}
    {%- set z2 = z * z -%}
    {%- set n = 'cast(nullif(' ~ trials ~ ', 0) as double precision)' -%}
    {%- set p = '(cast(' ~ successes ~ ' as double precision) / ' ~ n ~ ')' -%}
    {%- set bound -%}
        (
            ({{ p }} + {{ z2 }} / (2 * {{ n }}))
            {{ '-' if side == 'low' else '+' }} {{ z }} * sqrt(
                {{ p }} * (1 - {{ p }}) / {{ n }} + {{ z2 }} / (4 * {{ n }} * {{ n }})
            )
        ) / (1 + {{ z2 }} / {{ n }})
    {%- endset -%}
    {{ round_double(bound, 4) }}
{%- endmacro %}

{#- greatest and least skip NULLs (DuckDB and PostgreSQL alike): without trials they would make
    the interval 0-1, so the bound stays NULL there explicitly. -#}
{% macro wilson_interval_low(successes, trials) -%}
    case when ({{ trials }}) > 0 then greatest(0.0, {{ wilson_interval_bound(successes, trials, 'low') }}) end
{%- endmacro %}

{% macro wilson_interval_high(successes, trials) -%}
    case when ({{ trials }}) > 0 then least(1.0, {{ wilson_interval_bound(successes, trials, 'high') }}) end
{%- endmacro %}
