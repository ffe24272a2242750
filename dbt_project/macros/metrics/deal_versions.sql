{% macro deal_version_in_force(day, relation='versions') -%}
    {#- A version of core.fct_deal_versions holds at the end of `day`: valid from it or before,
        and not replaced before it (the current version has no end). `relation=none` leaves the
        columns unqualified, for a select from the versions alone. -#}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ prefix }}valid_from_date <= {{ day }}
    and ({{ prefix }}valid_to_date is null or {{ prefix }}valid_to_date >= {{ day }})
{%- endmacro %}

{% macro version_state_columns() -%}
    {#- What tells two versions of core.fct_deal_versions apart for an incremental run: every
        column but valid_to_date (the next version's start), version_number (the order) and the
        lineage and bookkeeping columns. -#}
    deal_id, valid_from_date, pipeline_id, stage_id, stage_win_probability, status, is_open, amount,
    amount_reporting, weighted_amount_reporting, expected_close_date, owner_rep_id, forecast_category,
    is_deleted
{%- endmacro %}

{% macro deal_version_is_finally_closed(valid_from_date, closed_date) -%}
    {#- A version of core.fct_deal_versions from the deal's close on: the deal as fct_deals has
        it (its status, stage, amount, owner at close). fct_deal_versions builds versions with
        it and compares its previous ones with it. -#}
    ({{ closed_date }} is not null and {{ valid_from_date }} >= {{ closed_date }})
{%- endmacro %}

{% macro deal_status_in_stage(stage_status) -%}
    {#- A version's status before the deal's close: a closed stage's (closed then, reopened
        since), else open. -#}
    case when {{ stage_status }} in ('won', 'lost') then {{ stage_status }} else 'open' end
{%- endmacro %}
