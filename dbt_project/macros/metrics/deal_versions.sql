{% macro deal_version_in_force(day, relation='versions') -%}
    {#- A version of core.fct_deal_versions holds at the end of `day`: valid from it or before,
        and not replaced before it (the current version has no end). `relation=none` leaves the
        columns unqualified, for a select from the versions alone. -#}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ prefix }}valid_from_date <= {{ day }}
    and ({{ prefix }}valid_to_date is null or {{ prefix }}valid_to_date >= {{ day }})
{%- endmacro %}
